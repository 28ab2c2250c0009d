import { DBOSClient } from '@dbos-inc/dbos-sdk';
import {
  errorCodeOf,
  RunNotFoundError,
  type RunInspector,
  type RunInspectorFilter,
  type RunSummary,
  type SignalDelivery,
  type SignalOptions,
  type StepRecord,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import pg from 'pg';
import { listQueryOf, stepRecordsOf, summaryOf } from './dbos-records.js';
import { DbosStderrLogger } from './dbos-logger.js';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { newSignalPool, sendDbosSignal } from './dbos-signals.js';
import { DatabaseUnavailableError } from './errors.js';
import { CASARE_DBOS_SERIALIZER } from './dbos-serializer.js';

/** PostgreSQL's "relation does not exist": a database DBOS never migrated holds no runs. */
const UNDEFINED_TABLE = '42P01';

/**
 * Read-only access to the runs in a DBOS system database (list, status, steps) plus cancel and
 * signal, for tools like `casare runs` and `casare tasks answer`, through a `DBOSClient`. Launching DBOS would make the process an executor
 * that re-queues that executor's pending runs (even ones another live process is executing); an
 * inspector recovers and dispatches nothing, and any number may be open in a process. A system
 * database that does not exist yet simply holds no runs (nothing is created).
 */
export class DbosRunInspector implements RunInspector {
  /** Connections `signal` sends in, opened at the first signal. */
  #pool: pg.Pool | undefined;

  private constructor(
    private readonly client: DBOSClient | undefined,
    /** The configuration it was opened with. */
    readonly config: DbosRunnerConfig,
  ) {}

  /** Opens an inspector on the configured system database; `DatabaseUnavailableError` when it cannot be reached. */
  static async open(config: DbosRunnerConfig): Promise<DbosRunInspector> {
    if (!(await systemDatabaseExists(config.databaseUrl))) return new DbosRunInspector(undefined, config);
    const client = await DBOSClient.create({
      systemDatabaseUrl: config.databaseUrl,
      applicationName: config.applicationName,
      logger: new DbosStderrLogger(config.logLevel, config.databaseUrl),
      serializer: CASARE_DBOS_SERIALIZER,
    });
    return new DbosRunInspector(client, config);
  }

  /** Runs matching the filter, most recent first; `queue` is DBOS's record of the queue that dispatched each run. */
  async list(filter: RunInspectorFilter = {}): Promise<readonly RunSummary[]> {
    const query = { ...listQueryOf(filter), ...(filter.queue === undefined ? {} : { queueName: filter.queue }) };
    return this.#read([], async (client) => (await client.listWorkflows(query)).map(summaryOf));
  }

  /** What the store knows about one run. */
  async status(runId: string): Promise<RunSummary> {
    const status = await this.#read(undefined, (client) => client.getWorkflow(runId));
    if (status === undefined) throw new RunNotFoundError(runId);
    return summaryOf(status);
  }

  /**
   * The input a run was started with (for casare runs, its `ExecuteWorkflowInput`: the workflow
   * document, variables, source file). One read per run, of the whole document: callers read it for
   * one run, not for every run of a list.
   */
  async input(runId: string): Promise<Json | undefined> {
    const status = await this.#read(undefined, (client) => client.getWorkflow(runId));
    if (status === undefined) throw new RunNotFoundError(runId);
    return (status.input?.[0] ?? undefined) as Json | undefined;
  }

  /** Recorded steps of a run, by index (DBOS function id). */
  async steps(runId: string): Promise<readonly StepRecord[]> {
    await this.status(runId);
    return this.#read([], async (client) => stepRecordsOf((await client.listWorkflowSteps(runId)) ?? []));
  }

  /** Cancels a run: it stops before its next step, wherever it executes. */
  async cancel(runId: string): Promise<void> {
    await this.status(runId);
    await this.#read(undefined, (client) => client.cancelWorkflow(runId));
  }

  /** Sends the run a DBOS message (see `sendDbosSignal`): its worker's `recv` takes it, now or on recovery. */
  async signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> {
    if (this.client === undefined) throw new RunNotFoundError(runId);
    this.#pool ??= newSignalPool(this.config.databaseUrl);
    return sendDbosSignal(this.#pool, this.client, runId, name, value, options);
  }

  /** Releases the connections. */
  async close(): Promise<void> {
    await Promise.allSettled([this.client?.destroy(), this.#pool?.end()]);
  }

  async #read<T>(empty: T, query: (client: DBOSClient) => Promise<T>): Promise<T> {
    if (this.client === undefined) return empty;
    try {
      return await query(this.client);
    } catch (error) {
      if (errorCodeOf(error) === UNDEFINED_TABLE) return empty;
      throw error;
    }
  }
}

/** Whether the system database exists, without creating it; unreachable servers fail clearly. */
async function systemDatabaseExists(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (errorCodeOf(error) === '3D000') return false;
    throw new DatabaseUnavailableError(databaseUrl, error);
  } finally {
    await client.end().catch(() => {});
  }
}
