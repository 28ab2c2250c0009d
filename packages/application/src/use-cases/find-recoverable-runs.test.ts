import { describe, expect, it } from 'vitest';
import type { RunFilter, RunSummary } from '../ports/durable-runner.js';
import { FindRecoverableRunsUseCase } from './find-recoverable-runs.js';
import { CASARE_WORKFLOW } from './run-result.js';

function aRun(runId: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return { runId, workflowName: CASARE_WORKFLOW, status: 'pending', createdAt: 1, updatedAt: 2, executorId: 'exec-a', applicationVersion: 'v1', ...overrides };
}

/** A runner's `list` over recorded runs, filtered by status as the port says. */
function listOf(runs: readonly RunSummary[]): { list(filter: RunFilter): Promise<readonly RunSummary[]> } {
  return { list: (filter) => Promise.resolve(runs.filter((run) => filter.status === undefined || run.status === filter.status)) };
}

describe('FindRecoverableRunsUseCase', () => {
  it('takes over the pending and enqueued casare runs of its executor, each once', async () => {
    const runs = [
      aRun('pending-1'),
      aRun('enqueued-1', { status: 'enqueued' }),
      aRun('no-executor', { executorId: undefined }),
      aRun('other-executor', { executorId: 'exec-b' }),
      aRun('other-workflow', { workflowName: 'something.else' }),
      aRun('done', { status: 'succeeded' }),
      aRun('failed', { status: 'failed' }),
    ];
    const found = await new FindRecoverableRunsUseCase(listOf(runs)).find({ executorId: 'exec-a', applicationVersion: 'v1' });
    expect(found.runs.map((run) => run.runId)).toEqual(['pending-1', 'no-executor', 'enqueued-1']);
    expect(found.otherVersions).toEqual([]);
  });

  it('a run listed twice (its status changed between the two reads) is taken over once', async () => {
    const run = aRun('moving');
    const runner = { list: (filter: RunFilter) => Promise.resolve([{ ...run, status: filter.status ?? 'pending' }]) };
    const found = await new FindRecoverableRunsUseCase(runner).find({ executorId: 'exec-a', applicationVersion: 'v1' });
    expect(found.runs.map((listed) => listed.runId)).toEqual(['moving']);
  });

  it('leaves runs of another version to a process of that version, and says which', async () => {
    const runs = [aRun('same'), aRun('older', { applicationVersion: 'v0' }), aRun('unversioned', { applicationVersion: undefined })];
    const found = await new FindRecoverableRunsUseCase(listOf(runs)).find({ executorId: 'exec-a', applicationVersion: 'v1' });
    expect(found.runs.map((run) => run.runId)).toEqual(['same', 'unversioned']);
    expect(found.otherVersions.map((run) => run.runId)).toEqual(['older']);
  });

  it('a runner that records no version takes over every version of its executor', async () => {
    const runs = [aRun('v0', { applicationVersion: 'v0' }), aRun('v1')];
    const found = await new FindRecoverableRunsUseCase(listOf(runs)).find({ executorId: 'exec-a', applicationVersion: undefined });
    expect(found.runs.map((run) => run.runId)).toEqual(['v0', 'v1']);
    expect(found.otherVersions).toEqual([]);
  });
});
