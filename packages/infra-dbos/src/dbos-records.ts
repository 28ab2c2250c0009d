import type { DBOS, GetWorkflowsInput, WorkflowStatus, WorkflowStatusString } from '@dbos-inc/dbos-sdk';
import {
  NOW_STEP_NAME,
  SLEEP_STEP_NAME,
  waitOutputOf,
  type RunFilter,
  type RunStatus,
  type RunSummary,
  type StepKind,
  type StepRecord,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { signalWaitOfMessage, type DbosSignalEnvelope } from './dbos-signals.js';

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

/** Function name DBOS records for `DBOS.sleep` (its `DBOS_FUNCNAME_SLEEP`, which the SDK does not export). */
export const DBOS_SLEEP_NAME = 'DBOS.sleep';
/** Function name DBOS records for `DBOS.now`. */
export const DBOS_NOW_NAME = 'DBOS.now';
/** Function name DBOS records for `DBOS.recv` (its `DBOS_FUNCNAME_RECV`). */
export const DBOS_RECV_NAME = 'DBOS.recv';

/**
 * What a function name DBOS recorded stands for, with the name the port gives it: DBOS's own sleep
 * and clock read become `sleep` and `now`, as in the in-memory runner; anything else is a
 * `ctx.step`, under the name its caller gave. (DBOS records a `runStep` named `DBOS.sleep` under
 * the same name as its sleep, so such a step would read as a sleep; nodes are not named so.)
 */
export function portStepOf(dbosName: string): { readonly kind: StepKind; readonly name: string } {
  if (dbosName === DBOS_SLEEP_NAME) return { kind: 'sleep', name: SLEEP_STEP_NAME };
  if (dbosName === DBOS_NOW_NAME) return { kind: 'now', name: NOW_STEP_NAME };
  // DBOS records no topic with a recv: `stepRecordsOf` names a received one by its message.
  if (dbosName === DBOS_RECV_NAME) return { kind: 'wait', name: '' };
  return { kind: 'step', name: dbosName };
}

/**
 * A DBOS workflow's recorded operations as `StepRecord`s. A wait for a signal is DBOS's `recv`: its
 * record becomes a step of kind `wait` whose output is the `SignalWait` and whose name is the
 * signal's (from the message; DBOS keeps no name for a wait that timed out, so that one is unnamed).
 * The durable timer DBOS records at the next function id (a `DBOS.sleep` right after a recv, or
 * after a recv not recorded yet: a wait in progress) is the wait's, not a sleep of the body, and
 * is left out.
 */
export function stepRecordsOf(steps: readonly StepInfo[]): StepRecord[] {
  const byIndex = new Map(steps.map((step) => [step.functionID, step]));
  const records: StepRecord[] = [];
  for (const step of steps) {
    if (step.name === DBOS_SLEEP_NAME && step.functionID > 0) {
      const before = byIndex.get(step.functionID - 1);
      if (before === undefined || before.name === DBOS_RECV_NAME) continue;
    }
    const record = stepRecordOf(step);
    if (step.name !== DBOS_RECV_NAME || record.status !== 'completed') {
      records.push(record);
      continue;
    }
    const wait = signalWaitOfMessage(step.output);
    const signal = (step.output as Partial<DbosSignalEnvelope> | null)?.signal;
    records.push({ ...record, name: typeof signal === 'string' ? signal : '', output: waitOutputOf(wait) });
  }
  return records;
}

/** A recorded DBOS operation as a `StepRecord` (index = DBOS function id). */
export function stepRecordOf(step: StepInfo): StepRecord {
  const head = { index: step.functionID, ...portStepOf(step.name) };
  const timing = {
    ...(step.startedAtEpochMs === undefined ? {} : { startedAt: step.startedAtEpochMs }),
    ...(step.completedAtEpochMs === undefined ? {} : { completedAt: step.completedAtEpochMs }),
  };
  if (step.error !== null) {
    return { ...head, status: 'failed', error: errorMessageOf(step.error) ?? 'unknown error', ...timing };
  }
  return { ...head, status: 'completed', output: (step.output ?? null) as Json, ...timing };
}

function errorMessageOf(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
