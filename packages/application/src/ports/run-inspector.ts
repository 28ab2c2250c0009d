import type { Json } from '@casare-rpa/domain';
import type { RunFilter, RunSummary, StepRecord } from './durable-runner.js';

/** Filter for `RunInspector.list`: a `RunFilter`, plus the queue where the adapter has queues. */
export interface RunInspectorFilter extends RunFilter {
  /**
   * Only runs dispatched through this queue (`casare submit --queue`). DBOS records each run's
   * queue; SQLite runs go through no queue, so `casare runs list` refuses `--queue` there rather
   * than pass it to an inspector that cannot answer it.
   */
  readonly queue?: string;
}

/**
 * A read-only view of recorded runs (plus cancel) for tools such as `casare runs`: opening one never
 * makes the process an executor, so it never recovers, claims or runs anything. Adapters:
 * `DbosRunInspector` (infra-dbos), `SqliteRunInspector` (infra-sqlite).
 */
export interface RunInspector {
  /** Runs matching the filter, most recent first. */
  list(filter?: RunInspectorFilter): Promise<readonly RunSummary[]>;
  /** What the store knows about one run; `RunNotFoundError` when it has none. */
  status(runId: string): Promise<RunSummary>;
  /**
   * The input a run was started with (for casare runs, its `ExecuteWorkflowInput`: the workflow
   * document, its variables and source file); `RunNotFoundError` for an unknown run. Reads the whole
   * document: call it for one run, not for every run of a list.
   */
  input(runId: string): Promise<Json | undefined>;
  /** Recorded steps of a run, by index; `RunNotFoundError` for an unknown run. */
  steps(runId: string): Promise<readonly StepRecord[]>;
  /** Cancels a run: it stops before its next step, wherever it executes. */
  cancel(runId: string): Promise<void>;
  /** Releases what the inspector holds (connections, file handles). */
  close(): Promise<void>;
}
