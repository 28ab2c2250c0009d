import { z } from 'zod';
import { jsonSchema, type Json, type JsonObject } from '@casare-rpa/domain';

// Field schemas shared by every handler. v1 files are loose about types (numbers saved as strings,
// '' for "not set"), so each helper accepts the spellings the original editor wrote and converts
// them; anything else is a config error naming the field.

/** `null` and `''` mean "not set" in v1 files: the field's default applies. */
function blank(value: unknown): unknown {
  return value === null || value === '' ? undefined : value;
}

const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const numberValue = z.union([z.number(), z.string().trim().regex(NUMERIC).transform(Number)], {
  error: 'expected a number',
});

const integerValue = numberValue.refine((value) => Number.isInteger(value), { error: 'expected an integer' });

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

const booleanValue = z.union(
  [
    z.boolean(),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((word) => TRUE_WORDS.has(word) || FALSE_WORDS.has(word))
      .transform((word) => TRUE_WORDS.has(word)),
    z.literal([0, 1]).transform((bit) => bit === 1),
  ],
  { error: 'expected true or false' },
);

const textValue = z.union([z.string(), z.number().transform(String), z.boolean().transform(String)], {
  error: 'expected text',
});

/** Parses a JSON text, or returns undefined when it is not JSON. */
function tryParseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/** `Array.isArray` that keeps the JSON element type (the built-in narrows to `any[]`). */
function isJsonArray(value: unknown): value is readonly Json[] {
  return Array.isArray(value);
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const listValue = z
  .custom<readonly Json[]>((value) => Array.isArray(value) || (typeof value === 'string' && Array.isArray(tryParseJson(value))), { error: 'expected a list' })
  .transform((value) => (Array.isArray(value) ? (value as readonly Json[]) : (tryParseJson(value as unknown as string) as Json[])));

const dictValue = z
  .custom<JsonObject>((value) => isJsonObject(value) || (typeof value === 'string' && isJsonObject(tryParseJson(value))), { error: 'expected a dictionary' })
  .transform((value) => (typeof value === 'string' ? (tryParseJson(value) as JsonObject) : value));

/** Any JSON value; absent means null. */
export function anyValue() {
  return z.preprocess((value) => value ?? null, jsonSchema);
}

/** Text; numbers and booleans are rendered as text. Required unless a default is given. */
export function text(fallback?: string) {
  return z.preprocess((value) => value ?? undefined, fallback === undefined ? textValue : textValue.default(fallback));
}

/** Text that must not be empty (ids, names, URLs, paths). */
export function nonEmptyText() {
  return z.preprocess(
    blank,
    textValue.refine((value) => value.trim() !== '', { error: 'must not be empty' }),
  );
}

/** Optional text: undefined when not set. */
export function optionalText() {
  return z.preprocess(blank, textValue.optional());
}

/** A number (a numeric string is accepted). Required unless a default is given. */
export function number(fallback?: number) {
  return z.preprocess(blank, fallback === undefined ? numberValue : numberValue.default(fallback));
}

/** Optional number: undefined when not set. */
export function optionalNumber() {
  return z.preprocess(blank, numberValue.optional());
}

/** An integer (a numeric string is accepted). Required unless a default is given. */
export function integer(fallback?: number) {
  return z.preprocess(blank, fallback === undefined ? integerValue : integerValue.default(fallback));
}

/** Optional integer: undefined when not set. */
export function optionalInteger() {
  return z.preprocess(blank, integerValue.optional());
}

/** A boolean (`"true"`, `"no"`, 0 and 1 are accepted). */
export function boolean(fallback: boolean) {
  return z.preprocess(blank, booleanValue.default(fallback));
}

/** A list (a JSON array text is accepted); defaults to the empty list. */
export function list(fallback: readonly Json[] = []) {
  return z.preprocess(blank, listValue.default(fallback));
}

/** A dictionary (a JSON object text is accepted); defaults to the empty dictionary. */
export function dict(fallback: JsonObject = {}) {
  return z.preprocess(blank, dictValue.default(fallback));
}

/** One of fixed words, compared without case; `fallback` when not set. */
export function oneOf<const T extends readonly [string, ...string[]]>(words: T, fallback?: T[number]) {
  const byLower = new Map(words.map((word) => [word.toLowerCase(), word]));
  const normalise = (value: unknown) => {
    const set = blank(value);
    return typeof set === 'string' ? (byLower.get(set.trim().toLowerCase()) ?? set) : set;
  };
  const choice = z.enum(words);
  return z.preprocess(normalise, fallback === undefined ? choice : choice.default(fallback as never));
}

/** True for a JSON object (not an array, not null). */
export { isJsonObject, isJsonArray, tryParseJson };
