import type { ChildRunRequest, ChildRunResult, ChildRuns } from '@casare-rpa/application';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { childWorkflowNode } from './child-workflow-node.js';

/** Answers every child with `result` and keeps the requests (the pg test runs real children). */
class AnsweringChildRuns implements ChildRuns {
  readonly requests: ChildRunRequest[] = [];
  constructor(private readonly result: Omit<ChildRunResult, 'runId'>) {}
  runChild(request: ChildRunRequest): Promise<ChildRunResult> {
    this.requests.push(request);
    return Promise.resolve({ runId: request.childRunId, ...this.result });
  }
}

describe('CallSubworkflowNode', () => {
  it('starts the child under the step idempotency key and outputs its variables', async () => {
    const children = new AnsweringChildRuns({ status: 'completed', variables: { answer: 42 }, error: null });
    const catalog = createNodeCatalog([childWorkflowNode(children)]);
    expect(catalog.effectOf({ id: 'sub', type: 'ExecuteWorkflowNode', config: {} })).toBe('world');
    const execution = aNodeExecution('CallSubworkflowNode')
      .withId('sub')
      .withConfig({ subworkflow_id: 'child.json', params: { n: 4 } })
      .inRun('parent', 3)
      .build();
    const outcome = await catalog.execute(execution);
    expect(children.requests[0]).toMatchObject({
      childRunId: 'parent:3:child',
      workflowFile: 'child.json',
      params: { n: 4 },
      parentRunId: 'parent',
      parentNodeId: 'sub',
    });
    expect(outcome.outputs).toEqual({ result: { answer: 42 }, success: true, child_run_id: 'parent:3:child', job_id: 'parent:3:child', error: null });
  });

  it('takes the error port when the child fails and the port is connected, else fails without retry', async () => {
    const children = new AnsweringChildRuns({
      status: 'failed',
      variables: {},
      error: { nodeId: 'x', code: 'E', message: 'boom', type: 'Error', attempts: 1 },
    });
    const catalog = createNodeCatalog([childWorkflowNode(children)]);
    const base = aNodeExecution('SubflowNode').withId('sub').withConfig({ subflow_path: 'c.json' }).inRun('p', 0);
    const routed = await catalog.execute(base.withConnectedPorts(['exec_out', 'error']).build());
    expect(routed.ports).toEqual(['error']);
    expect(routed.outputs['error']).toBe('boom');
    const failing = aNodeExecution('SubflowNode').withId('sub').withConfig({ subflow_path: 'c.json' }).inRun('p', 0).build();
    await expect(catalog.execute(failing)).rejects.toMatchObject({ code: 'CHILD_RUN_FAILED', retryable: false, childRunId: 'p:0:child' });
  });

  it('names the field when no workflow file is given', async () => {
    const catalog = createNodeCatalog([childWorkflowNode(new AnsweringChildRuns({ status: 'completed', variables: {}, error: null }))]);
    await expect(catalog.execute(aNodeExecution('CallSubworkflowNode').withId('sub').build())).rejects.toThrow('nodes.sub.config.workflow_path: required');
  });
});
