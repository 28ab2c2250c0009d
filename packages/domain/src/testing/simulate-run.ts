import type { ExecutionState } from '../execution-state.js';
import type { Json, JsonObject } from '../json.js';
import type { NodeOutcome } from '../node-outcome.js';
import { ExecutionOrchestrator, type ControlContext } from '../orchestrator.js';
import type { Workflow } from '../workflow.js';

/** What a scripted node sees in `simulateRun`. */
export interface SimulatedStep {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly config: JsonObject;
  readonly control: ControlContext;
  readonly state: ExecutionState;
  /** How many times this node ran before in this simulation (0 on its first run; counts restart with `from`). */
  readonly visits: number;
  /** Exec ports of the node that are connected. */
  readonly connectedPorts: readonly string[];
}

/** Result of `simulateRun`. */
export interface SimulatedRun {
  /** Node ids in execution order. */
  readonly path: readonly string[];
  /** The final state. */
  readonly state: ExecutionState;
  /** Every state after each step (the first is the initial state). */
  readonly states: readonly ExecutionState[];
}

/**
 * Runs a workflow through `ExecutionOrchestrator` with outcomes from `outcomeOf` (no handlers, no
 * I/O): the reference path any executor must follow for the same outcomes. Stops after `maxSteps`
 * with a RangeError, so a test of a runaway loop fails instead of hanging.
 */
export function simulateRun(
  workflow: Workflow,
  outcomeOf: (step: SimulatedStep) => NodeOutcome = defaultOutcome,
  options: {
    readonly runId?: string;
    readonly inputs?: Readonly<Record<string, Json>>;
    readonly maxSteps?: number;
    /** Continue from this state (e.g. one read back from a checkpoint) instead of starting afresh. */
    readonly from?: ExecutionState;
  } = {},
): SimulatedRun {
  const orchestrator = new ExecutionOrchestrator(workflow);
  let state = options.from ?? orchestrator.start(options.runId ?? 'run-1', options.inputs);
  const states = [state];
  const path: string[] = [];
  const visits = new Map<string, number>();
  const maxSteps = options.maxSteps ?? 10_000;
  for (let nodeId = orchestrator.current(state); nodeId !== undefined; nodeId = orchestrator.current(state)) {
    if (path.length >= maxSteps) throw new RangeError(`run did not end within ${maxSteps} steps; path so far ends ${path.slice(-10).join(' -> ')}`);
    const node = workflow.node(nodeId);
    const outcome = outcomeOf({
      nodeId,
      nodeType: node.type,
      config: node.config,
      control: orchestrator.controlContext(state, nodeId),
      state,
      visits: visits.get(nodeId) ?? 0,
      connectedPorts: workflow.connectedExecPorts(nodeId),
    });
    visits.set(nodeId, (visits.get(nodeId) ?? 0) + 1);
    path.push(nodeId);
    state = orchestrator.next(state, nodeId, outcome);
    states.push(state);
  }
  return { path, state, states };
}

/**
 * A minimal stand-in for the control handlers, enough for routing tests: If follows `config.condition`
 * when it is a boolean; ForLoop iterates `config.items` (a list) or `config.end` - `config.start`;
 * WhileLoop iterates `config.times` times (default: until the orchestrator's cap); Switch picks
 * `case_<value>`, then `case_<index>`, then `default`; every other node outputs `{ ran: true }`.
 */
export function defaultOutcome(step: SimulatedStep): NodeOutcome {
  const { config, control } = step;
  switch (step.nodeType) {
    case 'IfNode':
      return { outputs: { result: config.condition === true }, ports: [config.condition === true ? 'true' : 'false'] };
    case 'ForLoopStartNode':
    case 'ForLoopNode': {
      const items = Array.isArray(config.items) ? (config.items as readonly Json[]) : undefined;
      const start = typeof config.start === 'number' ? config.start : 0;
      const count = items ? items.length : typeof config.end === 'number' ? Math.max(0, config.end - start) : 0;
      if (control.iteration >= count) return { outputs: {}, ports: ['completed'] };
      return {
        outputs: { current_item: items ? items[control.iteration]! : start + control.iteration, current_index: control.iteration },
        ports: ['body'],
        iteration: control.iteration,
      };
    }
    case 'WhileLoopStartNode':
    case 'WhileLoopNode': {
      const times = typeof config.times === 'number' ? config.times : Number.POSITIVE_INFINITY;
      if (control.iteration >= times) return { outputs: {}, ports: ['completed'] };
      return { outputs: { iteration: control.iteration }, ports: ['body'], iteration: control.iteration };
    }
    case 'SwitchNode': {
      const cases = Array.isArray(config.cases) ? (config.cases as readonly Json[]) : [];
      const value = typeof config.value === 'string' || typeof config.value === 'number' ? String(config.value) : '';
      const byValue = `case_${value}`;
      const index = cases.findIndex((item) => (typeof item === 'string' ? item : JSON.stringify(item)) === value);
      const port = step.connectedPorts.includes(byValue) ? byValue : index >= 0 && step.connectedPorts.includes(`case_${index}`) ? `case_${index}` : 'default';
      return { outputs: { value: config.value ?? null }, ports: [port] };
    }
    case 'CatchNode':
      return { outputs: { error_message: control.handlingError?.message ?? '', error_type: control.handlingError?.type ?? '' } };
    case 'FinallyNode':
      return { outputs: { had_error: control.handlingError !== undefined } };
    default:
      return { outputs: { ran: true } };
  }
}
