import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const outputs = async (type: string, config: JsonObject) => (await catalog.execute(aNodeExecution(type).withId('s').withConfig(config).build())).outputs;
const node = (type: string, config: JsonObject) => ({ id: 's', type, config, position: [0, 0] }) as never;

describe('super nodes dispatch to the single-purpose nodes', () => {
  it('TextSuperNode: same outputs as the single node, v1 super-node field names renamed', async () => {
    expect(await outputs('TextSuperNode', { action: 'Pad', text: '7', length: 3, fill_char: '0' })).toEqual(
      await outputs('TextPadNode', { text: '7', width: 3, pad_char: '0' }),
    );
    expect(await outputs('TextSuperNode', { action: 'replace', text: 'a-b', old_value: '-', new_value: '+' })).toEqual(
      await outputs('TextReplaceNode', { text: 'a-b', old: '-', new: '+' }),
    );
    expect((await outputs('TextSuperNode', { text: 'hello', search: 'ell' }))['result']).toBe(true);
  });

  it('ListSuperNode and DictSuperNode', async () => {
    expect((await outputs('ListSuperNode', { action: 'Sort', list: [3, 1, 2] }))['result']).toEqual([1, 2, 3]);
    expect((await outputs('ListSuperNode', { action: 'Create List', item1: 'a', item2: 'b' }))['list']).toEqual(['a', 'b']);
    expect((await outputs('DictSuperNode', { action: 'Get Value', dict: { k: 1 }, key: 'k' }))['value']).toBe(1);
    expect((await outputs('DictSuperNode', { action: 'Create Dict', key1: 'a', value1: 1 }))['dict']).toEqual({ a: 1 });
  });

  it('names node and field for an unknown action and for a bad field of the action', async () => {
    expect(catalog.validate([node('TextSuperNode', { action: 'Shout' })])).toMatchObject([{ path: 'nodes.s.config.action', nodeId: 's' }]);
    expect(catalog.validate([node('TextSuperNode', { action: 'Pad', text: 'x', length: 'wide' })])).toMatchObject([
      { path: 'nodes.s.config.width', nodeId: 's' },
    ]);
    await expect(outputs('ListSuperNode', { action: 'Sort', list: 'not a list' })).rejects.toThrow('nodes.s.config.list: expected a list');
  });
});
