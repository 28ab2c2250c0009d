import type { DBOS, GetWorkflowsInput, WorkflowStatus, WorkflowStatusString } from '@dbos-inc/dbos-sdk';
import type { RunFilter, RunStatus, RunSummary, StepRecord } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';

// How DBOS's records read as the port's: shared by the runner and the read-only test inspector.

/** One recorded operation of a DBOS workflow, as `listWorkflowSteps` returns it (not exported by the SDK). */
type StepInfo = NonNullable<Awaited<ReturnType<typeof DBOS.listWorkflowSteps>>>[number];

/** DBOS statuses behind each port status. */
export const DBOS_STATUSES: Record<RunStatus, WorkflowStatusString[]> = {
  pending: ['PENDING'],
  enqueued: ['ENQUEUED', 'DELAYED'],
  succeeded: ['SUCCESS'],
  failed: ['ERROR', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'],
  cancelled: ['CANCELLED'],
};

/** The DBOS query behind a `RunFilter`: most recent first, with outputs (a failed run's error is one). */
export function listQueryOf(filter: RunFilter): GetWorkflowsInput {
  return {
    ...(filter.status === undefined ? {} : { status: DBOS_STATUSES[filter.status] }),
    ...(filter.workflowName === undefined ? {} : { workflowName: filter.workflowName }),
    ...(filter.limit === undefined ? {} : { limit: filter.limit }),
    sortDesc: true,
    loadInput: false,
    loadOutput: true,
  };
}

function runStatusOf(status: string): RunStatus {
  for (const [runStatus, dbosStatuses] of Object.entries(DBOS_STATUSES) as [RunStatus, string[]][]) {
    if (dbosStatuses.includes(status)) return runStatus;
  }
  return 'pending';
}

/** A DBOS workflow status as a `RunSummary`. */
export function summaryOf(status: WorkflowStatus): RunSummary {
  const error = errorMessageOf(status.error);
  return {
    runId: status.workflowID,
    workflowName: status.workflowName,
    status: runStatusOf(status.status),
    createdAt: status.createdAt,
    updatedAt: status.updatedAt ?? status.createdAt,
    ...(error === undefined ? {} : { error }),
    ...(status.executorId === undefined ? {} : { executorId: status.executorId }),
    ...(status.applicationVersion === undefined ? {} : { applicationVersion: status.applicationVersion }),
    // DBOS stamps dequeuedAt when a queue dispatches the run; casare starts runs directly, so only
    // recovery, resume and fork (which go through DBOS's internal queue) set it.
    ...(status.dequeuedAt === undefined ? {} : { resumedAt: status.dequeuedAt }),
  };
}

/** A recorded DBOS operation as a `StepRecord` (index = DBOS function id). */
export function stepRecordOf(step: StepInfo): StepRecord {
  const timing = {
    ...(step.startedAtEpochMs === undefined ? {} : { startedAt: step.startedAtEpochMs }),
    ...(step.completedAtEpochMs === undefined ? {} : { completedAt: step.completedAtEpochMs }),
  };
  if (step.error !== null) {
    return { index: step.functionID, name: step.name, status: 'failed', error: errorMessageOf(step.error) ?? 'unknown error', ...timing };
  }
  return { index: step.functionID, name: step.name, status: 'completed', output: (step.output ?? null) as Json, ...timing };
}

function errorMessageOf(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
