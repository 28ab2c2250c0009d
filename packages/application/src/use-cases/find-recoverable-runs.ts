import type { DurableRunner, RunSummary } from '../ports/durable-runner.js';
import { CASARE_WORKFLOW } from './run-result.js';

/** Who is recovering: the executor a launch takes runs over for, and the version of its code. */
export interface RecoveringExecutor {
  /** Executor id of the launched runner: only its runs (and runs recorded without one) are taken over. */
  readonly executorId: string;
  /** Version of the launched code; undefined when the runner records none (every version then matches). */
  readonly applicationVersion: string | undefined;
}

/** What `FindRecoverableRunsUseCase.find` answers. */
export interface RecoverableRuns {
  /** Runs this launch takes over, each once, pending ones first. */
  readonly runs: readonly RunSummary[];
  /** Runs of this executor recorded under another version: only a process of that version can replay them. */
  readonly otherVersions: readonly RunSummary[];
}

/**
 * Which interrupted runs a launched executor resumes: casare runs of this executor and version that
 * are pending (being executed again) or enqueued (DBOS re-queues recovered runs before it dispatches
 * them). A run of another version is left alone, since replaying it on other code would meet other
 * steps (docs/architecture.md, rule 6); the caller is told about it.
 *
 * @example
 * ```ts
 * await runner.launch();
 * const { runs } = await new FindRecoverableRunsUseCase(runner).find({ executorId: 'local', applicationVersion: undefined });
 * const results = await Promise.all(runs.map((run) => settleRun(runner.handle(run.runId))));
 * ```
 */
export class FindRecoverableRunsUseCase {
  constructor(private readonly runner: Pick<DurableRunner, 'list'>) {}

  /** The runs `executor` takes over, and the ones of its own that another version must resume. */
  async find(executor: RecoveringExecutor): Promise<RecoverableRuns> {
    const candidates = [...(await this.runner.list({ status: 'pending' })), ...(await this.runner.list({ status: 'enqueued' }))];
    const seen = new Set<string>();
    const ours = candidates.filter((run) => {
      if (seen.has(run.runId)) return false;
      seen.add(run.runId);
      return run.workflowName === CASARE_WORKFLOW && (run.executorId === undefined || run.executorId === executor.executorId);
    });
    const sameVersion = (run: RunSummary): boolean =>
      run.applicationVersion === undefined || executor.applicationVersion === undefined || run.applicationVersion === executor.applicationVersion;
    return { runs: ours.filter(sameVersion), otherVersions: ours.filter((run) => !sameVersion(run)) };
  }
}
