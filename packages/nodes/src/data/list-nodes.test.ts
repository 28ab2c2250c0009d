import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const outputs = async (type: string, config: JsonObject) => (await catalog.execute(aNodeExecution(type).withId('l').withConfig(config).build())).outputs;
const base = [5, 3, 8, 1, 9, 3, 10];

describe('list nodes', () => {
  it.each<[string, JsonObject, JsonObject]>([
    ['ListAppendNode', { list: [5, 3], item: 10 }, { result: [5, 3, 10], length: 3 }],
    ['ListGetItemNode', { list: base, index: 0 }, { item: 5, result: 5 }],
    ['ListGetItemNode', { list: base, index: -1 }, { item: 10, result: 10 }],
    ['ListContainsNode', { list: base, item: 8 }, { result: true, contains: true, index: 2 }],
    ['ListLengthNode', { list: base }, { length: 7, result: 7 }],
    ['ListSortNode', { list: base, reverse: false }, { sorted_list: [1, 3, 3, 5, 8, 9, 10], result: [1, 3, 3, 5, 8, 9, 10] }],
    ['ListSortNode', { list: [{ n: 2 }, { n: 1 }], key: 'n', reverse: true }, { sorted_list: [{ n: 2 }, { n: 1 }], result: [{ n: 2 }, { n: 1 }] }],
    ['ListReverseNode', { list: [1, 2, 3] }, { reversed_list: [3, 2, 1], result: [3, 2, 1] }],
    ['ListUniqueNode', { list: base }, { unique_list: [5, 3, 8, 1, 9, 10], result: [5, 3, 8, 1, 9, 10], removed_count: 1 }],
    ['ListSliceNode', { list: [5, 3, 8, 1, 9, 10], start: 1, end: 4 }, { result: [3, 8, 1], length: 3 }],
    ['ListSliceNode', { list: [1, 2, 3, 4], step: -1 }, { result: [4, 3, 2, 1], length: 4 }],
    [
      'ListFlattenNode',
      {
        list: [
          [1, 2],
          [3, 4],
          [5, [6]],
        ],
      },
      { result: [1, 2, 3, 4, 5, [6]], length: 6 },
    ],
    ['ListFlattenNode', { list: [[1, [2, [3]]]], depth: -1 }, { result: [1, 2, 3], length: 3 }],
    ['ListJoinNode', { list: ['apple', 'banana', 'cherry'], separator: ', ' }, { result: 'apple, banana, cherry' }],
    ['ListFilterNode', { list: [1, 5, 10], condition: 'greater_than', value: 4 }, { result: [5, 10], removed: [1], count: 2 }],
    ['ListFilterNode', { list: [{ a: 1 }, { a: null }], condition: 'is_not_none', key_path: 'a' }, { result: [{ a: 1 }], removed: [{ a: null }], count: 1 }],
    ['ListMapNode', { list: ['a', 'b'], operation: 'upper' }, { result: ['A', 'B'], length: 2 }],
    ['ListMapNode', { list: [1, 2], operation: 'multiply', value: 3 }, { result: [3, 6], length: 2 }],
    ['ListMapNode', { list: [{ name: 'x' }], operation: 'get_key', key_path: 'name' }, { result: ['x'], length: 1 }],
    ['ListReduceNode', { list: [1, 2, 3], operation: 'sum' }, { result: 6 }],
    ['ListReduceNode', { list: [1, 2, 3, 4], operation: 'avg' }, { result: 2.5 }],
    ['ListReduceNode', { list: [3, 1, 2], operation: 'max' }, { result: 3 }],
    ['ListReduceNode', { list: ['a', 'b'], operation: 'join', separator: '+' }, { result: 'a+b' }],
    [
      'CreateListNode',
      { item_1: 'apple', item_2: 'banana', item_10: 'last', item_3: 'cherry' },
      { list: ['apple', 'banana', 'cherry', 'last'], result: ['apple', 'banana', 'cherry', 'last'], length: 4 },
    ],
  ])('%s %j', async (type, config, expected) => {
    expect(await outputs(type, config)).toEqual(expected);
  });

  it('treats an absent list as empty, as v1 did', async () => {
    expect(await outputs('ListLengthNode', {})).toEqual({ length: 0, result: 0 });
    expect(await outputs('ListFilterNode', {})).toEqual({ result: [], removed: [], count: 0 });
  });

  it('accepts a list given as JSON text', async () => {
    expect((await outputs('ListLengthNode', { list: '[1, 2]' }))['length']).toBe(2);
  });

  it('ShuffleListNode keeps the same items', async () => {
    const shuffled = (await outputs('ShuffleListNode', { list: ['apple', 'banana', 'cherry'] }))['result'] as string[];
    expect([...shuffled].sort()).toEqual(['apple', 'banana', 'cherry']);
  });

  it('names node and field for a wrong list, an index out of range and a non-number to add', async () => {
    await expect(outputs('ListLengthNode', { list: 42 })).rejects.toThrow('nodes.l.config.list: expected a list, got 42');
    await expect(outputs('ListGetItemNode', { list: [1], index: 3 })).rejects.toThrow('nodes.l.config.index: 3 is out of range for a list of 1 items');
    await expect(outputs('ListMapNode', { list: ['x'], operation: 'add', value: 1 })).rejects.toThrow('nodes.l.config.list[0]: expected a number, got "x"');
    await expect(outputs('ListFilterNode', { list: [], condition: 'similar' })).rejects.toThrow(/^nodes\.l\.config\.condition: expected one of/);
  });
});
