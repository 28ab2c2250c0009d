import { REDACTED, type StepRecord } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { describe, expect, it } from 'vitest';
import type { ConsoleRun } from './run-source.js';
import { runViewOf } from './run-view.js';

const RESUMED_AT = 1_000;

function aRun(overrides: Partial<ConsoleRun> = {}): ConsoleRun {
  return { runId: 'r1', workflowName: 'casare.workflow', status: 'succeeded', createdAt: 0, updatedAt: 2_000, resumedAt: RESUMED_AT, ...overrides };
}

/** An `effects` step holding `nodes`, recorded at `at`. */
function effectsStep(index: number, at: number, nodes: (JsonObject & { nodeId: string })[]): StepRecord {
  return { index, kind: 'step', name: nodes[0]?.nodeId ?? '', status: 'completed', output: { nodes }, startedAt: at, completedAt: at + 5 };
}

const document = workflowDoc()
  .start('start')
  .forLoop('loop_start', 'loop_end', { start: 0, end: 2 }, ['body'])
  .node('body', 'LogNode', { message: 'x' })
  .node('never', 'LogNode', { message: 'y' })
  .chain('start', 'loop_start')
  .exec('loop_start', 'never', 'completed')
  .variable('password', '', { sensitive: true })
  .variable('count', 0)
  .build() as unknown as JsonObject;

describe('runViewOf', () => {
  it('colours each node by its last execution, counts loop iterations and replays, and redacts sensitive variables', () => {
    const records: StepRecord[] = [
      effectsStep(0, 100, [
        { nodeId: 'start', outputs: {} },
        { nodeId: 'loop_start', outputs: {}, iteration: 0, ports: ['body'] },
        { nodeId: 'body', outputs: {}, logs: ['first'], variables: { count: 1, password: 'hunter2' } },
        { nodeId: 'loop_end', outputs: {} },
      ]),
      effectsStep(1, 1_500, [
        { nodeId: 'loop_start', outputs: {}, iteration: 1, ports: ['body'] },
        { nodeId: 'body', outputs: {}, logs: ['second'], error: { nodeId: 'body', code: 'BOOM', message: 'boom', type: 'LogNode', attempts: 1 } },
      ]),
    ];
    const view = runViewOf(aRun(), records, { document, source: 'flow.json', inputs: { count: 5 } });
    expect(view.graphError).toBeUndefined();
    const node = (id: string) => view.graph?.nodes.find((candidate) => candidate.id === id);
    expect(node('start')).toMatchObject({ status: 'completed', executions: 1, replayed: 1 });
    expect(node('loop_start')).toMatchObject({ status: 'completed', executions: 2, replayed: 1, iterations: 2 });
    expect(node('body')).toMatchObject({ status: 'failed', executions: 2, replayed: 1 });
    expect(node('never')).toMatchObject({ status: 'not-run', executions: 0, replayed: 0 });
    expect(view.graph?.edges).toContainEqual({ from: 'loop_start', to: 'never', port: 'completed', exec: true });
    expect(view.logs).toEqual([
      { step: 0, nodeId: 'body', message: 'first', replayed: true },
      { step: 1, nodeId: 'body', message: 'second', replayed: false },
    ]);
    expect(view.variables).toContainEqual({ name: 'count', value: 1, sensitive: false });
    expect(view.variables).toContainEqual({ name: 'password', value: REDACTED, sensitive: true });
    expect(JSON.stringify(view)).not.toContain('hunter2');
    expect(view.steps.map((step) => step.replayed)).toEqual([true, false]);
    expect(view.actions).toEqual({ cancel: false, resume: false, fork: true });
  });

  it('says a pending run is sleeping while its recorded sleep ends in the future', () => {
    const sleep: StepRecord = { index: 1, kind: 'sleep', name: 'sleep', status: 'completed', output: 9_000, startedAt: 4_000, completedAt: 9_000 };
    const records = [effectsStep(0, 100, [{ nodeId: 'start', outputs: {} }]), sleep];
    expect(runViewOf(aRun({ status: 'pending' }), records, { document }, 5_000).sleepingUntil).toBe(9_000);
    expect(runViewOf(aRun({ status: 'pending' }), records, { document }, 9_500).sleepingUntil).toBeUndefined();
    expect(runViewOf(aRun({ status: 'cancelled' }), records, { document }, 5_000).sleepingUntil).toBeUndefined();
  });

  it('says why there is no graph when the recorded document cannot be read', () => {
    const view = runViewOf(aRun({ status: 'pending' }), [], { document: { nodes: 'not nodes' } });
    expect(view.graph).toBeNull();
    expect(view.graphError).toContain('cannot be read');
    expect(view.actions).toEqual({ cancel: true, resume: false, fork: false });
    expect(runViewOf(aRun(), [], undefined).graphError).toBe('the run records no workflow document');
  });
});
