/** One problem found in a workflow file. */
export interface ValidationIssue {
  /** Stable code, e.g. `UNKNOWN_NODE_TYPE`, `DANGLING_CONNECTION`, `EXEC_CYCLE`. */
  readonly code: string;
  /** JSON path of the offending value, dot-separated (`nodes.if_check.config`, `connections[3].target_node`). */
  readonly path: string;
  /** What is wrong and, where it helps, what to do. */
  readonly message: string;
  /** Node concerned, when there is one. */
  readonly nodeId?: string;
}

/** A workflow file that cannot run; carries every issue found, not just the first. */
export class WorkflowValidationError extends Error {
  /** Stable code. */
  readonly code = 'WORKFLOW_INVALID';
  constructor(
    /** Every issue, in document order. */
    readonly issues: readonly ValidationIssue[],
    /** File name or label of the document, when known. */
    readonly source?: string,
  ) {
    super(
      `${source ? `${source}: ` : ''}invalid workflow (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n'),
    );
    this.name = 'WorkflowValidationError';
  }
}

/** A template or condition that cannot be parsed or evaluated. */
export class ExpressionError extends Error {
  /** Stable code. */
  readonly code = 'EXPRESSION_INVALID';
  constructor(
    message: string,
    /** The expression text. */
    readonly expression: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/**
 * The orchestrator was asked to route something that cannot happen in a correct executor: a node
 * that is not the one due to run, or a run that is already over. A bug in the caller, not in the file.
 */
export class RoutingError extends Error {
  /** Stable code. */
  readonly code = 'ROUTING_INVALID';
  constructor(
    message: string,
    /** Node the caller reported. */
    readonly nodeId: string,
  ) {
    super(message);
    this.name = 'RoutingError';
  }
}
