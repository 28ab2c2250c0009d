import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, dict, integer, oneOf, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';

// RetryNode, RetrySuccessNode and RetryFailNode are left out on purpose: v1 re-entered the retry
// body through back-edges from RetryFail and slept between attempts inside the node, i.e. a retry
// loop written in the workflow. Here the runner retries a failed step (with its own durable
// backoff), so the same intent is a step retry policy, not a node. OnErrorNode needs the
// orchestrator to route its protected_body / on_error / finally ports like a Try block; that is
// engine work, not a handler.

/** A ThrowErrorNode ran: the workflow asked to fail here. */
export class WorkflowThrownError extends Error {
  /** Stable code. */
  readonly code = 'WORKFLOW_ERROR_THROWN';
  /** The workflow chose to fail; a retry throws again. */
  readonly retryable = false;
  constructor(
    /** The ThrowError node. */
    readonly nodeId: string,
    /** The configured message. */
    readonly errorMessage: string,
  ) {
    super(`nodes.${nodeId}: ${errorMessage}`);
    this.name = 'WorkflowThrownError';
  }
}

const throwErrorNode = defineNode({
  types: ['ThrowErrorNode'],
  effect: 'pure',
  config: z.looseObject({ error_message: text('Custom error') }),
  ports: { inputs: ['error_message'], exec: [] },
  run: (config, execution) => {
    throw new WorkflowThrownError(execution.node.id, config.error_message);
  },
});

const STRATEGIES = ['stop', 'continue', 'retry', 'restart', 'fallback'] as const;

const errorRecoveryNode = defineNode({
  types: ['ErrorRecoveryNode'],
  effect: 'pure',
  config: z.looseObject({ strategy: oneOf(STRATEGIES, 'stop'), max_retries: integer(3).pipe(z.number().min(0)) }),
  ports: { inputs: ['strategy', 'max_retries'], outputs: ['strategy', 'max_retries'], exec: ['exec_out', 'fallback'] },
  // v1 stored the strategy in two run variables that its runner read; they are kept (a workflow may
  // read them), and `fallback` routes to the fallback port, which v1 declared but never chose.
  run: (config) => ({
    outputs: { strategy: config.strategy, max_retries: config.max_retries },
    variables: { _error_recovery_strategy: config.strategy, _error_recovery_max_retries: config.max_retries },
    ports: [config.strategy === 'fallback' ? 'fallback' : 'exec_out'],
  }),
});

const logErrorNode = defineNode({
  types: ['LogErrorNode'],
  effect: 'pure',
  config: z.looseObject({
    error_message: anyValue().transform((value) => (value === null || value === '' ? 'Unknown error' : textOf(value))),
    error_type: anyValue().transform((value) => (value === null || value === '' ? 'Error' : textOf(value))),
    context: dict(),
    level: oneOf(['debug', 'info', 'warning', 'error', 'critical'], 'error'),
    include_stack_trace: boolean(false),
  }),
  ports: { inputs: ['error_message', 'error_type', 'context'], outputs: ['log_entry'] },
  // No clock reading (v1 added a timestamp): the run's log and journal already date every step, and
  // leaving it out keeps the node pure.
  run: (config, execution) => {
    const stack = config.include_stack_trace ? (execution.handlingError?.message ?? '') : undefined;
    const entry: Record<string, Json> = {
      level: config.level,
      error_type: config.error_type,
      error_message: config.error_message,
      context: config.context,
      ...(stack === undefined ? {} : { stack_trace: stack }),
    };
    const line = `[${config.error_type}] ${config.error_message}${Object.keys(config.context).length > 0 ? ` | Context: ${JSON.stringify(config.context)}` : ''}`;
    return { outputs: { log_entry: entry }, logs: [`${config.level}: ${line}`] };
  },
});

/** Error handling nodes: ThrowError, ErrorRecovery, LogError. */
export const errorHandlingNodeHandlers: readonly CatalogNodeHandler[] = [throwErrorNode, errorRecoveryNode, logErrorNode];
