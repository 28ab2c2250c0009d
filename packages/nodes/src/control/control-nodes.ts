import type { Json, NodeError, NodeOutcome } from '@casare-rpa/domain';
import { DEFAULT_MAX_ITERATIONS } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, integer, optionalNumber, optionalText, isJsonArray, isJsonObject, tryParseJson } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { conditionHolds } from './condition.js';

// Control nodes only compute: which exec port to follow, loop bookkeeping, error details.
// Routing itself (loop back-edges, Try frames, Catch/Finally) is the domain orchestrator's.

/** An Assert node's condition was false. */
export class AssertionFailedError extends Error {
  /** Stable code. */
  readonly code = 'ASSERTION_FAILED';
  /** A false assertion stays false on retry. */
  readonly retryable = false;
  constructor(
    /** The Assert node. */
    readonly nodeId: string,
    message: string,
  ) {
    super(`nodes.${nodeId}: assertion failed: ${message}`);
    this.name = 'AssertionFailedError';
  }
}

/** A node that only passes control on: its outcome has no outputs. */
function passThrough(types: readonly string[], exec: readonly string[] = ['exec_out']): CatalogNodeHandler {
  return defineNode({ types, effect: 'pure', config: z.looseObject({}), ports: { exec }, run: () => ({ outputs: {} }) });
}

const startNode = passThrough(['StartNode']);
const endNode = passThrough(['EndNode'], []);
const mergeNode = passThrough(['MergeNode']);
const commentNode = passThrough(['CommentNode']);
const tryNode = passThrough(['TryNode'], ['try_body', 'exec_out']);
const loopEndNode = passThrough(['ForLoopEndNode', 'WhileLoopEndNode'], []);
const breakNode = passThrough(['BreakNode'], []);
const continueNode = passThrough(['ContinueNode'], []);

const ifNode = defineNode({
  types: ['IfNode'],
  effect: 'pure',
  config: z.looseObject({ condition: anyValue() }),
  ports: { inputs: ['condition'], outputs: ['result'], exec: ['true', 'false'] },
  run: (config, execution) => {
    const holds = conditionHolds(config.condition, 'condition', execution);
    return { outputs: { result: holds }, ports: [holds ? 'true' : 'false'] };
  },
});

/** Cases may be a list or a comma-separated text. */
function casesOf(value: Json): readonly Json[] {
  if (isJsonArray(value)) return value;
  if (typeof value === 'string') {
    const parsed = tryParseJson(value);
    if (isJsonArray(parsed)) return parsed;
    return value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }
  return value === null ? [] : [value];
}

function caseText(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const switchNode = defineNode({
  types: ['SwitchNode'],
  effect: 'pure',
  config: z.looseObject({ value: anyValue(), cases: anyValue() }),
  ports: { inputs: ['value'], outputs: ['value', 'matched', 'case_index'], exec: ['default'] },
  run: (config, execution) => {
    const value = caseText(config.value);
    const cases = casesOf(config.cases).map(caseText);
    const index = cases.indexOf(value);
    const connected = new Set(execution.connectedPorts);
    // The v1 editor named case ports either by value or by position; prefer the one that is wired.
    let port = 'default';
    if (connected.has(`case_${value}`)) port = `case_${value}`;
    else if (index >= 0 && connected.has(`case_${index}`)) port = `case_${index}`;
    return { outputs: { value: config.value, matched: port !== 'default', case_index: index }, ports: [port] };
  },
});

/** The items a loop start iterates: a list, a dictionary (as key/value pairs), a count, a range or a comma-separated text. */
export function loopItems(items: Json, start: number | undefined, end: number | undefined, step: number | undefined): readonly Json[] {
  if (items === null && end !== undefined) {
    const by = step ?? 1;
    if (by === 0) throw new ConfigFieldError('step', 'must not be 0');
    const values: number[] = [];
    for (let value = start ?? 0; by > 0 ? value < end : value > end; value += by) {
      values.push(value);
      if (values.length > 1_000_000) throw new ConfigFieldError('end', 'range has more than 1,000,000 values');
    }
    return values;
  }
  if (items === null) return [];
  if (isJsonArray(items)) return items;
  if (isJsonObject(items)) return Object.entries(items).map(([key, value]) => ({ key, value }));
  if (typeof items === 'number') {
    if (!Number.isInteger(items) || items < 0) throw new ConfigFieldError('items', 'a number of iterations must be a non-negative integer');
    return Array.from({ length: items }, (_, index) => index);
  }
  if (typeof items === 'string') {
    const parsed = tryParseJson(items);
    if (isJsonArray(parsed)) return parsed;
    return items
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }
  throw new ConfigFieldError('items', 'cannot iterate over a boolean');
}

const forLoopStartNode = defineNode({
  types: ['ForLoopStartNode', 'ForLoopNode'],
  effect: 'pure',
  config: z.looseObject({
    items: anyValue(),
    start: optionalNumber(),
    end: optionalNumber(),
    step: optionalNumber(),
  }),
  ports: {
    inputs: ['items'],
    outputs: ['current_item', 'current_index', 'item', 'index', 'total', 'is_first', 'is_last', 'completed'],
    exec: ['body', 'completed'],
  },
  run: (config, execution): NodeOutcome => {
    const items = loopItems(config.items, config.start, config.end, config.step);
    const n = execution.iteration;
    if (n < items.length) {
      const item = items[n] ?? null;
      return {
        outputs: {
          current_item: item,
          current_index: n,
          item,
          index: n,
          total: items.length,
          is_first: n === 0,
          is_last: n === items.length - 1,
          completed: false,
        },
        ports: ['body'],
        iteration: n,
      };
    }
    // Keep the last item visible after the loop, as the v1 engine did.
    const last = items.length > 0 ? (items[items.length - 1] ?? null) : null;
    return {
      outputs: {
        current_item: last,
        current_index: Math.max(items.length - 1, 0),
        item: last,
        index: Math.max(items.length - 1, 0),
        total: items.length,
        completed: true,
      },
      ports: ['completed'],
    };
  },
});

const whileLoopStartNode = defineNode({
  types: ['WhileLoopStartNode', 'WhileLoopNode'],
  effect: 'pure',
  config: z.looseObject({ condition: anyValue(), max_iterations: integer(DEFAULT_MAX_ITERATIONS) }),
  ports: { inputs: ['condition'], outputs: ['iteration', 'completed', 'max_reached'], exec: ['body', 'completed'] },
  run: (config, execution) => {
    const n = execution.iteration;
    if (n >= config.max_iterations) {
      execution.logger.warn(`while loop ${execution.node.id} stopped after max_iterations=${config.max_iterations}`);
      return { outputs: { iteration: n, completed: true, max_reached: true }, ports: ['completed'] };
    }
    if (conditionHolds(config.condition, 'condition', execution)) {
      return { outputs: { iteration: n, completed: false, max_reached: false }, ports: ['body'], iteration: n };
    }
    return { outputs: { iteration: n, completed: true, max_reached: false }, ports: ['completed'] };
  },
});

function errorOutputs(error: NodeError | undefined) {
  return {
    error_message: error?.message ?? '',
    error_type: error?.type ?? '',
    error_code: error?.code ?? '',
    error_node: error?.nodeId ?? '',
  };
}

const catchNode = defineNode({
  types: ['CatchNode'],
  effect: 'pure',
  config: z.looseObject({}),
  ports: { outputs: ['error_message', 'error_type', 'error_code', 'error_node'], exec: ['catch_body', 'exec_out'] },
  run: (_config, execution) => ({ outputs: errorOutputs(execution.handlingError) }),
});

const finallyNode = defineNode({
  types: ['FinallyNode'],
  effect: 'pure',
  config: z.looseObject({}),
  ports: { outputs: ['had_error', 'error_message'], exec: ['finally_body', 'exec_out'] },
  run: (_config, execution) => ({
    outputs: { had_error: execution.handlingError !== undefined, error_message: execution.handlingError?.message ?? '' },
  }),
});

const assertNode = defineNode({
  types: ['AssertNode'],
  effect: 'pure',
  config: z.looseObject({ condition: anyValue(), message: optionalText() }),
  ports: { inputs: ['condition'], outputs: ['passed', 'result'] },
  run: (config, execution) => {
    if (!conditionHolds(config.condition, 'condition', execution)) {
      throw new AssertionFailedError(execution.node.id, config.message ?? `condition ${JSON.stringify(config.condition)} is false`);
    }
    return { outputs: { passed: true, result: true } };
  },
});

/** Control-flow node handlers: Start, End, If, Switch, Merge, loops, Break/Continue, Try/Catch/Finally, Comment, Assert. */
export const controlNodeHandlers: readonly CatalogNodeHandler[] = [
  startNode,
  endNode,
  ifNode,
  switchNode,
  mergeNode,
  forLoopStartNode,
  whileLoopStartNode,
  loopEndNode,
  breakNode,
  continueNode,
  tryNode,
  catchNode,
  finallyNode,
  commentNode,
  assertNode,
];
