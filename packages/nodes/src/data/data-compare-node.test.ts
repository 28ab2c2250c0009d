import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();

describe('DataCompareNode', () => {
  it('reports rows only in A, only in B and changed columns, by key', async () => {
    const data_a = [
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bob' },
      { id: 3, name: 'Cy' },
    ];
    const data_b = [
      { id: 2, name: 'BOB' },
      { id: 3, name: 'Cy' },
      { id: 4, name: 'Di' },
    ];
    const outcome = await catalog.execute(aNodeExecution('DataCompareNode').withConfig({ data_a, data_b, key_columns: 'id' }).build());
    expect(outcome.outputs['only_in_a']).toEqual([{ id: 1, name: 'Ann' }]);
    expect(outcome.outputs['only_in_b']).toEqual([{ id: 4, name: 'Di' }]);
    expect(outcome.outputs['diff_summary']).toEqual({
      added_count: 1,
      removed_count: 1,
      modified_count: 1,
      matched_count: 2,
      total_a: 3,
      total_b: 3,
      key_columns: ['id'],
    });
    expect(outcome.outputs['has_differences']).toBe(true);
    const insensitive = await catalog.execute(
      aNodeExecution('DataCompareNode')
        .withConfig({ data_a: data_a.slice(1, 3), data_b: data_b.slice(0, 2), key_columns: 'id', case_sensitive: false })
        .build(),
    );
    expect(insensitive.outputs['has_differences']).toBe(false);
  });

  it('names node and field of a dataset that is not a list', () => {
    expect(catalog.validate([{ id: 'c', type: 'DataCompareNode', config: { data_a: 5 }, position: [0, 0] } as never])).toMatchObject([
      { path: 'nodes.c.config.data_a', message: expect.stringContaining('expected a list') },
    ]);
  });
});
