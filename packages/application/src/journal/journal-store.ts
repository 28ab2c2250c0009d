import type { Json, JsonObject } from '@casare-rpa/domain';
import type { RunFilter, RunStatus, StepKind } from '../ports/durable-runner.js';

/** An error as a journal keeps it: plain JSON, as a database row holds it. */
export interface JournalError {
  /** `Error.name` of the thrown value. */
  readonly name: string;
  /** `Error.message` of the thrown value. */
  readonly message: string;
  /** Enumerable own properties of the error (`code`, data), JSON-cloned. */
  readonly data: JsonObject;
}

/** Kind of durable operation a journal step records: the port's `StepKind`, kept as is. */
export type JournalStepKind = StepKind;

/** One recorded durable operation (a step, a sleep, a clock read, an ended wait for a signal). */
export interface JournalStep {
  /** Deterministic index within the run; the steps of a run are numbered 0, 1, 2... without gaps. */
  readonly index: number;
  /** Step name (node id), the signal name of a wait, or `SLEEP_STEP_NAME` / `NOW_STEP_NAME`. */
  readonly name: string;
  /** Which operation it was. */
  readonly kind: JournalStepKind;
  /** A recorded step either completed or failed after its last attempt. */
  readonly status: 'completed' | 'failed';
  /** Result of a completed step; the wake time of a sleep; the time read by `now`; the `SignalWait` of a wait. */
  readonly output?: Json;
  /** Error of a failed step. */
  readonly error?: JournalError;
  /** When the step began, ms since the epoch. */
  readonly startedAt: number;
  /** When the step was recorded, ms since the epoch. */
  readonly completedAt: number;
  /** Attempts the recording execution made (1 without retries). */
  readonly attempts: number;
}

/** One run as a journal keeps it, without its steps (read them with `JournalStore.steps`). */
export interface JournalRunRecord {
  /** The run id. */
  readonly runId: string;
  /** Name the body was registered under. */
  readonly workflowName: string;
  /** The workflow argument, JSON-cloned at start. */
  readonly input: Json;
  /** Current status. */
  readonly status: RunStatus;
  /** Creation time, ms since the epoch. */
  readonly createdAt: number;
  /** Last change, ms since the epoch. */
  readonly updatedAt: number;
  /** Executor the run belongs to: `launch()` of a runner with this executor id recovers it. */
  readonly executorId: string;
  /**
   * Owner token of the runner executing the run (`JournalStore.acquireOwner`), or undefined when no
   * runner holds it. A run whose owner is alive is never executed by anybody else.
   */
  readonly owner: string | undefined;
  /** Result of a succeeded run. */
  readonly output?: Json;
  /** Error of a failed run. */
  readonly error?: JournalError;
  /** Run and step a fork was taken from. */
  readonly forkedFrom?: { readonly runId: string; readonly fromStep: number };
  /** When the run's current execution picked it up again (recovery, resume, fork), ms since the epoch. */
  readonly resumedAt?: number;
}

/** A run to create: a record with its first owner. */
export type NewJournalRun = JournalRunRecord & { readonly owner: string };

/** How a run ended, as `JournalStore.finishRun` records it. */
export type JournalEnding =
  { readonly status: 'succeeded'; readonly output: Json } | { readonly status: 'failed'; readonly error: JournalError } | { readonly status: 'cancelled' };

/** What `JournalStore.claimRun` takes over. */
export interface JournalClaim {
  /** Owner token of the claiming runner. */
  readonly owner: string;
  /** Executor id of the claiming runner: the run belongs to it from now on. */
  readonly executorId: string;
  /** Statuses the run may have to be claimed (pending for recovery; cancelled too for resume). */
  readonly from: readonly RunStatus[];
  /** Claim time: the run's `updatedAt` and `resumedAt`. */
  readonly now: number;
}

/** A signal sent to a run, as a journal keeps it until a wait of the run consumes it. */
export interface JournalSignal {
  /** Signal name: the wait it is for (`ctx.waitForSignal(name)`). */
  readonly name: string;
  /** The value, JSON-cloned. */
  readonly value: Json;
  /** Idempotency key: a second signal with the same id to the same run is refused, consumed or not. */
  readonly signalId?: string;
  /** When it was sent, ms since the epoch. */
  readonly sentAt: number;
}

/** What `JournalStore.addSignal` did: kept the signal, or why not. */
export type JournalSignalOutcome =
  | { readonly outcome: 'kept' }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'no-run' }
  | { readonly outcome: 'ended'; readonly status: 'succeeded' | 'failed' | 'cancelled' };

/**
 * A wait for a signal that a run began and has not ended: kept apart from the steps (it has no
 * outcome yet) so that its deadline survives a crash; `endWait` turns it into the wait's step.
 */
export interface JournalWait {
  /** Index of the wait's durable operation. */
  readonly index: number;
  /** Signal name waited for. */
  readonly name: string;
  /** When the wait times out, ms since the epoch: fixed when it first began. */
  readonly deadline: number;
  /** When it first began, ms since the epoch. */
  readonly startedAt: number;
}

/** What `JournalStore.endWait` did. */
export type JournalWaitEnd = { readonly outcome: 'recorded'; readonly step: JournalStep } | { readonly outcome: 'no-signal' } | { readonly outcome: 'lost' };

/**
 * Where a journal-backed runner keeps its runs: the one thing the in-memory and the SQLite adapters
 * differ in. `JournalDurableRunner` implements every rule of the `DurableRunner` contract on top of
 * it. Members are synchronous on purpose: both stores answer in microseconds (better-sqlite3 is
 * synchronous), and a step costs one call, not one promise chain. Each writing member is atomic (one
 * transaction): it either happens whole or throws and changes nothing.
 */
export interface JournalStore {
  /** A new owner token, alive until `releaseOwner` or the death of this process. */
  acquireOwner(): string;
  /** Ends the life of an owner token: runs it held may be claimed by others. */
  releaseOwner(owner: string): void;
  /** True while the runner holding `owner` may still execute (its process lives, it did not release). */
  isOwnerAlive(owner: string): boolean;
  /** The run with this id, or undefined. */
  getRun(runId: string): JournalRunRecord | undefined;
  /** The run's status, or undefined when there is no such run (read before every step: keep it cheap). */
  statusOf(runId: string): RunStatus | undefined;
  /** Runs matching the filter, most recent first (creation time, then creation order). */
  listRuns(filter: RunFilter): readonly JournalRunRecord[];
  /** Pending runs that belong to `executorId`, in creation order. */
  pendingRuns(executorId: string): readonly JournalRunRecord[];
  /** Recorded steps of a run, by index (empty for an unknown run). */
  steps(runId: string): readonly JournalStep[];
  /**
   * Creates a run with its first steps (a fork's copied ones) and its owner, in one transaction.
   * Returns false and changes nothing when the id exists (docs/architecture.md, rule 5).
   */
  createRun(run: NewJournalRun, steps: readonly JournalStep[]): boolean;
  /**
   * Takes a run over for `claim.owner` when its status is one of `claim.from` and no live owner other
   * than the claimant holds it; sets it pending. Returns whether the claim was made.
   */
  claimRun(runId: string, claim: JournalClaim): boolean;
  /**
   * Records the step at `step.index` of a run that `owner` still holds, with the run's `updatedAt`,
   * in one transaction. Returns false and records nothing when `owner` lost the run.
   */
  appendStep(runId: string, owner: string, step: JournalStep): boolean;
  /** Ends a pending run that `owner` holds and releases it; returns false (nothing changed) otherwise. */
  finishRun(runId: string, owner: string, ending: JournalEnding, now: number): boolean;
  /** Cancels a run that has not ended (wherever it executes); returns the run afterwards, undefined when unknown. */
  cancelRun(runId: string, now: number): JournalRunRecord | undefined;
  /**
   * Keeps a signal for a run that has not ended, in one transaction with the checks: `no-run` for an
   * unknown run, `ended` for one that ended, `duplicate` when the run already got a signal with the
   * same `signalId` (nothing changed in those cases). Signals are kept in the order they were added.
   */
  addSignal(runId: string, signal: JournalSignal): JournalSignalOutcome;
  /** True when the run has a signal named `name` no wait consumed yet (a cheap read: waits poll it). */
  hasSignal(runId: string, name: string): boolean;
  /**
   * Begins a wait of a run that `owner` holds, unless one is open at `wait.index` already (a recovery):
   * then that one stands, with its deadline. Returns the open wait; undefined (nothing changed) when
   * `owner` lost the run.
   */
  beginWait(runId: string, owner: string, wait: JournalWait): JournalWait | undefined;
  /**
   * Tries to end the open wait at `index` of a run that `owner` holds, in one transaction: consumes the
   * run's first unconsumed signal named like the wait (marked consumed, never handed out again) and
   * records the wait's step as received with its value; with no such signal and `timedOut`, records
   * the step as a timeout; otherwise changes nothing (`no-signal`). `lost` (nothing changed) when
   * `owner` lost the run. The recorded step closes the open wait.
   */
  endWait(runId: string, owner: string, index: number, now: number, timedOut: boolean): JournalWaitEnd;
}
