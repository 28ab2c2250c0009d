/** What `untilInterrupted` resolves to when the user stopped the command first. */
export const INTERRUPTED: unique symbol = Symbol('interrupted');

/**
 * Waits for `work` unless the user interrupts first (Ctrl-C, SIGTERM). The work is not stopped:
 * the process exits right after, which for a durable run is the same as a crash, so the run stays
 * pending and `casare recover` resumes it from its last checkpoint.
 */
export async function untilInterrupted<T>(work: Promise<T>, interrupted: Promise<void>): Promise<T | typeof INTERRUPTED> {
  return Promise.race([work, interrupted.then((): typeof INTERRUPTED => INTERRUPTED)]);
}
