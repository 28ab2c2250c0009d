import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const outputs = async (type: string, config: JsonObject) => (await catalog.execute(aNodeExecution(type).withId('d').withConfig(config).build())).outputs;
const person = { name: 'Alice', age: 30 };

describe('dict nodes', () => {
  it.each<[string, JsonObject, JsonObject]>([
    ['CreateDictNode', { key_1: 'name', value_1: 'Alice', key_2: 'age', value_2: 30 }, { dict: person, result: person, count: 2 }],
    ['CreateDictNode', {}, { dict: {}, result: {}, count: 0 }],
    ['DictGetNode', { dict: person, key: 'name' }, { value: 'Alice', found: true, result: 'Alice' }],
    ['DictGetNode', { dict: person, key: 'x', default: 'none' }, { value: 'none', found: false, result: 'none' }],
    ['DictGetNode', { key: 'name' }, { value: null, found: false, result: null }],
    ['DictSetNode', { dict: person, key: 'country', value: 'USA' }, { dict: { ...person, country: 'USA' }, result: { ...person, country: 'USA' } }],
    ['DictSetNode', { key: 'name', value: 'test' }, { dict: { name: 'test' }, result: { name: 'test' } }],
    ['DictHasKeyNode', { dict: person, key: 'age' }, { has_key: true, result: true }],
    ['DictKeysNode', { dict: person }, { keys: ['name', 'age'], count: 2, result: ['name', 'age'] }],
    ['DictValuesNode', { dict: person }, { values: ['Alice', 30], count: 2, result: ['Alice', 30] }],
    ['DictItemsNode', { dict: { a: 1 } }, { items: [{ key: 'a', value: 1 }], count: 1, result: [{ key: 'a', value: 1 }] }],
    ['DictMergeNode', { dict1: { a: 1, b: 1 }, dict2: { b: 2 } }, { dict: { a: 1, b: 2 }, result: { a: 1, b: 2 } }],
    ['DictMergeNode', { dict_1: { a: { x: 1 } }, dict_2: { a: { y: 2 } }, deep: true }, { dict: { a: { x: 1, y: 2 } }, result: { a: { x: 1, y: 2 } } }],
    ['DictRemoveNode', { dict: { x: 1, y: 2 }, key: 'x' }, { dict: { y: 2 }, result: { y: 2 }, removed_value: 1, removed: true }],
    ['DictToJsonNode', { dict: { b: 1, a: 2 }, sort_keys: true }, { json: '{"a":2,"b":1}', json_string: '{"a":2,"b":1}', result: '{"a":2,"b":1}' }],
    ['JsonParseNode', { json_string: '{"parsed": true, "count": 5}' }, { data: { parsed: true, count: 5 }, result: { parsed: true, count: 5 } }],
    ['ParseJSONNode', { json_string: [1, 2] }, { data: [1, 2], result: [1, 2] }],
  ])('%s %j', async (type, config, expected) => {
    expect(await outputs(type, config)).toEqual(expected);
  });

  it('accepts a dict given as JSON text', async () => {
    expect((await outputs('DictKeysNode', { dict: '{"k": 1}' }))['keys']).toEqual(['k']);
  });

  it('never reads inherited keys', async () => {
    expect((await outputs('DictGetNode', { dict: {}, key: 'constructor' }))['found']).toBe(false);
    expect((await outputs('DictHasKeyNode', { dict: {}, key: '__proto__' }))['has_key']).toBe(false);
  });

  it('names node and field for a wrong dict, a missing key and invalid JSON', async () => {
    await expect(outputs('DictKeysNode', { dict: [1] })).rejects.toThrow('nodes.d.config.dict: expected a dictionary, got a list');
    await expect(outputs('DictSetNode', { dict: {} })).rejects.toThrow('nodes.d.config.key: required');
    await expect(outputs('JsonParseNode', { json_string: '{oops' })).rejects.toThrow(/^nodes\.d\.config\.json_string: invalid JSON/);
    await expect(outputs('JsonParseNode', {})).rejects.toThrow('nodes.d.config.json_string: required');
  });
});
