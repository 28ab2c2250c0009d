import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, dict, integer, isJsonObject, nonEmptyText, text } from '../catalog/config-schema.js';
import { describeValue } from '../catalog/config-issues.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';

// Dict nodes that produce a dictionary output it as `result` (v1's port name) and as `dict`, the
// name the v1 sample files reference (`{{create_dict.dict}}`). An absent dict input is empty.

function withKey(source: JsonObject, key: string, value: Json): JsonObject {
  return { ...source, [key]: value };
}

function withoutKey(source: JsonObject, key: string): JsonObject {
  return Object.fromEntries(Object.entries(source).filter(([name]) => name !== key));
}

function dictOutputs(value: JsonObject) {
  return { dict: value, result: value };
}

const createDictNode = defineNode({
  types: ['CreateDictNode'],
  effect: 'pure',
  config: z.looseObject({ initial: dict() }),
  ports: { inputs: ['key_1', 'value_1', 'key_2', 'value_2', 'key_3', 'value_3'], outputs: ['dict', 'result', 'count'] },
  run: (config) => {
    // key_N / value_N pairs in numeric order; a pair without a key is skipped.
    const record = config as Record<string, unknown>;
    const pairs = Object.keys(record)
      .map((name) => /^key_(\d+)$/.exec(name)?.[1])
      .filter((index): index is string => index !== undefined)
      .sort((x, y) => Number(x) - Number(y));
    let result: JsonObject = config.initial;
    for (const index of pairs) {
      const key = record[`key_${index}`];
      if (key === undefined || key === null || key === '') continue;
      if (typeof key !== 'string' && typeof key !== 'number') throw new ConfigFieldError(`key_${index}`, `expected text, got ${describeValue(key)}`);
      result = withKey(result, String(key), (record[`value_${index}`] ?? null) as Json);
    }
    return { outputs: { ...dictOutputs(result), count: Object.keys(result).length } };
  },
});

const dictGetNode = defineNode({
  types: ['DictGetNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict(), key: text(''), default: anyValue() }),
  ports: { inputs: ['dict', 'key', 'default'], outputs: ['value', 'found', 'result'] },
  run: (config) => {
    const found = Object.hasOwn(config.dict, config.key);
    const value = found ? (config.dict[config.key] ?? null) : config.default;
    return { outputs: { value, found, result: value } };
  },
});

const dictSetNode = defineNode({
  types: ['DictSetNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict(), key: nonEmptyText(), value: anyValue() }),
  ports: { inputs: ['dict', 'key', 'value'], outputs: ['dict', 'result'] },
  run: (config) => ({ outputs: dictOutputs(withKey(config.dict, config.key, config.value)) }),
});

const dictRemoveNode = defineNode({
  types: ['DictRemoveNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict(), key: text('') }),
  ports: { inputs: ['dict', 'key'], outputs: ['dict', 'result', 'removed_value', 'removed'] },
  run: (config) => {
    const removed = Object.hasOwn(config.dict, config.key);
    return {
      outputs: {
        ...dictOutputs(withoutKey(config.dict, config.key)),
        removed_value: removed ? (config.dict[config.key] ?? null) : null,
        removed,
      },
    };
  },
});

function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const result: Record<string, Json> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = result[key];
    result[key] = isJsonObject(existing) && isJsonObject(value) ? deepMerge(existing, value) : value;
  }
  return result;
}

const dictMergeNode = defineNode({
  types: ['DictMergeNode'],
  effect: 'pure',
  // v1 wrote both `dict_1`/`dict_2` (port names) and `dict1`/`dict2` (sample files).
  config: z.looseObject({ dict_1: dict(), dict_2: dict(), dict1: dict(), dict2: dict(), deep: boolean(false) }),
  ports: { inputs: ['dict_1', 'dict_2'], outputs: ['dict', 'result'] },
  run: (config) => {
    const first = { ...config.dict1, ...config.dict_1 };
    const second = { ...config.dict2, ...config.dict_2 };
    return { outputs: dictOutputs(config.deep ? deepMerge(first, second) : { ...first, ...second }) };
  },
});

const dictHasKeyNode = defineNode({
  types: ['DictHasKeyNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict(), key: text('') }),
  ports: { inputs: ['dict', 'key'], outputs: ['has_key', 'result'] },
  run: (config) => {
    const has = Object.hasOwn(config.dict, config.key);
    return { outputs: { has_key: has, result: has } };
  },
});

const dictKeysNode = defineNode({
  types: ['DictKeysNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict() }),
  ports: { inputs: ['dict'], outputs: ['keys', 'count', 'result'] },
  run: (config) => {
    const keys = Object.keys(config.dict);
    return { outputs: { keys, count: keys.length, result: keys } };
  },
});

const dictValuesNode = defineNode({
  types: ['DictValuesNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict() }),
  ports: { inputs: ['dict'], outputs: ['values', 'count', 'result'] },
  run: (config) => {
    const values = Object.values(config.dict);
    return { outputs: { values, count: values.length, result: values } };
  },
});

const dictItemsNode = defineNode({
  types: ['DictItemsNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict() }),
  ports: { inputs: ['dict'], outputs: ['items', 'count', 'result'] },
  run: (config) => {
    const items = Object.entries(config.dict).map(([key, value]) => ({ key, value }));
    return { outputs: { items, count: items.length, result: items } };
  },
});

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return (value as readonly Json[]).map(sortKeys);
  if (isJsonObject(value))
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key] ?? null)]),
    );
  return value;
}

const dictToJsonNode = defineNode({
  types: ['DictToJsonNode'],
  effect: 'pure',
  config: z.looseObject({ dict: dict(), indent: integer(0), sort_keys: boolean(false) }),
  ports: { inputs: ['dict'], outputs: ['json', 'json_string', 'result'] },
  run: (config) => {
    const json = JSON.stringify(config.sort_keys ? sortKeys(config.dict) : config.dict, null, config.indent > 0 ? config.indent : undefined);
    return { outputs: { json, json_string: json, result: json } };
  },
});

const jsonParseNode = defineNode({
  types: ['JsonParseNode', 'ParseJSONNode'],
  effect: 'pure',
  config: z.looseObject({ json_string: anyValue() }),
  ports: { inputs: ['json_string'], outputs: ['data', 'result'] },
  run: (config) => {
    const source = config.json_string;
    // An already structured value (a whole-value template of a dict) needs no parsing.
    if (typeof source !== 'string') {
      if (source === null) throw new ConfigFieldError('json_string', 'required');
      return { outputs: { data: source, result: source } };
    }
    if (source.trim() === '') throw new ConfigFieldError('json_string', 'required');
    let data: Json;
    try {
      data = JSON.parse(source) as Json;
    } catch (error) {
      throw new ConfigFieldError('json_string', `invalid JSON: ${(error as Error).message}`);
    }
    return { outputs: { data, result: data } };
  },
});

/** Dict nodes, CreateDict and JSON parsing. */
export const dictNodeHandlers: readonly CatalogNodeHandler[] = [
  createDictNode,
  dictGetNode,
  dictSetNode,
  dictRemoveNode,
  dictMergeNode,
  dictHasKeyNode,
  dictKeysNode,
  dictValuesNode,
  dictItemsNode,
  dictToJsonNode,
  jsonParseNode,
];
