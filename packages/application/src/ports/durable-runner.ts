import type { Json } from '@casare-rpa/domain';
import type { DurableContext } from './durable-context.js';

/** A workflow body: deterministic code that does all I/O inside `ctx.step`. */
export type WorkflowBody<I extends Json = Json, O extends Json = Json> = (ctx: DurableContext, input: I) => Promise<O>;

/** Status of a run as the runner records it. */
export type RunStatus = 'pending' | 'enqueued' | 'succeeded' | 'failed' | 'cancelled';

/** What the runner knows about one run. */
export interface RunSummary {
  /** The run id (a DBOS workflow id in the DBOS adapter). */
  readonly runId: string;
  /** Name the body was registered under. */
  readonly workflowName: string;
  /** Current status. */
  readonly status: RunStatus;
  /** Creation time, ms since the epoch. */
  readonly createdAt: number;
  /** Last status change, ms since the epoch. */
  readonly updatedAt: number;
  /** Message of the error a failed run ended with. */
  readonly error?: string;
  /** Executor that owns the run, where the runner has executors. */
  readonly executorId?: string;
  /** Version of the code the run is recorded under; recovery resumes only runs of the runner's own version. */
  readonly applicationVersion?: string;
  /**
   * When the run's current execution began after it was picked up again (recovery, resume, fork),
   * ms since the epoch; absent for a run that never was. Steps recorded as completed before this
   * instant were replayed from their checkpoints by that execution, not run again.
   */
  readonly resumedAt?: number;
}

/**
 * What a recorded durable operation was: `step` a `ctx.step` call (a node execution when the use
 * case runs it), `sleep` a `ctx.sleep`, `now` a `ctx.now`, `wait` a `ctx.waitForSignal`.
 */
export type StepKind = 'step' | 'sleep' | 'now' | 'wait';

/** `StepRecord.name` of a durable sleep in every adapter (a step may have this name too: `kind` tells them apart). */
export const SLEEP_STEP_NAME = 'sleep';
/** `StepRecord.name` of a durable clock read in every adapter (a step may have this name too: `kind` tells them apart). */
export const NOW_STEP_NAME = 'now';

/** One recorded durable operation: a step, a sleep or a clock read. */
export interface StepRecord {
  /** Deterministic index within the run, as `StepAttempt.index`. */
  readonly index: number;
  /**
   * The operation: `step` for a `ctx.step` call (a node execution when run by the use case),
   * `sleep` for `ctx.sleep`, `now` for `ctx.now`, `wait` for `ctx.waitForSignal`. Names alone
   * cannot tell them apart, since a node may be called `sleep`.
   */
  readonly kind: StepKind;
  /**
   * Step name: the name passed to `ctx.step` (the node id for node steps); the signal name of a
   * wait; `SLEEP_STEP_NAME` or `NOW_STEP_NAME` otherwise.
   */
  readonly name: string;
  /** A recorded step either completed or failed after its last attempt. */
  readonly status: 'completed' | 'failed';
  /**
   * Recorded result of a completed step; of a wait that ended, its `SignalWait`. A wait still
   * waiting has no record, or (journal adapters) a record whose output is its deadline only.
   */
  readonly output?: Json;
  /** Message of the error of a failed step. */
  readonly error?: string;
  /** Start and end of the step, ms since the epoch, where the runner records them. */
  readonly startedAt?: number;
  readonly completedAt?: number;
}

/** Filter for `DurableRunner.list`. */
export interface RunFilter {
  readonly status?: RunStatus;
  readonly workflowName?: string;
  /** Most recent first; at most this many. */
  readonly limit?: number;
}

/** Options of `DurableRunner.start`. */
export interface StartOptions {
  /** Run id to use; starting an id that exists returns that run and executes nothing (docs/architecture.md, rule 5). */
  readonly runId?: string;
}

/** Options of `DurableRunner.signal`. */
export interface SignalOptions {
  /**
   * Idempotency key of the signal: a second signal with the same id to the same run is not delivered
   * again (`{ delivered: false, reason: 'duplicate' }`). Without one, every call delivers.
   */
  readonly signalId?: string;
}

/** What `DurableRunner.signal` did: kept the signal for the run, or refused a duplicate `signalId`. */
export type SignalDelivery = { readonly delivered: true } | { readonly delivered: false; readonly reason: 'duplicate' };

/** A reference to a run. */
export interface RunHandle<O extends Json = Json> {
  /** The run id. */
  readonly runId: string;
  /** Waits for the run to end: its result, or the error it failed with (`RunCancelledError` if cancelled). */
  result(): Promise<O>;
  /** Current summary. */
  status(): Promise<RunSummary>;
}

/**
 * The durability port: runs workflow bodies so that they survive the death of their process.
 * Adapters: `SqliteDurableRunner` (infra-sqlite), `DbosDurableRunner` (infra-dbos) and `InMemoryDurableRunner` (infra-memory). All pass
 * `durableRunnerContract` from `@casare-rpa/testkit`.
 */
export interface DurableRunner {
  /** Registers a body under a name. Must be called before `launch()`. */
  register<I extends Json, O extends Json>(name: string, body: WorkflowBody<I, O>): void;
  /** Starts the runner and recovers every pending run it owns. */
  launch(): Promise<void>;
  /** Starts a run of a registered body, or returns the existing run when `runId` exists. */
  start<I extends Json, O extends Json>(name: string, input: I, options?: StartOptions): Promise<RunHandle<O>>;
  /** A handle to an existing run. */
  handle<O extends Json = Json>(runId: string): RunHandle<O>;
  /** Runs matching the filter, most recent first. */
  list(filter?: RunFilter): Promise<readonly RunSummary[]>;
  /** Recorded steps of a run, by index. */
  steps(runId: string): Promise<readonly StepRecord[]>;
  /** Cancels a run: it stops before its next step. */
  cancel(runId: string): Promise<void>;
  /** Resumes a cancelled or stranded run from its last completed step. */
  resume<O extends Json = Json>(runId: string): Promise<RunHandle<O>>;
  /** Starts a new run that replays the first `fromStep` steps of `runId` and executes the rest. */
  fork<O extends Json = Json>(runId: string, fromStep: number, options?: StartOptions): Promise<RunHandle<O>>;
  /**
   * Sends the run a signal named `name` carrying `value`, durably: kept until a `ctx.waitForSignal(name)`
   * of the run consumes it (first sent, first consumed), whether the run waits now, later, or is
   * down and recovers. `RunNotFoundError` for an unknown run, `RunEndedError` for a run that ended.
   */
  signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery>;
  /** Stops the runner; nothing of it keeps running. Pending runs stay pending for a later launch. */
  shutdown(): Promise<void>;
}

/** Injection token of `DurableRunner`. */
export const DURABLE_RUNNER = Symbol.for('@casare-rpa/DurableRunner');
