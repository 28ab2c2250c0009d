import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const node = (type: string, config: Record<string, unknown>) => ({ id: 'p1', type, config, position: [0, 0] }) as never;

describe('parallel nodes', () => {
  it('ForkNode says how many branches and whether to fail fast', async () => {
    const outcome = await catalog.execute(
      aNodeExecution('ForkNode').withConfig({ branch_count: '3', fail_fast: 'true' }).withConnectedPorts(['branch_1', 'branch_3']).build(),
    );
    expect(outcome).toEqual({ outputs: { branch_count: 3, branches: ['branch_1', 'branch_2', 'branch_3'], fail_fast: true } });
  });

  it('ForkNode refuses a connected branch port beyond branch_count, naming the field', async () => {
    const run = catalog.execute(aNodeExecution('ForkNode').withId('p1').withConfig({ branch_count: 2 }).withConnectedPorts(['branch_1', 'branch_4']).build());
    await expect(run).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('branch_4') });
  });

  it('JoinNode hands on what the engine joined; last keeps the last branch', async () => {
    const joined = { results: { branch_1: { variables: { a: 1 } }, branch_2: { variables: { b: 2 } } }, branch_count: 2 };
    const all = await catalog.execute({ ...aNodeExecution('JoinNode').build(), joined });
    expect(all.outputs).toEqual(joined);
    const last = await catalog.execute({ ...aNodeExecution('JoinNode').withConfig({ merge_strategy: 'LAST' }).build(), joined });
    expect(last.outputs).toEqual({ results: { branch_2: { variables: { b: 2 } } }, branch_count: 2 });
    expect((await catalog.execute(aNodeExecution('JoinNode').build())).outputs).toEqual({ results: {}, branch_count: 0 });
  });

  it('ParallelForEachNode reads its items (list, JSON text, count) and its batch size', async () => {
    const outcome = await catalog.execute(aNodeExecution('ParallelForEachNode').withConfig({ items: '["a","b"]', batch_size: 3 }).build());
    expect(outcome.outputs).toEqual({ items: ['a', 'b'], batch_size: 3, fail_fast: false, current_item: null, current_index: -1 });
    const counted = await catalog.execute(aNodeExecution('ParallelForEachNode').withConfig({}).withInputs({ items: 3 }).build());
    expect(counted.outputs['items']).toEqual([0, 1, 2]);
  });

  it('names node id and field of a bad config', () => {
    expect(catalog.validate([node('ForkNode', { branch_count: 1 })])).toMatchObject([{ path: 'nodes.p1.config.branch_count', nodeId: 'p1' }]);
    expect(catalog.validate([node('ForkNode', { branch_count: 11 })])).toMatchObject([{ path: 'nodes.p1.config.branch_count' }]);
    expect(catalog.validate([node('JoinNode', { merge_strategy: 'random' })])).toMatchObject([{ path: 'nodes.p1.config.merge_strategy' }]);
    expect(catalog.validate([node('ParallelForEachNode', { batch_size: 0 })])).toMatchObject([{ path: 'nodes.p1.config.batch_size' }]);
    expect(catalog.validate([node('ParallelForEachNode', { batch_size: 51 })])).toMatchObject([{ path: 'nodes.p1.config.batch_size' }]);
  });

  it('declares them pure', () => {
    for (const type of ['ForkNode', 'JoinNode', 'ParallelForEachNode']) expect(catalog.effectOf(aWorkflowNode(type))).toBe('pure');
  });
});
