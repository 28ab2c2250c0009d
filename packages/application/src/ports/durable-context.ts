import type { Json } from '@casare-rpa/domain';

/** Retry and timeout policy of one durable step; the runner applies it, never a loop in a body. */
export interface StepPolicy {
  /** Attempts in all, first included (1 = no retry). */
  readonly maxAttempts: number;
  /** Wait before the first retry, in milliseconds. */
  readonly intervalMs: number;
  /** Multiplier applied to the wait after each retry. */
  readonly backoffRate: number;
  /**
   * Longest one attempt may run, in milliseconds; undefined for no limit. The runner fails an attempt
   * that runs longer with `StepTimeoutError` (retried like any failure while attempts remain) and
   * aborts its `StepAttempt.signal`; whatever the body still does afterwards is discarded.
   */
  readonly timeoutMs?: number;
}

/** What a step body learns about the attempt it runs in. */
export interface StepAttempt {
  /** Deterministic index of this step within the run (0-based, counts every durable operation). */
  readonly index: number;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * Aborted when this attempt runs past `StepPolicy.timeoutMs` (reason: `StepTimeoutError`) or its
   * run is cancelled. Bodies hand it to whatever can stop early (the node handler gets it as
   * `NodeExecution.signal`); the runner rejects a timed-out attempt whether the body stops or not.
   */
  readonly signal: AbortSignal;
}

/** What a workflow body sees of the durable runner. Bodies must be deterministic (docs/architecture.md, rule 6). */
export interface DurableContext {
  /** Id of the run this body executes. */
  readonly runId: string;
  /** True when this execution of the body is a recovery or resume of a run that had already started. */
  readonly recovering: boolean;
  /**
   * Runs `fn` as one durable step named `name`. A completed step is never run again: on replay its
   * recorded result is returned. A step whose last attempt failed throws; on replay it throws again.
   * A replay meeting a step whose name differs from the recorded one throws `NondeterminismError`.
   */
  step<T extends Json>(name: string, fn: (attempt: StepAttempt) => Promise<T>, policy?: StepPolicy): Promise<T>;
  /** Durable sleep: a run killed while sleeping wakes at the originally planned time. */
  sleep(ms: number): Promise<void>;
  /** Durable clock read: recorded once, replayed after. Milliseconds since the epoch. */
  now(): Promise<number>;
}
