import { CasareError, errorCodeOf } from '../errors.js';
import type { NodeError } from '@casare-rpa/domain';

/** A node attempt failed and the runner is expected to retry it; carries the redacted node error. */
export class NodeAttemptError extends CasareError {
  /** Stable code. */
  readonly code = 'NODE_ATTEMPT_FAILED' as const;
  constructor(
    /** The failure, redacted, as it would be routed. */
    readonly nodeError: NodeError,
  ) {
    super(nodeError.message);
    this.name = 'NodeAttemptError';
  }
}

/** A required secret has no value in the `SecretProvider`. */
export class SecretNotFoundError extends CasareError {
  /** Stable code. */
  readonly code = 'SECRET_NOT_FOUND' as const;
  constructor(
    /** The secret's name (never its value). */
    readonly secretName: string,
  ) {
    super(`secret "${secretName}" is not set`);
    this.name = 'SecretNotFoundError';
  }
}

/** A handler returned something that is not a `NodeOutcome`. */
export class OutcomeInvalidError extends CasareError {
  /** Stable code. */
  readonly code = 'OUTCOME_INVALID' as const;
  constructor(message: string) {
    super(`node returned an invalid outcome: ${message}`);
    this.name = 'OutcomeInvalidError';
  }
}

/** False only when the error says so (`retryable: false`), e.g. a config error or a failed assertion. */
export function isRetryable(error: unknown): boolean {
  return (error as { retryable?: unknown } | null | undefined)?.retryable !== false;
}

/** The string `code` of a thrown value, if it has one. */
export const codeOf = errorCodeOf;
