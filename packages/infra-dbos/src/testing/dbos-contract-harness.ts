import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DBOSClient } from '@dbos-inc/dbos-sdk';
import type { DurableRunner } from '@casare-rpa/application';
import type { CrashReport, DurableRunnerHarness, IncarnationReport, IncarnationRequest, RunnerSession, StoreSnapshot } from '@casare-rpa/testkit';
import { DbosDurableRunner } from '../dbos-durable-runner.js';
import { stepRecordsOf } from '../dbos-records.js';
import { dbosRunnerConfigFromEnv, DEFAULT_APPLICATION_NAME } from '../dbos-runner-config.js';
import { incarnationFiles, readEventsFile } from '@casare-rpa/testkit';
import { builtTestingScript, runNodeScript } from './child-process.js';
import { TestSystemDatabase } from './test-database.js';
import { CASARE_DBOS_SERIALIZER } from '../dbos-serializer.js';

/** Options of `createDbosContractHarness`. */
export interface DbosContractHarnessOptions {
  /** Names the test file's system database. */
  readonly label: string;
  /** Generated cases per property without `FC_NUM_RUNS`. */
  readonly defaultNumRuns?: number;
}

/** Tables of the DBOS system database that hold rows keyed by workflow id. */
const RUN_TABLES = ['workflow_status', 'workflow_input', 'workflow_output', 'operation_outputs', 'workflow_events', 'workflow_events_history', 'streams'];

/**
 * The contract harness of the DBOS adapter. Crash scenarios run every incarnation in a child
 * process on built `dist/` that kills itself with SIGKILL at the crash point; each scenario's store is
 * its own executor id and application version in the test file's system database, so an incarnation
 * recovers its scenario's run and nothing else. Plain tests get an in-process runner whose
 * `restart` halts it as a crash would and launches a new one.
 */
export async function createDbosContractHarness(options: DbosContractHarnessOptions): Promise<DurableRunnerHarness> {
  const database = new TestSystemDatabase(options.label);
  await database.create();
  const workDir = mkdtempSync(join(tmpdir(), `casare-${options.label}-`));
  const client = await DBOSClient.create({ systemDatabaseUrl: database.url, applicationName: DEFAULT_APPLICATION_NAME, serializer: CASARE_DBOS_SERIALIZER });
  const script = builtTestingScript('contract-child.js');
  let sessions = 0;
  let open: DbosDurableRunner | undefined;

  const storeEnv = (storeId: string): Record<string, string> => ({
    CASARE_DATABASE_URL: database.url,
    CASARE_EXECUTOR_ID: `contract-${storeId}`,
    CASARE_APP_VERSION: `contract-${storeId}`,
    CASARE_DBOS_LOG_LEVEL: 'error',
  });

  return {
    // A recovered run waits up to a second for DBOS's queue to dispatch it: the sleep must outlast that.
    timing: { retryIntervalMs: 20, sleepMs: 3_000 },
    defaultNumRuns: options.defaultNumRuns ?? 25,

    async runIncarnation(request: IncarnationRequest): Promise<IncarnationReport> {
      const files = incarnationFiles(join(workDir, `${safe(request.storeId)}-${request.incarnation}`));
      writeFileSync(files.request, JSON.stringify(request));
      const exit = await runNodeScript(script, [files.request, files.request.replace(/\.request\.json$/, '')], storeEnv(request.storeId), 120_000);
      if (existsSync(files.report)) return JSON.parse(readFileSync(files.report, 'utf8')) as IncarnationReport;
      if (exit.signal !== 'SIGKILL' || !existsSync(files.crash)) {
        throw new Error(
          `incarnation ${request.incarnation} of ${request.storeId} ended without a report (code ${exit.code}, signal ${exit.signal}):\n${exit.stderr}`,
        );
      }
      return { crashed: JSON.parse(readFileSync(files.crash, 'utf8')) as CrashReport, ending: undefined, events: readEventsFile(files.events) };
    },

    async inspect(_storeId: string, runId: string): Promise<StoreSnapshot> {
      const steps = stepRecordsOf((await client.listWorkflowSteps(runId)) ?? []);
      const texts: string[] = [];
      for (const table of RUN_TABLES) {
        const rows = await database.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM dbos.${table} t WHERE workflow_uuid = $1`, [runId]);
        for (const { row } of rows) texts.push(...Object.values(row).map((value) => (typeof value === 'string' ? value : JSON.stringify(value))));
      }
      return { steps, persistedText: texts.join('\n') };
    },

    async openSession(setup: (runner: DurableRunner) => void): Promise<RunnerSession> {
      // Each session is its own executor and version: it recovers its own pending runs only.
      const id = `session-${sessions++}`;
      const config = dbosRunnerConfigFromEnv({}, { databaseUrl: database.url, executorId: id, applicationVersion: id, logLevel: 'error' });
      const launchRunner = async (): Promise<DbosDurableRunner> => {
        const runner = new DbosDurableRunner(config);
        setup(runner);
        open = runner;
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
          await runner.halt();
          if (restartOptions?.downtimeMs) await delay(restartOptions.downtimeMs);
          runner = await launchRunner();
        },
        async close() {
          await runner.shutdown();
          open = undefined;
        },
      };
    },

    async dispose() {
      await open?.shutdown();
      await client.destroy();
      await database.drop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function safe(storeId: string): string {
  return storeId.replace(/[^A-Za-z0-9_-]/g, '_');
}
