/**
 * Every stable error code of casare-rpa, in one union: match errors with `hasErrorCode`, never with
 * `instanceof` or ad-hoc casts. A runner may hand back a deserialized copy of an error it recorded
 * (DBOS does): the copy keeps `code` and the error's data, not its class (docs/architecture.md, Errors).
 * Codes of the domain's errors (`WORKFLOW_INVALID`, `EXPRESSION_INVALID`, `ROUTING_INVALID`) are here
 * too; the domain cannot import this module, so its classes carry the same strings.
 */
export type CasareErrorCode =
  // durable runners and the workflow body
  | 'NONDETERMINISM'
  | 'RUN_CANCELLED'
  | 'RUN_NOT_FOUND'
  | 'RUN_ENDED'
  | 'SIGNAL_WAIT_INVALID'
  | 'RUN_FAILED'
  | 'RUNNER_STATE'
  | 'WORKFLOW_NOT_REGISTERED'
  | 'STEP_TIMEOUT'
  | 'NODE_ATTEMPT_FAILED'
  | 'OUTCOME_INVALID'
  | 'RECORDED_STEP_INVALID'
  | 'SECRET_NOT_FOUND'
  | 'DATABASE_UNAVAILABLE'
  | 'SYSTEM_DATABASE_SETUP'
  | 'JOURNAL_WRITE_FAILED'
  | 'PARALLEL_NESTED'
  // the payload codec (secrets at rest)
  | 'PAYLOAD_DECRYPT_FAILED'
  | 'ENCRYPTION_KEY_INVALID'
  // human tasks
  | 'TASK_ANSWER_INVALID'
  | 'TASK_NOT_FOUND'
  | 'TASK_CLOSED'
  | 'TASK_TIMEOUT'
  // the SQLite journal file
  | 'SQLITE_UNWRITABLE'
  | 'SQLITE_LOCKED'
  | 'SQLITE_NOT_CASARE'
  | 'SQLITE_CORRUPT'
  | 'SQLITE_NEWER_SCHEMA'
  | 'SQLITE_IO'
  // workflow documents (domain)
  | 'WORKFLOW_INVALID'
  | 'EXPRESSION_INVALID'
  | 'ROUTING_INVALID'
  // node catalog and nodes
  | 'DUPLICATE_NODE_TYPE'
  | 'UNKNOWN_NODE_TYPE'
  | 'CONFIG_INVALID'
  | 'NODE_FAILED'
  | 'ASSERTION_FAILED'
  | 'LLM_ANSWER_INVALID'
  | 'CONNECTOR_AUTH_FAILED'
  | 'CONNECTOR_FAILED'
  | 'CONNECTOR_UNREACHABLE'
  | 'CAPTCHA_TIMEOUT'
  | 'RETRY_EXHAUSTED'
  | 'CSV_INVALID'
  | 'BROWSER_HINT_INVALID'
  | 'BROWSER_PAGE_NOT_OPEN'
  | 'CHROMIUM_NOT_FOUND'
  | 'SECRET_MISSING'
  | 'TEST_FAILURE'
  // the CLI
  | 'USAGE';

/** Base class of casare-rpa's errors: a stable `code` from `CasareErrorCode` and the data a caller needs. */
export abstract class CasareError extends Error {
  /** Stable code, for `hasErrorCode`. */
  abstract readonly code: CasareErrorCode;
}

/** How deep `findErrorWithCode` looks into `cause` and aggregated `errors` (guards against cycles). */
const MAX_ERROR_DEPTH = 6;

/**
 * The first error in `error`, its `cause` chain or its aggregated `errors` (an `AggregateError`, DBOS's
 * max-retries error keeps the attempts' errors there, the last one first looked at) whose `code` is
 * `code`; undefined when none is. The one place that unwraps errors.
 */
export function findErrorWithCode(error: unknown, code: string, depth = 0): (Error & { readonly code: string }) | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_ERROR_DEPTH) return undefined;
  if ((error as { code?: unknown }).code === code) return error as Error & { readonly code: string };
  const wrapped = (error as { errors?: unknown }).errors;
  if (Array.isArray(wrapped)) {
    for (let index = wrapped.length - 1; index >= 0; index--) {
      const found = findErrorWithCode(wrapped[index], code, depth + 1);
      if (found) return found;
    }
  }
  return findErrorWithCode((error as { cause?: unknown }).cause, code, depth + 1);
}

/** True when `error` is, wraps or aggregates an error whose `code` is `code` (see `findErrorWithCode`). */
export function hasErrorCode(error: unknown, code: CasareErrorCode | (string & {})): boolean {
  return findErrorWithCode(error, code) !== undefined;
}

/** The `code` of `error` itself when it has a string one (no unwrapping): what a report shows. */
export function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A replay met a different step than the one the journal recorded (docs/architecture.md, rule 6). */
export class NondeterminismError extends CasareError {
  /** Stable code. */
  readonly code = 'NONDETERMINISM' as const;
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

/** A Fork or ParallelForEach ran inside a branch of another: branches do not nest (their rounds would interleave). */
export class ParallelNestingError extends CasareError {
  /** Stable code. */
  readonly code = 'PARALLEL_NESTED' as const;
  constructor(
    /** The outer Fork or ParallelForEach. */
    readonly nodeId: string,
  ) {
    super(
      `nodes.${nodeId}: a branch of this node started parallel branches of its own; Fork and ParallelForEach do not nest (move the inner one into a sub-workflow)`,
    );
    this.name = 'ParallelNestingError';
  }
}

/** The run was cancelled before it finished. */
export class RunCancelledError extends CasareError {
  /** Stable code. */
  readonly code = 'RUN_CANCELLED' as const;
  constructor(readonly runId: string) {
    super(`run ${runId} was cancelled`);
    this.name = 'RunCancelledError';
  }
}

/** No run has this id. */
export class RunNotFoundError extends CasareError {
  /** Stable code. */
  readonly code = 'RUN_NOT_FOUND' as const;
  constructor(readonly runId: string) {
    super(`no run with id ${runId}`);
    this.name = 'RunNotFoundError';
  }
}

/** The run has ended (succeeded, failed or was cancelled): it takes no more signals. */
export class RunEndedError extends CasareError {
  /** Stable code. */
  readonly code = 'RUN_ENDED' as const;
  constructor(
    readonly runId: string,
    /** How the run ended. */
    readonly status: 'succeeded' | 'failed' | 'cancelled',
    /** What was refused, for the message (e.g. `signal "approval"`). */
    readonly what: string,
  ) {
    super(`run ${runId} has ended (${status}): ${what} cannot be delivered to it`);
    this.name = 'RunEndedError';
  }
}

/** `ctx.waitForSignal` was asked for a timeout that is not a finite number of milliseconds >= 0. */
export class SignalWaitInvalidError extends CasareError {
  /** Stable code. */
  readonly code = 'SIGNAL_WAIT_INVALID' as const;
  constructor(
    /** The signal name waited for. */
    readonly signalName: string,
    /** The timeout given. */
    readonly timeoutMs: unknown,
  ) {
    super(`waitForSignal("${signalName}"): timeoutMs must be a finite number of milliseconds >= 0, not ${String(timeoutMs)}`);
    this.name = 'SignalWaitInvalidError';
  }
}

/** The timeout of a wait for `name`, checked: `SignalWaitInvalidError` unless a finite number of ms >= 0. */
export function checkedWaitTimeoutMs(name: string, timeoutMs: unknown): number {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) throw new SignalWaitInvalidError(name, timeoutMs);
  return timeoutMs;
}

/** `start` named a workflow body nobody registered on the runner. */
export class WorkflowNotRegisteredError extends CasareError {
  /** Stable code. */
  readonly code = 'WORKFLOW_NOT_REGISTERED' as const;
  constructor(
    /** The name asked for. */
    readonly workflowName: string,
  ) {
    super(`no workflow is registered as "${workflowName}"; register it before launch()`);
    this.name = 'WorkflowNotRegisteredError';
  }
}

/** A runner was used in a state that does not allow it (registering after launch, starting before it, after shutdown). */
export class RunnerStateError extends CasareError {
  /** Stable code. */
  readonly code = 'RUNNER_STATE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'RunnerStateError';
  }
}

/**
 * A recorded payload could not be decoded: it was encrypted with another key, the key is missing,
 * or the payload was altered. Nothing of it is replayed; the run needs the key it was recorded with.
 */
export class PayloadDecryptError extends CasareError {
  /** Stable code. */
  readonly code = 'PAYLOAD_DECRYPT_FAILED' as const;
  /** A key is set by an operator, not by a retry. */
  readonly retryable = false;
  constructor(
    /** The run whose payload it is. */
    readonly runId: string,
    /** The step whose output it is; undefined for the run's input. */
    readonly stepName: string | undefined,
    /** Why it could not be decoded. */
    readonly reason: string,
  ) {
    super(`cannot decrypt what run ${runId} recorded${stepName === undefined ? ' as its input' : ` in step "${stepName}"`}: ${reason}`);
    this.name = 'PayloadDecryptError';
  }
}
