import { CasareError } from '@casare-rpa/application';
import type { Json, NodeOutcome } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, dict, integer, number, oneOf, optionalInteger, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';

// Retry and OnError blocks are routed by the domain orchestrator (a `retry` frame, a Try-like frame);
// these handlers compute the attempt, the backoff and the error details. The backoff is a durable
// sleep the runner takes (`sleepMs`), never a wait inside a node (docs/architecture.md, rule 8).

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

/** A RetryNode used up its attempts and its `failed` port leads nowhere. */
export class RetryExhaustedError extends CasareError {
  /** Stable code. */
  readonly code = 'RETRY_EXHAUSTED' as const;
  /** The attempts are spent; running the node again spends none more. */
  readonly retryable = false;
  constructor(
    /** The Retry node. */
    readonly nodeId: string,
    /** Attempts made. */
    readonly attempts: number,
    /** Why the last one failed. */
    readonly lastError: string,
  ) {
    super(`nodes.${nodeId}: retry failed after ${attempts} attempts: ${lastError}`);
    this.name = 'RetryExhaustedError';
  }
}

const retryNode = defineNode({
  types: ['RetryNode'],
  effect: 'pure',
  config: z.looseObject({
    max_attempts: optionalInteger().pipe(z.number().min(1, { error: 'at least 1' }).optional()),
    // Older v1 files (the node_tests fixtures) name the retries after the first attempt.
    max_retries: optionalInteger().pipe(z.number().min(0, { error: 'at least 0' }).optional()),
    initial_delay: number(1).pipe(z.number().min(0, { error: 'at least 0 seconds' })),
    backoff_multiplier: number(2).pipe(z.number().min(1, { error: 'at least 1' })),
  }),
  ports: { outputs: ['attempt', 'last_error'], exec: ['retry_body', 'success', 'failed', 'exec_out'] },
  run: (config, execution): NodeOutcome => {
    const maxAttempts = config.max_attempts ?? (config.max_retries === undefined ? 3 : config.max_retries + 1);
    const attempt = execution.iteration + 1;
    const lastError = execution.handlingError?.message ?? null;
    if (attempt <= maxAttempts) {
      // v1: no wait before the first attempt, then initial_delay * backoff^(n-2) seconds.
      const delayMs = attempt > 1 ? Math.round(config.initial_delay * config.backoff_multiplier ** (attempt - 2) * 1000) : 0;
      return { outputs: { attempt, last_error: lastError }, ports: ['retry_body'], iteration: attempt, ...(delayMs > 0 ? { sleepMs: delayMs } : {}) };
    }
    const message = lastError ?? 'Max retry attempts exceeded';
    if (!execution.connectedPorts.includes('failed')) throw new RetryExhaustedError(execution.node.id, maxAttempts, message);
    return { outputs: { attempt: maxAttempts, last_error: message }, ports: ['failed'] };
  },
});

const retrySuccessNode = defineNode({
  types: ['RetrySuccessNode'],
  effect: 'pure',
  config: z.looseObject({}),
  ports: { exec: ['exec_out'] },
  run: () => ({ outputs: {} }),
});

const retryFailNode = defineNode({
  types: ['RetryFailNode'],
  effect: 'pure',
  config: z.looseObject({ error_message: text('Operation failed') }),
  ports: { inputs: ['error_message'], outputs: ['error_message'], exec: ['exec_out'] },
  run: (config) => ({ outputs: { error_message: config.error_message } }),
});

const onErrorNode = defineNode({
  types: ['OnErrorNode'],
  effect: 'pure',
  config: z.looseObject({}),
  ports: { outputs: ['error_message', 'error_type', 'error_node', 'error_code', 'stack_trace'], exec: ['protected_body', 'on_error', 'finally', 'exec_out'] },
  run: (_config, execution) => {
    const error = execution.handlingError;
    return {
      outputs: {
        error_message: error?.message ?? '',
        error_type: error?.type ?? '',
        error_node: error?.nodeId ?? '',
        error_code: error?.code ?? '',
        stack_trace: '',
      },
    };
  },
});

/** Error handling node handlers: ThrowError, ErrorRecovery, LogError, Retry/RetrySuccess/RetryFail, OnError. */
export const errorHandlingNodeHandlers: readonly CatalogNodeHandler[] = [
  throwErrorNode,
  errorRecoveryNode,
  logErrorNode,
  retryNode,
  retrySuccessNode,
  retryFailNode,
  onErrorNode,
];
