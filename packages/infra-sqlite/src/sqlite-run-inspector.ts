import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  cloneJson,
  deliverJournalSignal,
  RunNotFoundError,
  runSummaryOf,
  stepRecordOf,
  type RunFilter,
  type RunInspector,
  type RunSummary,
  type SignalDelivery,
  type SignalOptions,
  type StepRecord,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { SqliteJournalStore, type SqliteJournalStoreOptions } from './sqlite-journal-store.js';

/**
 * Read-only access to the runs of a SQLite journal (list, status, steps) plus cancel and signal, for
 * tools like `casare runs` and `casare tasks answer`. It is no executor: it never recovers, claims or runs anything, so it never touches
 * a run another process executes (a cancel is seen by that process before its next step). A file
 * that does not exist yet holds no runs, and opening the inspector does not create it.
 */
export class SqliteRunInspector implements RunInspector {
  private constructor(private readonly store: SqliteJournalStore | undefined) {}

  /** Opens an inspector on the journal at `path`; `SqliteJournalError` when the file cannot be used. */
  static async open(path: string, options: SqliteJournalStoreOptions = {}): Promise<SqliteRunInspector> {
    await Promise.resolve();
    return new SqliteRunInspector(existsSync(resolve(path)) ? SqliteJournalStore.open(path, options) : undefined);
  }

  list(filter: RunFilter = {}): Promise<readonly RunSummary[]> {
    return Promise.resolve((this.store?.listRuns(filter) ?? []).map(runSummaryOf));
  }

  status(runId: string): Promise<RunSummary> {
    const run = this.store?.getRun(runId);
    return run ? Promise.resolve(runSummaryOf(run)) : Promise.reject(new RunNotFoundError(runId));
  }

  input(runId: string): Promise<Json | undefined> {
    const run = this.store?.getRun(runId);
    return run ? Promise.resolve(cloneJson(run.input)) : Promise.reject(new RunNotFoundError(runId));
  }

  async steps(runId: string): Promise<readonly StepRecord[]> {
    await this.status(runId);
    return (this.store?.steps(runId) ?? []).map(stepRecordOf);
  }

  cancel(runId: string): Promise<void> {
    const run = this.store?.cancelRun(runId, Date.now());
    return run ? Promise.resolve() : Promise.reject(new RunNotFoundError(runId));
  }

  /** Keeps a signal for the run; the process executing it takes it at its next poll, or on recovery. */
  signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> {
    if (!this.store) return Promise.reject(new RunNotFoundError(runId));
    try {
      return Promise.resolve(deliverJournalSignal(this.store, runId, name, value, options, Date.now()));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): Promise<void> {
    this.store?.close();
    return Promise.resolve();
  }
}
