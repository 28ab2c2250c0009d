import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChildRunRequest, ChildRunResult, ChildRuns, DurableRunner, ExecuteWorkflowUseCase, ValidateWorkflowUseCase } from '@casare-rpa/application';
import { isJsonObject, type Json, type JsonObject } from '@casare-rpa/domain';
import { TRIGGER_EVENT_VARIABLE, type TriggerEvent } from '@casare-rpa/nodes';
import { settleReport } from './run-output.js';
import { loadWorkflowFile } from './workflow-file.js';

/** `ChildRuns` was asked for a child before the composition root attached the runner. */
export class ChildRunsNotReadyError extends Error {
  /** Stable code. */
  readonly code = 'CHILD_RUNS_NOT_READY';
  constructor() {
    super('child workflows cannot start: the runner is not attached yet');
    this.name = 'ChildRunsNotReadyError';
  }
}

/** The services a child run is started with, attached once the container has built them. */
interface ChildRunServices {
  readonly runner: DurableRunner;
  readonly executeWorkflow: ExecuteWorkflowUseCase;
  readonly validateWorkflow: ValidateWorkflowUseCase;
}

/**
 * `ChildRuns` over the CLI's own `DurableRunner` and `ExecuteWorkflowUseCase.start`: the child is a
 * run like any other (listed, recovered, resumable), started under the id the node derives from its
 * step's idempotency key, and its input names its parent (`trigger_event.outputs.caller_run_id`).
 */
export class ExecuteWorkflowChildRuns implements ChildRuns {
  // The node runs inside a durable step; DBOS refuses to start a workflow from a step, and a
  // child is not a step's sub-operation anyway: it is its own run. Starting and awaiting it in the
  // async context captured here, outside any run, keeps the parent's step context out of it.
  readonly #outside = AsyncLocalStorage.snapshot();
  #services: ChildRunServices | undefined;

  /** Gives the services children run on; the composition root calls it once they exist. */
  attach(services: ChildRunServices): void {
    this.#services = services;
  }

  async runChild(request: ChildRunRequest): Promise<ChildRunResult> {
    const services = this.#services;
    if (services === undefined) throw new ChildRunsNotReadyError();
    const file = await loadWorkflowFile(request.workflowFile, request.workingDirectory, 'run');
    services.validateWorkflow.validate(file.document, file.label);
    const event: TriggerEvent = {
      node_id: callTriggerIdOf(file.document) ?? '',
      type: 'WorkflowCallTriggerNode',
      outputs: {
        params: request.params,
        caller_workflow_id: request.parentRunId,
        caller_run_id: request.parentRunId,
        caller_node_id: request.parentNodeId,
        call_id: request.childRunId,
      },
    };
    const inputs: JsonObject = { ...request.params, [TRIGGER_EVENT_VARIABLE]: event };
    const handle = await this.#outside(() =>
      services.executeWorkflow.start(
        services.runner,
        { document: file.document as Json, inputs, workingDirectory: request.workingDirectory, source: file.label },
        { runId: request.childRunId },
      ),
    );
    const report = await this.#outside(() => untilAborted(settleReport(handle), request.signal));
    // The report speaks the CLI's status words; the port keeps the run result's.
    return { runId: report.runId, status: report.status === 'succeeded' ? 'completed' : report.status, variables: report.variables, error: report.error };
  }
}

/** Id of the first WorkflowCallTriggerNode of a v1 document, if it has one. */
function callTriggerIdOf(document: unknown): string | undefined {
  const nodes = isJsonObject(document) ? document['nodes'] : undefined;
  if (!isJsonObject(nodes ?? null)) return undefined;
  for (const [id, node] of Object.entries(nodes as JsonObject)) {
    if (isJsonObject(node) && node['node_type'] === 'WorkflowCallTriggerNode') return typeof node['node_id'] === 'string' ? node['node_id'] : id;
  }
  return undefined;
}

/** `promise`, or a rejection with the signal's reason once it aborts (the child keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
