import type { Json } from '@casare-rpa/domain';
import type { RunFilter, RunSummary, SignalDelivery, SignalOptions, StepRecord } from './durable-runner.js';

/**
 * A read-only view of recorded runs (plus cancel and signal) for tools such as `casare runs`: opening one never
 * makes the process an executor, so it never recovers, claims or runs anything. Adapters:
 * `DbosRunInspector` (infra-dbos), `SqliteRunInspector` (infra-sqlite).
 */
export interface RunInspector {
  /** Runs matching the filter, most recent first. */
  list(filter?: RunFilter): Promise<readonly RunSummary[]>;
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
  /**
   * Sends a run a signal from a process that executes no workflow (`casare tasks answer`), with the
   * semantics of `DurableRunner.signal`: kept until a wait of the run consumes it, wherever it runs.
   */
  signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery>;
  /** Releases what the inspector holds (connections, file handles). */
  close(): Promise<void>;
}
