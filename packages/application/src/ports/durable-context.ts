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

/** Options of `DurableContext.waitForSignal`. */
export interface SignalWaitOptions {
  /**
   * Longest the wait lasts, ms, counted from when the wait first started: the deadline is recorded
   * then, so a run killed while waiting resumes waiting with the time left (as a durable sleep does).
   */
  readonly timeoutMs: number;
}

/**
 * How a durable wait ended: with the value of the signal it consumed, or at its deadline. Either is
 * recorded, and a replay of the wait returns the same without consuming another signal.
 */
export type SignalWait = { readonly kind: 'received'; readonly value: Json } | { readonly kind: 'timeout' };

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
  /**
   * Durable wait for the next signal named `name` sent to this run (`DurableRunner.signal`): one
   * durable operation, recorded as a step of kind `wait` named `name`. A signal sent before the wait
   * starts is kept; each signal is consumed by exactly one wait, first sent first consumed per
   * (run, name). The deadline is fixed when the wait first starts; a run killed while waiting waits
   * for the time left. A cancel of the run ends the wait with `RunCancelledError`.
   */
  waitForSignal(name: string, options: SignalWaitOptions): Promise<SignalWait>;
}
