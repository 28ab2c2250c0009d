import type { Json } from '@casare-rpa/domain';
import type { RunSummary, StepRecord } from '../ports/durable-runner.js';
import type { JournalError, JournalRunRecord, JournalStep } from './journal-store.js';

/** A JSON deep copy of a value, so a journal never shares objects with a running body. */
export function cloneJson<T extends Json>(value: T): T {
  if (value === undefined) return null as T;
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The journal form of a thrown value: name, message and enumerable data. */
export function toJournalError(error: unknown): JournalError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), data: {} };
  const data: Record<string, Json> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) data[key] = JSON.parse(json) as Json;
    } catch {
      // Cyclic or otherwise unserialisable data is dropped, as a database serializer would.
    }
  }
  return { name: error.name, message: error.message, data };
}

/** An `Error` rebuilt from its journal form: same name, message and data (`code`...), not the same class. */
export function fromJournalError(error: JournalError): Error {
  const rebuilt = new Error(error.message);
  Object.assign(rebuilt, cloneJson(error.data));
  rebuilt.name = error.name;
  return rebuilt;
}

/** The port's view of a journal run. */
export function runSummaryOf(run: JournalRunRecord): RunSummary {
  const summary: RunSummary = {
    runId: run.runId,
    workflowName: run.workflowName,
    status: run.status,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    executorId: run.executorId,
    ...(run.resumedAt === undefined ? {} : { resumedAt: run.resumedAt }),
  };
  return run.error ? { ...summary, error: run.error.message } : summary;
}

/** The port's view of a journal step. */
export function stepRecordOf(step: JournalStep): StepRecord {
  const record: StepRecord = {
    index: step.index,
    kind: step.kind,
    name: step.name,
    status: step.status,
    startedAt: step.startedAt,
    completedAt: step.completedAt,
  };
  if (step.status === 'failed') return { ...record, error: step.error?.message ?? 'step failed' };
  return { ...record, output: cloneJson(step.output ?? null) };
}
