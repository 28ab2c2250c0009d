import { CHILD_RUNS, NODE_HANDLER, type ChildRuns, type NodeHandler } from '@casare-rpa/application';
import type { NodeError } from '@casare-rpa/domain';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { boolean, dict, integer, oneOf, optionalText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';

/** A child workflow run ended without completing and the calling node has no `error` port connected. */
export class ChildRunFailedError extends Error {
  /** Stable code. */
  readonly code = 'CHILD_RUN_FAILED';
  /** Starting the same child id again returns the same ended run: a retry cannot help. */
  readonly retryable = false;
  constructor(
    /** The calling node. */
    readonly nodeId: string,
    /** The child's run id. */
    readonly childRunId: string,
    /** How the child ended. */
    readonly status: 'failed' | 'cancelled',
    /** The child's error, if any. */
    readonly childError: NodeError | null,
  ) {
    super(`nodes.${nodeId}: child run ${childRunId} ${status}${childError ? `: ${childError.message}` : ''}`);
    this.name = 'ChildRunFailedError';
  }
}

const FILE_FIELDS = ['workflow_path', 'workflow_file', 'subworkflow_id', 'subflow_path', 'subflow_id'] as const;

const childWorkflowConfig = z.looseObject({
  workflow_path: optionalText(),
  workflow_file: optionalText(),
  subworkflow_id: optionalText(),
  subflow_path: optionalText(),
  subflow_id: optionalText(),
  params: dict(),
  inputs: dict(),
  execution_mode: oneOf(['sync', 'async'], 'sync'),
  wait_for_result: boolean(true),
  timeout_seconds: integer(300),
});

/** Suffix of a child run id after the parent step's idempotency key. */
export const CHILD_RUN_SUFFIX = ':child';

/**
 * The node that runs another workflow file and waits for its result (v1 `CallSubworkflowNode`,
 * `ExecuteWorkflowNode`, `SubflowNode`). The child's run id is the parent step's idempotency key
 * plus `:child`, so a parent that crashes after starting its child finds that child on recovery.
 */
export function childWorkflowNode(childRuns: ChildRuns): CatalogNodeHandler {
  return defineNode({
    types: ['CallSubworkflowNode', 'ExecuteWorkflowNode', 'SubflowNode'],
    config: childWorkflowConfig,
    ports: { inputs: ['params'], outputs: ['result', 'success', 'child_run_id', 'job_id', 'error'], exec: ['exec_out', 'error'] },
    run: async (config, execution) => {
      const field = FILE_FIELDS.find((name) => config[name] !== undefined);
      if (field === undefined)
        throw new ConfigFieldError('workflow_path', 'required: the workflow file to run (workflow_path, subworkflow_id or subflow_path)');
      if (config.execution_mode === 'async' && !config.wait_for_result) {
        throw new ConfigFieldError('wait_for_result', 'false is not supported: the node always waits for its child run');
      }
      const childRunId = `${execution.idempotencyKey}${CHILD_RUN_SUFFIX}`;
      const signal = AbortSignal.any([execution.signal, AbortSignal.timeout(config.timeout_seconds * 1000)]);
      const result = await childRuns.runChild({
        childRunId,
        workflowFile: config[field] ?? '',
        params: { ...config.inputs, ...config.params },
        parentRunId: execution.runId,
        parentNodeId: execution.node.id,
        workingDirectory: execution.workingDirectory,
        signal,
      });
      const outputs = { result: result.variables, success: result.status === 'completed', child_run_id: childRunId, job_id: childRunId };
      if (result.status === 'completed') return { outputs: { ...outputs, error: null } };
      if (execution.connectedPorts.includes('error')) return { outputs: { ...outputs, error: result.error?.message ?? result.status }, ports: ['error'] };
      throw new ChildRunFailedError(execution.node.id, childRunId, result.status, result.error);
    },
  });
}

/** Adds the child workflow node to the catalog's `NODE_HANDLER`s, over the container's `CHILD_RUNS`. */
export const childWorkflowContainerModule = new ContainerModule(({ bind }) => {
  bind<NodeHandler>(NODE_HANDLER)
    .toDynamicValue((context) => childWorkflowNode(context.get<ChildRuns>(CHILD_RUNS)))
    .inSingletonScope();
});
