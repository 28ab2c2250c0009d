import type { RunSummary, StepRecord } from '@casare-rpa/application';
import { describe, expect, it } from 'vitest';
import { stepRowsOf } from './run-steps.js';

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return { runId: 'r1', workflowName: 'casare.workflow', status: 'succeeded', createdAt: 1000, updatedAt: 9000, ...overrides };
}

function step(index: number, name: string, output: StepRecord['output'], startedAt: number, completedAt: number): StepRecord {
  return { index, name, status: 'completed', output, startedAt, completedAt };
}

describe('stepRowsOf', () => {
  const steps: StepRecord[] = [
    step(0, 'a', { outputs: {} }, 1000, 1010),
    step(1, 'b', { outputs: {}, attempts: 3 }, 1020, 1100),
    step(2, 'DBOS.sleep', 6100, 1100, 6100),
    step(3, 'c', { outputs: {}, error: { nodeId: 'c', code: 'NODE_FAILED', message: 'boom', type: 'Error', attempts: 2 } }, 7000, 7050),
  ];

  it('reads attempts and node failures out of the recorded outcomes', () => {
    const rows = stepRowsOf(summary(), steps);
    expect(rows.map((row) => [row.nodeId, row.status, row.attempts, row.error, row.durationMs])).toEqual([
      ['a', 'completed', 1, null, 10],
      ['b', 'completed', 3, null, 80],
      ['DBOS.sleep', 'completed', null, null, 5000],
      ['c', 'failed', 2, 'boom [NODE_FAILED]', 50],
    ]);
  });

  it('marks steps completed before the run was resumed as replayed', () => {
    expect(stepRowsOf(summary(), steps).some((row) => row.replayed)).toBe(false);
    expect(stepRowsOf(summary({ resumedAt: 6500 }), steps).map((row) => row.replayed)).toEqual([true, true, true, false]);
    // A sleep begun before the resume is replayed (it only waits for its time left), even if it ends after.
    expect(stepRowsOf(summary({ resumedAt: 3000 }), steps).map((row) => row.replayed)).toEqual([true, true, true, false]);
  });

  it('keeps the error of a step the runner recorded as failed', () => {
    const [row] = stepRowsOf(summary(), [{ index: 0, name: 'x', status: 'failed', error: 'nondeterministic' }]);
    expect(row).toMatchObject({ status: 'failed', error: 'nondeterministic', durationMs: null, attempts: null });
  });
});
