import { readFileSync } from 'node:fs';
import { ExecuteWorkflowUseCase, runFailureOf, type RunResult } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { workflowDoc, WorkflowDocBuilder } from '@casare-rpa/domain/testing';
import { DirectContext, EventRecorder, MapSecretProvider } from '@casare-rpa/testkit';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';

/** A context that records nothing and remembers the durable sleeps asked of it. */
class SleepRecordingContext extends DirectContext {
  readonly sleeps: number[] = [];

  override sleep(ms?: number): Promise<void> {
    this.sleeps.push(ms ?? 0);
    return super.sleep();
  }
}

async function run(document: WorkflowDocBuilder | JsonObject, context = new SleepRecordingContext('run-1')): Promise<RunResult> {
  const useCase = new ExecuteWorkflowUseCase(createNodeCatalog(), new EventRecorder(), new MapSecretProvider({}));
  const json = document instanceof WorkflowDocBuilder ? (document.build() as unknown as Json) : document;
  try {
    return await useCase.execute(context, { document: json });
  } catch (error) {
    const failed = runFailureOf(error);
    if (failed) return failed;
    throw error;
  }
}

/** Retry -> body: count, then RetrySuccess once `count` reaches `succeedAt`, else RetryFail. */
function retryFlow(retry: JsonObject, succeedAt: number): WorkflowDocBuilder {
  return workflowDoc()
    .variable('count', 0)
    .node('retry', 'RetryNode', retry)
    .node('inc', 'IncrementVariableNode', { variable_name: 'count', increment: 1 })
    .node('check', 'IfNode', { condition: `{{count}} >= ${succeedAt}` })
    .node('ok', 'RetrySuccessNode')
    .node('again', 'RetryFailNode', { error_message: 'not yet at {{count}}' })
    .node('done', 'SetVariableNode', { variable_name: 'done', value: 'yes' })
    .node('gave_up', 'SetVariableNode', { variable_name: 'gave_up', value: '{{retry.last_error}}' })
    .exec('retry', 'inc', 'retry_body')
    .exec('inc', 'check')
    .exec('check', 'ok', 'true')
    .exec('check', 'again', 'false')
    .exec('retry', 'done', 'success')
    .exec('retry', 'gave_up', 'failed');
}

describe('RetryNode, RetrySuccessNode, RetryFailNode', () => {
  it('runs the body again after RetryFail, with the backoff as durable sleeps, until RetrySuccess', async () => {
    const context = new SleepRecordingContext('run-1');
    const result = await run(retryFlow({ max_attempts: 4, initial_delay: 0.5, backoff_multiplier: 2 }, 3), context);
    expect(result.status).toBe('completed');
    expect(result.variables).toMatchObject({ count: 3, done: 'yes' });
    expect(result.variables['gave_up']).toBeUndefined();
    expect(result.outputs['retry']).toEqual({ attempt: 3, last_error: 'not yet at 2' });
    // No wait before the first attempt, then initial_delay * backoff^(n-2).
    expect(context.sleeps).toEqual([500, 1000]);
  });

  it('takes the failed port with the last error once the attempts are spent (max_retries counts retries)', async () => {
    const result = await run(retryFlow({ max_retries: 1, initial_delay: 0 }, 99));
    expect(result.status).toBe('completed');
    expect(result.variables).toMatchObject({ count: 2, gave_up: 'not yet at 2' });
    expect(result.variables['done']).toBeUndefined();
  });

  it('counts a failing node in the body as a failed attempt, and fails the run when failed leads nowhere', async () => {
    const doc = workflowDoc()
      .variable('count', 0)
      .node('retry', 'RetryNode', { max_attempts: 2, initial_delay: 0 })
      .node('inc', 'IncrementVariableNode', { variable_name: 'count', increment: 1 })
      .node('boom', 'ThrowErrorNode', { error_message: 'boom' })
      .exec('retry', 'inc', 'retry_body')
      .exec('inc', 'boom');
    const result = await run(doc);
    expect(result.status).toBe('failed');
    expect(result.variables).toMatchObject({ count: 2 });
    expect(result.error).toMatchObject({ nodeId: 'retry', code: 'RETRY_EXHAUSTED', message: 'nodes.retry: retry failed after 2 attempts: nodes.boom: boom' });
  });

  it('succeeds when the body ends without RetrySuccess, and at once without a body', async () => {
    const doc = workflowDoc()
      .node('retry', 'RetryNode', {})
      .node('work', 'SetVariableNode', { variable_name: 'worked', value: true })
      .node('after', 'SetVariableNode', { variable_name: 'after', value: true })
      .exec('retry', 'work', 'retry_body')
      .exec('retry', 'after', 'success');
    expect((await run(doc)).variables).toEqual({ worked: true, after: true });
    const bare = workflowDoc()
      .node('retry', 'RetryNode', { max_retries: 3 })
      .node('after', 'SetVariableNode', { variable_name: 'after', value: 1 })
      .exec('retry', 'after');
    expect((await run(bare)).variables).toEqual({ after: 1 });
  });

  it('names node id and field of a bad config', () => {
    const node = (config: Record<string, unknown>) => ({ id: 'r1', type: 'RetryNode', config, position: [0, 0] }) as never;
    const catalog = createNodeCatalog();
    expect(catalog.validate([node({ max_attempts: 0 })])).toMatchObject([{ path: 'nodes.r1.config.max_attempts', nodeId: 'r1' }]);
    expect(catalog.validate([node({ initial_delay: -1 })])).toMatchObject([{ path: 'nodes.r1.config.initial_delay' }]);
    expect(catalog.validate([node({ backoff_multiplier: 0.5 })])).toMatchObject([{ path: 'nodes.r1.config.backoff_multiplier' }]);
  });
});

describe('OnErrorNode', () => {
  const onError = (body: WorkflowDocBuilder): WorkflowDocBuilder =>
    body
      .node('guard', 'OnErrorNode')
      .node('handled', 'SetVariableNode', { variable_name: 'handled', value: '{{guard.error_node}}: {{guard.error_message}}' })
      .node('cleanup', 'SetVariableNode', { variable_name: 'cleaned', value: true })
      .node('after', 'SetVariableNode', { variable_name: 'after', value: true })
      .exec('guard', 'handled', 'on_error')
      .exec('guard', 'cleanup', 'finally')
      .exec('guard', 'after');

  it('routes an error of its protected body to on_error, then runs finally, then goes on', async () => {
    const doc = onError(
      workflowDoc().node('boom', 'ThrowErrorNode', { error_message: 'boom' }).node('never', 'SetVariableNode', { variable_name: 'never', value: 1 }),
    )
      .exec('guard', 'boom', 'protected_body')
      .exec('boom', 'never');
    const result = await run(doc);
    expect(result.status).toBe('completed');
    expect(result.variables).toEqual({ handled: 'boom: nodes.boom: boom', cleaned: true, after: true });
  });

  it('runs finally but not on_error when the body succeeds', async () => {
    const doc = onError(workflowDoc().node('fine', 'SetVariableNode', { variable_name: 'fine', value: 1 })).exec('guard', 'fine', 'protected_body');
    expect((await run(doc)).variables).toEqual({ fine: 1, cleaned: true, after: true });
  });
});

describe('the v1 error handling fixture', () => {
  it('runs batch_7_2_error_handling.json: its RetryNode without a body succeeds at once', async () => {
    const document = JSON.parse(readFileSync(new URL('../../test/fixtures/casare-v1/batch_7_2_error_handling.json', import.meta.url), 'utf8')) as JsonObject;
    const result = await run(document);
    expect(result.status).toBe('completed');
    expect(result.outputs['retry_node']).toEqual({ attempt: 1, last_error: null });
    // Its empty ValidateNode routes to `invalid`, which the file leaves unconnected: the run ends there.
    expect(result.outputs['validate_node']).toMatchObject({ is_valid: false });
  });
});
