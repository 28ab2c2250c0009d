/** Exit codes of the `casare` command; scripts and tests rely on them. */
export const ExitCode = {
  /** The command did what it was asked; for `run`, the run succeeded. */
  success: 0,
  /** The run failed (or was cancelled). */
  runFailed: 1,
  /** Bad usage, a missing file or an invalid workflow: nothing ran. */
  usage: 2,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT); a durable run stays pending for `casare recover`. */
  interrupted: 130,
} as const;

/** One of the exit codes above. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The command line cannot be acted on (unknown flag, missing argument, missing file). The message
 * says what is wrong and what to do; the command exits with `ExitCode.usage`.
 */
export class UsageError extends Error {
  /** Stable code. */
  readonly code = 'USAGE';
  constructor(
    message: string,
    /** The command whose `--help` the user should read, e.g. `run` or `runs show`. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
