import { WorkflowValidationError } from './errors.js';
import type { Workflow } from './workflow.js';

/** Limits a workflow file must respect. */
export interface WorkflowLimits {
  readonly maxNodes: number;
  readonly maxConnections: number;
}

/** Default limits: 1,000 nodes and 5,000 connections. */
export const DEFAULT_LIMITS: WorkflowLimits = { maxNodes: 1000, maxConnections: 5000 };

/** Options of `loadWorkflow`. */
export interface LoadWorkflowOptions {
  /** Node types the catalog can run; when given, any other type is an `UNKNOWN_NODE_TYPE` issue. */
  readonly knownTypes?: ReadonlySet<string>;
  /** File name or label used in error messages. */
  readonly source?: string;
  /** Size limits; defaults to `DEFAULT_LIMITS`. */
  readonly limits?: WorkflowLimits;
}

/**
 * Parses and validates a v1 workflow document (a JSON string or an already parsed value) into a
 * `Workflow`. Throws one `WorkflowValidationError` listing every issue with its JSON path.
 */
export function loadWorkflow(document: unknown, options: LoadWorkflowOptions = {}): Workflow {
  throw new WorkflowValidationError([{ code: 'NOT_IMPLEMENTED', path: '', message: `loadWorkflow ${String(document)} ${JSON.stringify(options.source)}` }]);
}
