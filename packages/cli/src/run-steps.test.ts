import type { JsonObject } from '@casare-rpa/domain';
import type { RunSummary, StepRecord } from '@casare-rpa/application';
import { describe, expect, it } from 'vitest';
import { nodeLabelOf, stepRowsOf } from './run-steps.js';

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return { runId: 'r1', workflowName: 'casare.workflow', status: 'succeeded', createdAt: 1000, updatedAt: 9000, ...overrides };
}

function step(
  index: number,
  name: string,
  output: StepRecord['output'],
  startedAt: number,
  completedAt: number,
  kind: StepRecord['kind'] = 'step',
): StepRecord {
  return { index, kind, name, status: 'completed', output, startedAt, completedAt };
}

describe('stepRowsOf', () => {
  const steps: StepRecord[] = [
    step(0, 'a', { outputs: {} }, 1000, 1010),
    step(1, 'b', { outputs: {}, attempts: 3 }, 1020, 1100),
    step(2, 'sleep', 6100, 1100, 6100, 'sleep'),
    step(3, 'c', { outputs: {}, error: { nodeId: 'c', code: 'NODE_FAILED', message: 'boom', type: 'Error', attempts: 2 } }, 7000, 7050),
  ];

  it('reads attempts and node failures out of the recorded outcomes', () => {
    const rows = stepRowsOf(summary(), steps);
    expect(rows.map((row) => [row.kind, row.nodeId, row.status, row.attempts, row.error, row.durationMs])).toEqual([
      ['step', 'a', 'completed', 1, null, 10],
      ['step', 'b', 'completed', 3, null, 80],
      ['sleep', 'sleep', 'completed', null, null, 5000],
      ['step', 'c', 'failed', 2, 'boom [NODE_FAILED]', 50],
    ]);
  });

  it('labels sleeps and clock reads by what they are, and a node called sleep by its id', () => {
    const rows = stepRowsOf(summary(), [
      step(0, 'now', 1000, 1000, 1000, 'now'),
      step(1, 'sleep', { outputs: {} }, 1000, 1010),
      step(2, 'sleep', 2010, 1010, 2010, 'sleep'),
      step(3, 'approval', { kind: 'received', value: true }, 2010, 2500, 'wait'),
    ]);
    expect(rows.map((row) => [row.kind, nodeLabelOf(row), row.attempts])).toEqual([
      ['now', '(clock read)', null],
      ['step', 'sleep', 1],
      ['sleep', '(durable sleep)', null],
      ['wait', '(wait for signal approval)', null],
    ]);
  });

  it('marks steps completed before the run was resumed as replayed', () => {
    expect(stepRowsOf(summary(), steps).some((row) => row.replayed)).toBe(false);
    expect(stepRowsOf(summary({ resumedAt: 6500 }), steps).map((row) => row.replayed)).toEqual([true, true, true, false]);
    // A sleep begun before the resume is replayed (it only waits for its time left), even if it ends after.
    expect(stepRowsOf(summary({ resumedAt: 3000 }), steps).map((row) => row.replayed)).toEqual([true, true, true, false]);
  });

  it('keeps the error of a step the runner recorded as failed', () => {
    const [row] = stepRowsOf(summary(), [{ index: 0, kind: 'step', name: 'x', status: 'failed', error: 'nondeterministic' }]);
    expect(row).toMatchObject({ status: 'failed', error: 'nondeterministic', durationMs: null, attempts: null });
  });

  it('lists every node execution of an effects step, in order, under the step that recorded it', () => {
    const output: JsonObject = {
      nodes: [
        { nodeId: 'fill', outputs: {}, durationMs: 12 },
        { nodeId: 'check', outputs: {}, durationMs: 3 },
        {
          nodeId: 'submit',
          outputs: {},
          error: { nodeId: 'submit', code: 'NODE_FAILED', message: 'refused', type: 'Error', attempts: 2 },
          durationMs: 40,
          attempts: 2,
        },
      ],
    };
    const [row] = stepRowsOf(summary(), [{ index: 4, kind: 'step', name: 'fill', status: 'completed', output, startedAt: 100, completedAt: 160 }]);
    expect(row).toMatchObject({ index: 4, nodeId: 'fill', status: 'failed', attempts: 2, error: 'refused [NODE_FAILED]', durationMs: 60 });
    expect(row?.nodes).toEqual([
      { nodeId: 'fill', status: 'completed', durationMs: 12, attempts: 1, error: null },
      { nodeId: 'check', status: 'completed', durationMs: 3, attempts: 1, error: null },
      { nodeId: 'submit', status: 'failed', durationMs: 40, attempts: 2, error: 'refused [NODE_FAILED]' },
    ]);
  });

  it('says a durable sleep of a run that has not ended is still sleeping, with its wake time, not completed', () => {
    const killedDuringSleep = [step(0, 'wait', { outputs: {} }, 1000, 1010), step(1, 'sleep', 31_010, 1010, 31_010, 'sleep')];
    const [, asleep] = stepRowsOf(summary({ status: 'pending' }), killedDuringSleep, 2_500);
    expect(asleep).toMatchObject({ kind: 'sleep', status: 'sleeping', wakesAt: 31_010, durationMs: 30_000 });
    // Once its wake time has passed, or the run ended, the sleep is over.
    expect(stepRowsOf(summary({ status: 'pending' }), killedDuringSleep, 40_000)[1]?.status).toBe('completed');
    expect(stepRowsOf(summary({ status: 'cancelled' }), killedDuringSleep, 2_500)[1]?.status).toBe('completed');
    // The in-memory runner records the sleep at its start with the wake time as its output.
    const memory = stepRowsOf(summary({ status: 'pending' }), [step(0, 'sleep', 9_000, 1_000, 1_000, 'sleep')], 2_000)[0];
    expect(memory).toMatchObject({ status: 'sleeping', wakesAt: 9_000, durationMs: 8_000 });
  });

  it('keeps terminal colour codes out of recorded errors', () => {
    const [row] = stepRowsOf(summary(), [
      { index: 0, kind: 'step', name: 'open', status: 'failed', error: 'page.goto: timeout\n\x1b[2m  - navigating to "http://x"\x1b[22m' },
    ]);
    expect(row?.error).toBe('page.goto: timeout\n  - navigating to "http://x"');
  });
});
