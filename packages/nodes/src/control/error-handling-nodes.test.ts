import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const node = (type: string, config: Record<string, unknown>) => ({ id: 'e1', type, config, position: [0, 0] }) as never;

describe('error handling nodes', () => {
  it('ThrowErrorNode fails with its message, not retryable', async () => {
    const run = catalog.execute(aNodeExecution('ThrowErrorNode').withId('e1').withConfig({ error_message: 'stock is empty' }).build());
    await expect(run).rejects.toMatchObject({ code: 'WORKFLOW_ERROR_THROWN', retryable: false, message: 'nodes.e1: stock is empty' });
    await expect(catalog.execute(aNodeExecution('ThrowErrorNode').withId('e1').build())).rejects.toThrow('nodes.e1: Custom error');
  });

  it('ErrorRecoveryNode records the strategy and routes fallback', async () => {
    const outcome = await catalog.execute(aNodeExecution('ErrorRecoveryNode').withConfig({ strategy: 'FALLBACK', max_retries: '2' }).build());
    expect(outcome).toMatchObject({
      outputs: { strategy: 'fallback', max_retries: 2 },
      ports: ['fallback'],
      variables: { _error_recovery_strategy: 'fallback' },
    });
    expect((await catalog.execute(aNodeExecution('ErrorRecoveryNode').build())).ports).toEqual(['exec_out']);
  });

  it('LogErrorNode builds the log entry and logs it', async () => {
    const outcome = await catalog.execute(
      aNodeExecution('LogErrorNode')
        .withConfig({ error_message: 'timeout', error_type: 'NetError', context: { url: 'x' }, level: 'warning' })
        .build(),
    );
    expect(outcome.outputs['log_entry']).toEqual({ level: 'warning', error_type: 'NetError', error_message: 'timeout', context: { url: 'x' } });
    expect(outcome.logs).toEqual(['warning: [NetError] timeout | Context: {"url":"x"}']);
  });

  it('names node id and field of a bad config', () => {
    expect(catalog.validate([node('ErrorRecoveryNode', { strategy: 'pray' })])).toMatchObject([{ path: 'nodes.e1.config.strategy', nodeId: 'e1' }]);
    expect(catalog.validate([node('ErrorRecoveryNode', { max_retries: -1 })])).toMatchObject([{ path: 'nodes.e1.config.max_retries' }]);
    expect(catalog.validate([node('LogErrorNode', { level: 'loud' })])).toMatchObject([{ path: 'nodes.e1.config.level' }]);
  });

  it('declares these nodes pure', () => {
    for (const type of ['ThrowErrorNode', 'ErrorRecoveryNode', 'LogErrorNode']) expect(catalog.effectOf(aWorkflowNode(type))).toBe('pure');
  });
});
