/** A node attempt ran longer than its timeout. */
export class NodeTimeoutError extends Error {
  /** Stable code. */
  readonly code = 'TIMEOUT';
  constructor(
    /** The timeout that expired, ms. */
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'NodeTimeoutError';
  }
}

/**
 * Runs one attempt with an `AbortSignal` that fires after `timeoutMs` (none when undefined). The
 * attempt fails with `NodeTimeoutError` at that moment even if `run` ignores the signal; whatever it
 * still does afterwards is discarded. Lives here, not in adapters, so every runner times out alike.
 */
export async function runWithTimeout<T>(timeoutMs: number | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  if (timeoutMs === undefined) return run(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new NodeTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
