import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const outputs = async (type: string, config: JsonObject = {}) => (await catalog.execute(aNodeExecution(type).withId('r').withConfig(config).build())).outputs;

describe('random nodes', () => {
  it('RandomNumberNode draws an integer within min/max or min_value/max_value', async () => {
    for (let n = 0; n < 50; n += 1) {
      const { result } = await outputs('RandomNumberNode', { min: 1, max: 3 });
      expect([1, 2, 3]).toContain(result);
      const other = (await outputs('RandomNumberNode', { min_value: 7, max_value: 7 }))['result'];
      expect(other).toBe(7);
    }
  });

  it('RandomNumberNode draws a float with decimals', async () => {
    const { result } = await outputs('RandomNumberNode', { min: 0, max: 1, integer_only: false, decimals: 2 });
    expect(typeof result).toBe('number');
    expect(Math.round((result as number) * 100) / 100).toBe(result);
  });

  it('RandomChoiceNode picks an item with its index', async () => {
    const out = await outputs('RandomChoiceNode', { items: ['apple', 'banana'] });
    expect(['apple', 'banana']).toContain(out['choice']);
    expect(out['result']).toBe(out['choice']);
    expect(['apple', 'banana'][out['index'] as number]).toBe(out['choice']);
  });

  it('RandomChoiceNode picks several distinct items', async () => {
    const out = (await outputs('RandomChoiceNode', { items: [1, 2, 3], count: 3 }))['result'] as number[];
    expect([...out].sort()).toEqual([1, 2, 3]);
  });

  it('RandomStringNode builds a string of the length from the charset', async () => {
    expect((await outputs('RandomStringNode', { length: 16 }))['result']).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await outputs('RandomStringNode', { length: 5, charset: 'x' }))['result']).toBe('xxxxx');
  });

  it('RandomUUIDNode outputs a v4 UUID', async () => {
    expect((await outputs('RandomUUIDNode'))['uuid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('names node and field on impossible requests', async () => {
    await expect(outputs('RandomNumberNode', { min: 5, max: 1 })).rejects.toThrow('nodes.r.config.max: must not be below the minimum 5');
    await expect(outputs('RandomChoiceNode', {})).rejects.toThrow('nodes.r.config.items: cannot choose from an empty list');
    await expect(outputs('RandomStringNode', { length: 'long' })).rejects.toThrow('nodes.r.config.length: expected a number, got "long"');
  });
});
