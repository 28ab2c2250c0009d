import { JournalDurableRunner, type Clock, type StepPoint } from '@casare-rpa/application';
import { SqliteJournalStore } from './sqlite-journal-store.js';
import type { SqliteRunnerConfig } from './sqlite-runner-config.js';

/** Options of `SqliteDurableRunner`: the configuration, and test hooks. */
export interface SqliteDurableRunnerOptions extends Partial<SqliteRunnerConfig> {
  /** Journal file (created with its directory when missing). */
  readonly path: string;
  /**
   * Time for sleeps, retry waits and `now()`.
   * @default the system clock
   */
  readonly clock?: Clock;
  /** Called at each `StepPhase`; call `runner.crash()` in it to drop the runner dead right there. */
  readonly onStepPoint?: (point: StepPoint, runner: SqliteDurableRunner) => void;
}

/**
 * `DurableRunner` on a SQLite file with no server: the shared `JournalDurableRunner` core over a
 * `SqliteJournalStore`. Opening the runner opens the file (`SqliteJournalError` when it cannot be
 * used); `shutdown()` closes it. Several processes may share one file, each with its own executor
 * id or the same one: a run is executed by one process at a time, and `launch()` recovers the
 * pending runs of its executor whose process died.
 *
 * Unset options take the defaults of `SqliteRunnerConfig`: executor `casare-local`, `synchronous`
 * `FULL`, busy timeout 5000 ms, polling every 100 ms.
 *
 * @throws `SqliteJournalError` from the constructor when the file cannot be used: `SQLITE_LOCKED`,
 *   `SQLITE_NOT_CASARE`, `SQLITE_CORRUPT`, `SQLITE_UNWRITABLE`, `SQLITE_NEWER_SCHEMA`, `SQLITE_IO`.
 * @example
 * ```ts
 * const runner = new SqliteDurableRunner(sqliteRunnerConfigFromEnv(process.env, process.cwd()));
 * useCase.registerWith(runner);
 * await runner.launch(); // resumes this executor's runs whose process died
 * const result = await settleRun(await useCase.start(runner, input));
 * await runner.shutdown(); // closes the file
 * ```
 */
export class SqliteDurableRunner extends JournalDurableRunner {
  /** The journal this runner records into. */
  readonly journal: SqliteJournalStore;

  constructor(options: SqliteDurableRunnerOptions) {
    const journal = SqliteJournalStore.open(options.path, {
      ...(options.synchronous ? { synchronous: options.synchronous } : {}),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    });
    const hook = options.onStepPoint;
    super({
      store: journal,
      executorId: options.executorId ?? 'casare-local',
      pollIntervalMs: options.pollIntervalMs ?? 100,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(hook ? { onStepPoint: (point: StepPoint, runner: JournalDurableRunner) => hook(point, runner as SqliteDurableRunner) } : {}),
    });
    this.journal = journal;
  }

  /** Stops the runner and closes the file; pending runs stay pending for a later launch. */
  override async shutdown(): Promise<void> {
    await super.shutdown();
    this.journal.close();
  }

  /** Stops the runner as a crash would (nothing recorded, nothing settled) and closes the file. */
  halt(): void {
    this.crash();
    this.journal.close();
  }
}
