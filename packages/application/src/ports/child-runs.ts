import type { JsonObject, NodeError } from '@casare-rpa/domain';

/** What a node asks of `ChildRuns`: run a workflow file as a child of the current run and wait for it. */
export interface ChildRunRequest {
  /**
   * Id of the child run. Derive it from the parent step's idempotency key: starting an id that
   * exists starts nothing (docs/architecture.md, rule 5), so a parent replaying its step after a
   * crash waits for the child it already started instead of starting a second one.
   */
  readonly childRunId: string;
  /** The child's workflow file, relative to `workingDirectory` or absolute. */
  readonly workflowFile: string;
  /** Values the child's WorkflowCallTriggerNode outputs as `params` (and run variables of the child). */
  readonly params: JsonObject;
  /** Run id of the parent, recorded with the child's input so the two can be linked. */
  readonly parentRunId: string;
  /** Id of the parent's calling node. */
  readonly parentNodeId: string;
  /** Directory the child's relative paths resolve against (the parent's). */
  readonly workingDirectory: string;
  /** Aborted when the parent's step times out or the parent is cancelled: stop waiting (the child keeps running). */
  readonly signal: AbortSignal;
}

/** How a child run ended. */
export interface ChildRunResult {
  /** The child's run id. */
  readonly runId: string;
  /** `completed`, `failed` or `cancelled`. */
  readonly status: 'completed' | 'failed' | 'cancelled';
  /** The child's final variables (sensitive ones redacted). */
  readonly variables: JsonObject;
  /** Why the child did not complete; null when it did. */
  readonly error: NodeError | null;
}

/**
 * Starts child runs on the same durable runner as their parent and waits for them. Implemented in
 * the composition root (the CLI) over `ExecuteWorkflowUseCase.start`; a node that calls it is a
 * `world` node.
 */
export interface ChildRuns {
  /** Starts the child run (or finds the one with that id) and waits for it to end. */
  runChild(request: ChildRunRequest): Promise<ChildRunResult>;
}

/** Injection token of `ChildRuns`. */
export const CHILD_RUNS = Symbol.for('@casare-rpa/ChildRuns');
