import type { Json } from '@casare-rpa/domain';
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { anyValue, boolean, integer, isJsonArray, isJsonObject, list, oneOf, optionalInteger, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { compareWith } from './math-nodes.js';
import { compareValues, jsonEquals, looseEquals, numericValue, pythonSlice, requireNumber, textOf, valueAtPath } from './values.js';

// List nodes take their list from `list` (config or data input); an absent list is empty, as in v1.

const listAppendNode = defineNode({
  types: ['ListAppendNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), item: anyValue() }),
  ports: { inputs: ['list', 'item'], outputs: ['result', 'length'] },
  run: (config) => {
    const result = [...config.list, config.item];
    return { outputs: { result, length: result.length } };
  },
});

const listGetItemNode = defineNode({
  types: ['ListGetItemNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), index: integer(0) }),
  ports: { inputs: ['list', 'index'], outputs: ['item', 'result'] },
  run: (config) => {
    const at = config.index < 0 ? config.list.length + config.index : config.index;
    if (at < 0 || at >= config.list.length) {
      throw new ConfigFieldError('index', `${config.index} is out of range for a list of ${config.list.length} items`);
    }
    const item = config.list[at] ?? null;
    return { outputs: { item, result: item } };
  },
});

const listContainsNode = defineNode({
  types: ['ListContainsNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), item: anyValue() }),
  ports: { inputs: ['list', 'item'], outputs: ['result', 'contains', 'index'] },
  run: (config) => {
    const index = config.list.findIndex((element) => looseEquals(element, config.item));
    return { outputs: { result: index >= 0, contains: index >= 0, index } };
  },
});

const listLengthNode = defineNode({
  types: ['ListLengthNode'],
  effect: 'pure',
  config: z.looseObject({ list: list() }),
  ports: { inputs: ['list'], outputs: ['length', 'result'] },
  run: (config) => ({ outputs: { length: config.list.length, result: config.list.length } }),
});

const listSortNode = defineNode({
  types: ['ListSortNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), reverse: boolean(false), key: optionalText() }),
  ports: { inputs: ['list'], outputs: ['sorted_list', 'result'] },
  run: (config) => {
    const keyOf = (item: Json): Json => (config.key ? (valueAtPath(item, config.key) ?? null) : item);
    const sorted = [...config.list].sort((a, b) => compareValues(keyOf(a), keyOf(b)));
    if (config.reverse) sorted.reverse();
    return { outputs: { sorted_list: sorted, result: sorted } };
  },
});

const listReverseNode = defineNode({
  types: ['ListReverseNode'],
  effect: 'pure',
  config: z.looseObject({ list: list() }),
  ports: { inputs: ['list'], outputs: ['reversed_list', 'result'] },
  run: (config) => {
    const reversed = [...config.list].reverse();
    return { outputs: { reversed_list: reversed, result: reversed } };
  },
});

const listUniqueNode = defineNode({
  types: ['ListUniqueNode'],
  effect: 'pure',
  config: z.looseObject({ list: list() }),
  ports: { inputs: ['list'], outputs: ['unique_list', 'result', 'removed_count'] },
  run: (config) => {
    const unique: Json[] = [];
    for (const item of config.list) if (!unique.some((kept) => jsonEquals(kept, item))) unique.push(item);
    return { outputs: { unique_list: unique, result: unique, removed_count: config.list.length - unique.length } };
  },
});

const listSliceNode = defineNode({
  types: ['ListSliceNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), start: optionalInteger(), end: optionalInteger(), step: optionalInteger() }),
  ports: { inputs: ['list'], outputs: ['result', 'length'] },
  run: (config) => {
    const result = pythonSlice(config.list, config.start, config.end, config.step);
    return { outputs: { result, length: result.length } };
  },
});

function flatten(items: readonly Json[], depth: number): Json[] {
  return items.flatMap((item) => (isJsonArray(item) && depth > 0 ? flatten(item, depth - 1) : [item]));
}

const listFlattenNode = defineNode({
  types: ['ListFlattenNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), depth: integer(1) }),
  ports: { inputs: ['list'], outputs: ['result', 'length'] },
  run: (config) => {
    // depth < 0 flattens completely.
    const result = flatten(config.list, config.depth < 0 ? Infinity : config.depth);
    return { outputs: { result, length: result.length } };
  },
});

const listJoinNode = defineNode({
  types: ['ListJoinNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), separator: text(', ') }),
  ports: { inputs: ['list'], outputs: ['result'] },
  run: (config) => ({ outputs: { result: config.list.map(textOf).join(config.separator) } }),
});

const FILTER_CONDITIONS = [
  'equals',
  'not_equals',
  'greater_than',
  'less_than',
  'greater_or_equal',
  'less_or_equal',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'is_empty',
  'is_not_empty',
  'is_none',
  'is_not_none',
  'is_truthy',
  'is_falsy',
] as const;

function isEmpty(value: Json): boolean {
  if (value === null || value === '') return true;
  if (isJsonArray(value)) return value.length === 0;
  if (isJsonObject(value)) return Object.keys(value).length === 0;
  return false;
}

function isTruthy(value: Json): boolean {
  return !(value === false || value === 0 || isEmpty(value));
}

function keeps(condition: (typeof FILTER_CONDITIONS)[number], item: Json, value: Json): boolean {
  switch (condition) {
    case 'equals':
      return compareWith('==', item, value);
    case 'not_equals':
      return compareWith('!=', item, value);
    case 'greater_than':
      return compareWith('>', item, value);
    case 'less_than':
      return compareWith('<', item, value);
    case 'greater_or_equal':
      return compareWith('>=', item, value);
    case 'less_or_equal':
      return compareWith('<=', item, value);
    case 'contains':
      return compareWith('contains', item, value);
    case 'not_contains':
      return compareWith('not_contains', item, value);
    case 'starts_with':
      return compareWith('starts_with', item, value);
    case 'ends_with':
      return compareWith('ends_with', item, value);
    case 'is_empty':
      return isEmpty(item);
    case 'is_not_empty':
      return !isEmpty(item);
    case 'is_none':
      return item === null;
    case 'is_not_none':
      return item !== null;
    case 'is_truthy':
      return isTruthy(item);
    case 'is_falsy':
      return !isTruthy(item);
  }
}

const listFilterNode = defineNode({
  types: ['ListFilterNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), condition: oneOf(FILTER_CONDITIONS, 'is_not_none'), value: anyValue(), key_path: optionalText() }),
  ports: { inputs: ['list', 'value'], outputs: ['result', 'removed', 'count'] },
  run: (config) => {
    const kept: Json[] = [];
    const removed: Json[] = [];
    for (const item of config.list) {
      const subject = config.key_path ? (valueAtPath(item, config.key_path) ?? null) : item;
      (keeps(config.condition, subject, config.value) ? kept : removed).push(item);
    }
    return { outputs: { result: kept, removed, count: kept.length } };
  },
});

const MAP_OPERATIONS = [
  'identity',
  'upper',
  'lower',
  'strip',
  'title',
  'to_string',
  'to_int',
  'to_float',
  'to_bool',
  'length',
  'get_key',
  'add',
  'multiply',
  'prefix',
  'suffix',
  'round',
  'abs',
] as const;

function mapItem(operation: (typeof MAP_OPERATIONS)[number], item: Json, value: Json, keyPath: string | undefined, index: number): Json {
  const field = `list[${index}]`;
  switch (operation) {
    case 'identity':
      return item;
    case 'upper':
      return textOf(item).toUpperCase();
    case 'lower':
      return textOf(item).toLowerCase();
    case 'strip':
      return textOf(item).trim();
    case 'title':
      return textOf(item)
        .toLowerCase()
        .replace(/\b\p{L}/gu, (c) => c.toUpperCase());
    case 'to_string':
      return textOf(item);
    case 'to_int':
      return Math.trunc(requireNumber(item, field));
    case 'to_float':
      return requireNumber(item, field);
    case 'to_bool':
      return isTruthy(item);
    case 'length':
      return isJsonArray(item) ? item.length : isJsonObject(item) ? Object.keys(item).length : textOf(item).length;
    case 'get_key':
      return valueAtPath(item, keyPath ?? textOf(value)) ?? null;
    case 'add':
      return requireNumber(item, field) + requireNumber(value, 'value');
    case 'multiply':
      return requireNumber(item, field) * requireNumber(value, 'value');
    case 'prefix':
      return textOf(value) + textOf(item);
    case 'suffix':
      return textOf(item) + textOf(value);
    case 'round':
      return Math.round(requireNumber(item, field));
    case 'abs':
      return Math.abs(requireNumber(item, field));
  }
}

const listMapNode = defineNode({
  types: ['ListMapNode'],
  effect: 'pure',
  config: z.looseObject({ list: list(), operation: oneOf(MAP_OPERATIONS, 'identity'), value: anyValue(), key_path: optionalText() }),
  ports: { inputs: ['list', 'value'], outputs: ['result', 'length'] },
  run: (config) => {
    const result = config.list.map((item, index) => mapItem(config.operation, item, config.value, config.key_path, index));
    return { outputs: { result, length: result.length } };
  },
});

const REDUCE_OPERATIONS = ['sum', 'product', 'min', 'max', 'average', 'count', 'join', 'first', 'last'] as const;

const listReduceNode = defineNode({
  types: ['ListReduceNode'],
  effect: 'pure',
  config: z.looseObject({
    list: list(),
    operation: z.preprocess((v) => (v === 'avg' || v === 'mean' ? 'average' : v), oneOf(REDUCE_OPERATIONS, 'sum')),
    initial: anyValue(),
    separator: text(''),
  }),
  ports: { inputs: ['list', 'initial'], outputs: ['result'] },
  run: (config) => {
    const items = config.list;
    const numbers = () => items.map((item, index) => requireNumber(item, `list[${index}]`));
    const start = numericValue(config.initial);
    let result: Json;
    switch (config.operation) {
      case 'sum':
        result = numbers().reduce((total, n) => total + n, start ?? 0);
        break;
      case 'product':
        result = numbers().reduce((total, n) => total * n, start ?? 1);
        break;
      case 'min':
        result = items.length === 0 ? config.initial : ([...items].sort(compareValues)[0] ?? null);
        break;
      case 'max':
        result = items.length === 0 ? config.initial : ([...items].sort(compareValues).at(-1) ?? null);
        break;
      case 'average':
        result = items.length === 0 ? 0 : numbers().reduce((total, n) => total + n, 0) / items.length;
        break;
      case 'count':
        result = items.length;
        break;
      case 'join':
        result = items.map(textOf).join(config.separator);
        break;
      case 'first':
        result = items[0] ?? config.initial;
        break;
      case 'last':
        result = items.at(-1) ?? config.initial;
        break;
    }
    return { outputs: { result } };
  },
});

/** Fisher-Yates with a cryptographic source; the order is recorded in the outcome, so replay sees it. */
function shuffled(items: readonly Json[]): Json[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [result[i], result[j]] = [result[j] as Json, result[i] as Json];
  }
  return result;
}

const shuffleListNode = defineNode({
  types: ['ShuffleListNode'],
  config: z.looseObject({ list: list() }),
  ports: { inputs: ['list'], outputs: ['result', 'shuffled_list'] },
  run: (config) => {
    const result = shuffled(config.list);
    return { outputs: { result, shuffled_list: result } };
  },
});

const createListNode = defineNode({
  types: ['CreateListNode'],
  effect: 'pure',
  config: z.looseObject({ items: list() }),
  ports: { inputs: ['item_1', 'item_2', 'item_3'], outputs: ['list', 'result', 'length'] },
  run: (config) => {
    // item_1, item_2, ... in numeric order (item_10 after item_9), then an optional `items` list.
    const numbered = Object.entries(config)
      .map(([key, value]) => ({ index: /^item_(\d+)$/.exec(key)?.[1], value: (value ?? null) as Json }))
      .filter((entry): entry is { index: string; value: Json } => entry.index !== undefined && entry.value !== null && entry.value !== '')
      .sort((x, y) => Number(x.index) - Number(y.index))
      .map((entry) => entry.value);
    const result = [...numbered, ...config.items];
    return { outputs: { list: result, result, length: result.length } };
  },
});

/** List nodes, ShuffleList and CreateList. */
export const listNodeHandlers: readonly CatalogNodeHandler[] = [
  listAppendNode,
  listGetItemNode,
  listContainsNode,
  listLengthNode,
  listSortNode,
  listReverseNode,
  listUniqueNode,
  listSliceNode,
  listFlattenNode,
  listJoinNode,
  listFilterNode,
  listMapNode,
  listReduceNode,
  shuffleListNode,
  createListNode,
];
