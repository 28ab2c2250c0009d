/** A replay met a different step than the one the journal recorded (docs/architecture.md, rule 6). */
export class NondeterminismError extends Error {
  /** Stable code. */
  readonly code = 'NONDETERMINISM';
  constructor(
    /** Run whose replay diverged. */
    readonly runId: string,
    /** Step index where it diverged. */
    readonly stepIndex: number,
    /** Step name the journal recorded. */
    readonly expected: string,
    /** Step name the body asked for. */
    readonly actual: string,
  ) {
    super(
      `run ${runId} is not deterministic: step ${stepIndex} was recorded as "${expected}" but the workflow now runs "${actual}"; the workflow changed since the run started (fork the run or start a new one)`,
    );
    this.name = 'NondeterminismError';
  }
}

/** The run was cancelled before it finished. */
export class RunCancelledError extends Error {
  /** Stable code. */
  readonly code = 'RUN_CANCELLED';
  constructor(readonly runId: string) {
    super(`run ${runId} was cancelled`);
    this.name = 'RunCancelledError';
  }
}

/** No run has this id. */
export class RunNotFoundError extends Error {
  /** Stable code. */
  readonly code = 'RUN_NOT_FOUND';
  constructor(readonly runId: string) {
    super(`no run with id ${runId}`);
    this.name = 'RunNotFoundError';
  }
}
