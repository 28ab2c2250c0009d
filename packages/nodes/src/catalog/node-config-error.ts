/** One problem with one config field of one node. */
export interface ConfigIssue {
  /** Field path inside the node's config, dot-separated (`url`, `headers.Accept`, `items[2]`). */
  readonly field: string;
  /** What is wrong, for people (`required`, `expected a number, got "abc"`). */
  readonly message: string;
}

/**
 * A node's config is unusable at run time (after templates were resolved and data inputs merged).
 * The message names the node and the field the way validation issues do:
 * `nodes.<id>.config.<field>: <problem>`. Retrying cannot help, so it is marked not retryable.
 */
export class NodeConfigError extends Error {
  /** Stable code. */
  readonly code = 'CONFIG_INVALID';
  /** Config errors are deterministic: a retry would fail the same way. */
  readonly retryable = false;
  /** The first offending field. */
  readonly field: string;

  constructor(
    /** Node whose config is wrong. */
    readonly nodeId: string,
    /** Every problem found, at least one. */
    readonly issues: readonly ConfigIssue[],
  ) {
    super(issues.map((issue) => `${configPath(nodeId, issue.field)}: ${issue.message}`).join('; '));
    this.name = 'NodeConfigError';
    this.field = issues[0]?.field ?? '';
  }
}

/**
 * Thrown by a handler body about one field when it finds a problem only the value can reveal
 * (a list index out of range, a path outside the working directory); the catalog turns it into a
 * `NodeConfigError` naming the node, so handlers need not know their node id.
 */
export class ConfigFieldError extends Error {
  /** Stable code. */
  readonly code = 'CONFIG_INVALID';

  constructor(
    /** Field path inside the node's config. */
    readonly field: string,
    /** What is wrong with it. */
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'ConfigFieldError';
  }
}

/** The JSON path of a config field of a node in a workflow file (`nodes.<id>.config.<field>`). */
export function configPath(nodeId: string, field: string): string {
  if (field === '') return `nodes.${nodeId}.config`;
  return field.startsWith('[') ? `nodes.${nodeId}.config${field}` : `nodes.${nodeId}.config.${field}`;
}
