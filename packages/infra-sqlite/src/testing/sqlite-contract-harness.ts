import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { stepRecordOf, type DurableRunner } from '@casare-rpa/application';
import type { CrashReport, DurableRunnerHarness, IncarnationReport, IncarnationRequest, RunnerSession, StoreSnapshot } from '@casare-rpa/testkit';
import { SqliteDurableRunner } from '../sqlite-durable-runner.js';
import { SqliteJournalStore } from '../sqlite-journal-store.js';
import { incarnationFiles, readEventsFile } from '@casare-rpa/testkit';
import { builtTestingScript, runNodeScript } from './child-process.js';

/** Options of `createSqliteContractHarness`. */
export interface SqliteContractHarnessOptions {
  /** Generated cases per property without `FC_NUM_RUNS`. */
  readonly defaultNumRuns?: number;
}

/**
 * The contract harness of the SQLite adapter. Crash scenarios run every incarnation in a child
 * process on built `dist/` that kills itself with SIGKILL at the crash point; each scenario has its
 * own journal file, so an incarnation recovers its scenario's run and nothing else. Plain tests get
 * an in-process runner whose `restart` halts it as a crash would and opens a new one on the file.
 */
export function createSqliteContractHarness(options: SqliteContractHarnessOptions = {}): DurableRunnerHarness {
  const workDir = mkdtempSync(join(tmpdir(), 'casare-sqlite-contract-'));
  const script = builtTestingScript('contract-child.js');
  const fileOf = (storeId: string): string => join(workDir, `${safe(storeId)}.db`);
  let sessions = 0;
  const open = new Set<SqliteDurableRunner>();

  return {
    timing: { retryIntervalMs: 20, sleepMs: 400 },
    defaultNumRuns: options.defaultNumRuns ?? 25,

    async runIncarnation(request: IncarnationRequest): Promise<IncarnationReport> {
      const files = incarnationFiles(join(workDir, `${safe(request.storeId)}-${request.incarnation}`));
      writeFileSync(files.request, JSON.stringify(request));
      const exit = await runNodeScript(
        script,
        [files.request, files.request.replace(/\.request\.json$/, '')],
        { CASARE_SQLITE_PATH: fileOf(request.storeId), CASARE_EXECUTOR_ID: 'contract' },
        120_000,
      );
      if (existsSync(files.report)) return JSON.parse(readFileSync(files.report, 'utf8')) as IncarnationReport;
      if (exit.signal !== 'SIGKILL' || !existsSync(files.crash)) {
        throw new Error(
          `incarnation ${request.incarnation} of ${request.storeId} ended without a report (code ${exit.code}, signal ${exit.signal}):\n${exit.stderr}`,
        );
      }
      return { crashed: JSON.parse(readFileSync(files.crash, 'utf8')) as CrashReport, ending: undefined, events: readEventsFile(files.events) };
    },

    inspect(storeId: string, runId: string): Promise<StoreSnapshot> {
      const store = SqliteJournalStore.open(fileOf(storeId));
      try {
        return Promise.resolve({ steps: store.steps(runId).map(stepRecordOf), persistedText: store.dump(runId) });
      } finally {
        store.close();
      }
    },

    disposeStore(storeId: string): Promise<void> {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${fileOf(storeId)}${suffix}`, { force: true });
      return Promise.resolve();
    },

    async openSession(setup: (runner: DurableRunner) => void): Promise<RunnerSession> {
      const path = join(workDir, `session-${sessions++}.db`);
      const launchRunner = async (): Promise<SqliteDurableRunner> => {
        const runner = new SqliteDurableRunner({ path, executorId: 'session', pollIntervalMs: 20 });
        open.add(runner);
        setup(runner);
        await runner.launch();
        return runner;
      };
      let runner = await launchRunner();
      return {
        get runner() {
          return runner;
        },
        now: () => Date.now(),
        settle: <T>(promise: Promise<T>) => promise,
        async restart(restartOptions) {
          runner.halt();
          open.delete(runner);
          if (restartOptions?.downtimeMs) await delay(restartOptions.downtimeMs);
          runner = await launchRunner();
        },
        async close() {
          await runner.shutdown();
          open.delete(runner);
        },
      };
    },

    async dispose() {
      for (const runner of open) await runner.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function safe(storeId: string): string {
  return storeId.replace(/[^A-Za-z0-9_-]/g, '_');
}
