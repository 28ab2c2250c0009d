import { CasareError, hasErrorCode } from '../errors.js';

/** A step attempt ran longer than its `StepPolicy.timeoutMs`: what every runner fails that attempt with. */
export class StepTimeoutError extends CasareError {
  /** Stable code. */
  readonly code = 'STEP_TIMEOUT' as const;
  constructor(
    /** Name of the step whose attempt timed out. */
    readonly stepName: string,
    /** The timeout that expired, ms. */
    readonly timeoutMs: number,
  ) {
    super(`step ${stepName} timed out after ${timeoutMs} ms`);
    this.name = 'StepTimeoutError';
  }
}

/** What bounds one step attempt, as a runner knows it. */
export interface AttemptBounds {
  /** The step's name (for `StepTimeoutError`). */
  readonly stepName: string;
  /** `StepPolicy.timeoutMs`; undefined for no limit. */
  readonly timeoutMs: number | undefined;
  /**
   * Fires when the run is cancelled; the attempt's signal is aborted with its reason. A function is
   * called only when the attempt's signal is first read: watching for a cancel costs DBOS a watcher
   * per step, which most nodes (that never look at their signal) need not pay for.
   */
  readonly cancelled?: AbortSignal | (() => AbortSignal | undefined) | undefined;
}

/** The attempt as `runBoundedAttempt` hands it to its body. */
export interface BoundedAttempt {
  /** Aborted when the attempt times out or its run is cancelled. */
  readonly signal: AbortSignal;
}

/**
 * Runs one step attempt with the `AbortSignal` it hands to its body (`StepAttempt.signal`): aborted
 * when the attempt times out or its run is cancelled. The attempt also fails with `StepTimeoutError`
 * when `timeoutMs` passes, even if `run` ignores the signal; whatever it still does afterwards is
 * discarded. Cancelling only aborts the signal: the runner decides what a cancelled attempt ends as.
 * Lives here, not in adapters, so every runner (DBOS's too) times out alike.
 */
export async function runBoundedAttempt<T>(bounds: AttemptBounds, run: (attempt: BoundedAttempt) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const { timeoutMs } = bounds;
  const detach: Array<() => void> = [];
  const forward = (signal: AbortSignal | undefined, reason: () => unknown): void => {
    if (!signal) return;
    const abort = (): void => controller.abort(reason());
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    detach.push(() => signal.removeEventListener('abort', abort));
  };
  const { cancelled } = bounds;
  let watching = typeof cancelled !== 'function';
  let settled = false;
  if (typeof cancelled !== 'function') forward(cancelled, () => cancelled?.reason);
  const attempt: BoundedAttempt = {
    get signal() {
      // Subscribe to the cancel source on first read, and never once the attempt is over.
      if (!watching && !settled && typeof cancelled === 'function') {
        watching = true;
        const source = cancelled();
        forward(source, () => source?.reason);
      }
      return controller.signal;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    if (timeoutMs === undefined) return await run(attempt);
    const expired = new Promise<never>((_, reject) => {
      // The timeout's error is built when it fires, not per attempt: an error captures a stack,
      // and most attempts end in time.
      timer = setTimeout(() => {
        const error = new StepTimeoutError(bounds.stepName, timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    return await Promise.race([run(attempt), expired]);
  } finally {
    settled = true;
    clearTimeout(timer);
    for (const remove of detach) remove();
  }
}

/**
 * True when a step failure is a timeout: a `StepTimeoutError` (or its replayed copy, which keeps the
 * code but not the class), thrown as is, as a `cause` or as the last of wrapped `errors`.
 */
export function isStepTimeout(error: unknown): boolean {
  return hasErrorCode(error, 'STEP_TIMEOUT');
}
