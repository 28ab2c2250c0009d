import type { RunStatus, RunSummary, StepRecord } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';

/** Which runs the console lists. */
export interface ConsoleRunFilter {
  readonly status?: RunStatus;
  /** The workflow's own name (its `metadata.name`) or its file name. */
  readonly workflow?: string;
  /** Queue the run went through. */
  readonly queue?: string;
  /** Most recent first; at most this many. */
  readonly limit?: number;
}

/** A run as the console lists it: the runner's summary plus what its input says about the workflow. */
export interface ConsoleRun extends RunSummary {
  /** `metadata.name` of the workflow document, when the input holds one. */
  readonly workflowTitle?: string;
  /** File the document was read from, as recorded in the run's input. */
  readonly sourceFile?: string;
  /** Queue the run went through, where the runner has queues. */
  readonly queue?: string;
}

/** What a run was started with, as recorded: enough to draw its graph. */
export interface ConsoleRunInput {
  /** The v1 workflow document (parsed JSON, or its text). */
  readonly document: Json;
  /** File the document came from. */
  readonly source?: string;
  /** Variable values the run was started with (`--var`). */
  readonly inputs?: { readonly [name: string]: Json };
}

/**
 * Everything the console needs from the runner's records, and the three operations it may ask for.
 * Adapters live with the composition root (`commands/console.ts` adapts DBOS); a SQLite adapter
 * implements the same members. `status`, `steps`, `cancel`, `resume` and `fork` throw an error with
 * code `RUN_NOT_FOUND` for an unknown run id.
 */
export interface ConsoleRunSource {
  /** Runs matching the filter, most recent first. */
  list(filter: ConsoleRunFilter): Promise<readonly ConsoleRun[]>;
  /** One run. */
  status(runId: string): Promise<ConsoleRun>;
  /** The run's recorded steps, by index. */
  steps(runId: string): Promise<readonly StepRecord[]>;
  /** The workflow document the run was started with; undefined when the record holds none. */
  input(runId: string): Promise<ConsoleRunInput | undefined>;
  /** Cancels the run, as `casare runs cancel` does. */
  cancel(runId: string): Promise<void>;
  /** Resumes the run, as `casare runs resume` does; the run goes on in the console's process. */
  resume(runId: string): Promise<void>;
  /** Forks the run from a step, as `casare runs fork` does; returns the new run's id. */
  fork(runId: string, fromStep: number): Promise<string>;
  /** Releases what the source holds (connections, a launched runner). */
  close(): Promise<void>;
}
