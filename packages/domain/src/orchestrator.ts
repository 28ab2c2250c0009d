import type { Json } from './json.js';
import type { ExecutionState } from './execution-state.js';
import type { NodeError, NodeOutcome } from './node-outcome.js';
import type { Workflow } from './workflow.js';

/** What routing tells the executor about the node about to run. */
export interface ControlContext {
  /** For loop starts: the iteration an execution now would enter (0 on first entry). */
  readonly iteration: number;
  /** For Catch nodes: the error being handled, if any. */
  readonly handlingError: NodeError | undefined;
}

/**
 * Pure, synchronous routing of a workflow: which node runs next given the outcomes so far.
 * No I/O, no clock, no randomness: the same graph and outcomes always give the same path.
 */
export class ExecutionOrchestrator {
  constructor(readonly workflow: Workflow) {}

  /** The initial state of a run: declared variable defaults overlaid with `inputs`, cursor at the start nodes. */
  start(runId: string, inputs: Readonly<Record<string, Json>> = {}): ExecutionState {
    throw new Error(`not implemented ${runId} ${JSON.stringify(inputs)}`);
  }

  /** The node that runs next, or undefined when the run is over (see `state.status`). */
  current(state: ExecutionState): string | undefined {
    return state.status === 'running' ? state.cursor.at(-1) : undefined;
  }

  /** What the node about to run needs from the routing state (loop iteration, handled error). */
  controlContext(state: ExecutionState, nodeId: string): ControlContext {
    throw new Error(`not implemented ${state.runId} ${nodeId}`);
  }

  /** Folds `outcome` of `nodeId` into the state and routes to the next node. Pure. */
  next(state: ExecutionState, nodeId: string, outcome: NodeOutcome): ExecutionState {
    throw new Error(`not implemented ${state.runId} ${nodeId} ${JSON.stringify(outcome)}`);
  }
}

/** Folds what one node changed into the state (outputs, variables, resources, logs, step count). Pure. */
export function applyOutcome(state: ExecutionState, nodeId: string, outcome: NodeOutcome): ExecutionState {
  throw new Error(`not implemented ${state.runId} ${nodeId} ${JSON.stringify(outcome)}`);
}
