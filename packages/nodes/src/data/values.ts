import type { Json } from '@casare-rpa/domain';
import { describeValue } from '../catalog/config-issues.js';
import { isJsonArray, isJsonObject } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';

// Value helpers shared by the data nodes, with the v1 (Python) meaning where JavaScript differs.

const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The number a value stands for (numeric text included), or undefined. */
export function numericValue(value: Json): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** The number a field holds, or a `ConfigFieldError` naming the field. */
export function requireNumber(value: Json, field: string): number {
  const number = numericValue(value);
  if (number === undefined || Number.isNaN(number)) throw new ConfigFieldError(field, `expected a number, got ${describeValue(value)}`);
  return number;
}

/** Text rendering of a value as the v1 engine printed it inside a string. */
export function textOf(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEquals(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (isJsonArray(a) && isJsonArray(b)) return a.length === b.length && a.every((item, index) => jsonEquals(item, b[index] ?? null));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEquals(a[key] ?? null, b[key] ?? null));
  }
  return false;
}

/** Loose equality as users of v1 expect it: `"10" == 10`, otherwise deep JSON equality. */
export function looseEquals(a: Json, b: Json): boolean {
  const x = numericValue(a);
  const y = numericValue(b);
  if (x !== undefined && y !== undefined && typeof a !== 'boolean' && typeof b !== 'boolean') return x === y;
  return jsonEquals(a, b);
}

/** Orders two values: numerically when both are numbers, otherwise by text. */
export function compareValues(a: Json, b: Json): number {
  const x = numericValue(a);
  const y = numericValue(b);
  if (x !== undefined && y !== undefined) return x - y;
  const left = textOf(a);
  const right = textOf(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Python slice bounds `[start:end]` of a sequence of `length` items (negative counts from the end). */
export function sliceBounds(length: number, start: number | undefined, end: number | undefined): [number, number] {
  const clamp = (index: number) => (index < 0 ? Math.max(length + index, 0) : Math.min(index, length));
  return [start === undefined ? 0 : clamp(start), end === undefined ? length : clamp(end)];
}

/** Python slice with a step, on any array. */
export function pythonSlice<T>(items: readonly T[], start: number | undefined, end: number | undefined, step: number | undefined, field = 'step'): T[] {
  const by = step ?? 1;
  if (by === 0) throw new ConfigFieldError(field, 'must not be 0');
  if (by > 0) {
    const [from, to] = sliceBounds(items.length, start, end);
    const result: T[] = [];
    for (let index = from; index < to; index += by) result.push(items[index] as T);
    return result;
  }
  // Negative step: defaults run from the end backwards.
  const length = items.length;
  const norm = (index: number) => (index < 0 ? index + length : index);
  let from = start === undefined ? length - 1 : Math.min(norm(start), length - 1);
  const to = end === undefined ? -1 : Math.max(norm(end), -1);
  const result: T[] = [];
  for (; from > to; from += by) if (from >= 0) result.push(items[from] as T);
  return result;
}

/** Length of a text, list or dictionary (a number counts its digits, as Python's len(str(x))). */
export function lengthOf(value: Json): number {
  if (isJsonArray(value)) return value.length;
  if (isJsonObject(value)) return Object.keys(value).length;
  return textOf(value).length;
}

/** Reads `a.b[0]` inside a value; undefined when absent. Never follows prototype keys. */
export function valueAtPath(value: Json, path: string): Json | undefined {
  let current: Json | undefined = value;
  for (const part of path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '')) {
    if (isJsonArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isJsonObject(current) && Object.hasOwn(current, part)) current = current[part];
    else return undefined;
  }
  return current;
}
