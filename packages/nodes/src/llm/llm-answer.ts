import { CasareError, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { isJsonArray, isJsonObject } from '../catalog/config-schema.js';

// Nodes that branch or extract on a model's answer ask for JSON and check what comes back against
// what they asked for (the shape, the allowed choices) before any of it reaches the run's state: a
// model that answers off-script fails the node, naming it, instead of steering the workflow at random.

/** The model's answer is not the JSON the node asked for (not JSON, a missing key, a choice not offered). */
export class LlmAnswerError extends CasareError {
  /** Stable code. */
  readonly code = 'LLM_ANSWER_INVALID' as const;
  constructor(
    /** Node whose answer was refused. */
    readonly nodeId: string,
    /** What is wrong with the answer. */
    readonly problem: string,
    /** The answer as the model gave it (cut to 500 characters). */
    readonly answer: string,
  ) {
    super(`nodes.${nodeId}: the model's answer ${problem}; it answered: ${JSON.stringify(answer.slice(0, 500))}`);
    this.name = 'LlmAnswerError';
  }
}

/** Checks one node's structured answer; every refusal is an `LlmAnswerError` naming the node. */
export class AnswerReader {
  constructor(
    private readonly execution: NodeExecution,
    /** The raw answer text. */
    readonly raw: string,
  ) {}

  /** Refuses the answer. */
  fail(problem: string): never {
    throw new LlmAnswerError(this.execution.node.id, problem, this.raw);
  }

  /** The answer as a JSON object; a fenced block (```json ... ```) is unwrapped first. */
  object(): JsonObject {
    const text = this.raw.trim();
    const fenced = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?```$/.exec(text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fenced?.[1] ?? text);
    } catch {
      return this.fail('is not JSON');
    }
    if (!isJsonObject(parsed)) return this.fail('is not a JSON object');
    return parsed;
  }

  /** `answer[key]` as text; required unless `fallback` is given. */
  text(answer: JsonObject, key: string, fallback?: string): string {
    const value = answer[key];
    if (typeof value === 'string') return value;
    if ((value === undefined || value === null) && fallback !== undefined) return fallback;
    return this.fail(`has no text "${key}"`);
  }

  /** `answer[key]` as a boolean (true/false only). */
  boolean(answer: JsonObject, key: string): boolean {
    const value = answer[key];
    if (typeof value === 'boolean') return value;
    return this.fail(`has no boolean "${key}" (true or false)`);
  }

  /** `answer[key]` as a confidence between 0 and 1; `fallback` when absent. */
  confidence(answer: JsonObject, key = 'confidence', fallback = 0.5): number {
    const value = answer[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || value < 0 || value > 1) return this.fail(`has a "${key}" that is not a number between 0 and 1`);
    return value;
  }

  /** `answer[key]` as an integer; required. */
  integer(answer: JsonObject, key: string): number {
    const value = answer[key];
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    return this.fail(`has no integer "${key}"`);
  }

  /** `answer[key]` as a list; `[]` when absent. */
  list(answer: JsonObject, key: string): readonly Json[] {
    const value = answer[key];
    if (value === undefined || value === null) return [];
    if (!isJsonArray(value)) return this.fail(`has a "${key}" that is not a list`);
    return value;
  }

  /** `answer[key]` as an object; `{}` when absent. */
  dict(answer: JsonObject, key: string): JsonObject {
    const value = answer[key];
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value)) return this.fail(`has a "${key}" that is not an object`);
    return value;
  }

  /** `value` as one of `choices` (compared without case), spelled as the node offered it. */
  choice(value: Json | undefined, choices: readonly string[], what: string): string {
    const wanted = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
    const found = choices.find((choice) => choice.toLowerCase() === wanted);
    if (found === undefined) return this.fail(`picks ${JSON.stringify(value ?? null)} as ${what}, which is not one of ${JSON.stringify(choices)}`);
    return found;
  }
}

/** The JSON types a schema of expected fields may name (`{"name": "string", "age": "integer"}`). */
const TYPE_CHECKS: Readonly<Record<string, (value: Json) => boolean>> = {
  string: (value) => typeof value === 'string',
  str: (value) => typeof value === 'string',
  text: (value) => typeof value === 'string',
  date: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number',
  float: (value) => typeof value === 'number',
  integer: (value) => typeof value === 'number' && Number.isInteger(value),
  int: (value) => typeof value === 'number' && Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  bool: (value) => typeof value === 'boolean',
  array: (value) => isJsonArray(value),
  list: (value) => isJsonArray(value),
  object: (value) => isJsonObject(value),
  dict: (value) => isJsonObject(value),
};

/** The type word a schema entry names: `"string"`, or `{"type": "string", ...}`; undefined when it names none we know. */
function typeWord(entry: Json | undefined): string | undefined {
  const word = typeof entry === 'string' ? entry : isJsonObject(entry) && typeof entry['type'] === 'string' ? entry['type'] : undefined;
  return word !== undefined && Object.hasOwn(TYPE_CHECKS, word.toLowerCase()) ? word.toLowerCase() : undefined;
}

/**
 * The fields of a schema (`{"name": "string"}`, or a JSON Schema with `properties`) and the type
 * each must have, when it names one.
 */
export function schemaFields(schema: JsonObject): ReadonlyMap<string, string | undefined> {
  const properties = isJsonObject(schema['properties']) ? schema['properties'] : schema;
  return new Map(Object.entries(properties).map(([field, entry]) => [field, typeWord(entry)]));
}

/**
 * Checks an extracted object against the schema: every field present (null means "not found in the
 * text"), each of the type the schema names. Returns the fields that are null.
 */
export function checkAgainstSchema(reader: AnswerReader, answer: JsonObject, schema: JsonObject): string[] {
  const missing: string[] = [];
  for (const [field, type] of schemaFields(schema)) {
    if (!Object.hasOwn(answer, field)) reader.fail(`has no field "${field}"`);
    const value = answer[field] ?? null;
    if (value === null) {
      missing.push(field);
      continue;
    }
    if (type !== undefined && !TYPE_CHECKS[type]?.(value)) reader.fail(`has a "${field}" that is not of type ${type}`);
  }
  return missing;
}
