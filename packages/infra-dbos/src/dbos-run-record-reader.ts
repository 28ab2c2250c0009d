import { DBOSClient, type WorkflowStatus } from '@dbos-inc/dbos-sdk';
import { errorCodeOf, type RunFilter, type RunSummary } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import pg from 'pg';
import { listQueryOf, summaryOf } from './dbos-records.js';
import { DbosStderrLogger } from './dbos-logger.js';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { DatabaseUnavailableError } from './errors.js';
import { CASARE_DBOS_SERIALIZER } from './dbos-serializer.js';

/** PostgreSQL's "relation does not exist": a database DBOS never migrated holds no runs. */
const UNDEFINED_TABLE = '42P01';

/** One run as DBOS recorded it, with what `DbosRunInspector` leaves out: its input, output and queue. */
export interface DbosRunRecord {
  /** The run's summary, as the inspector reads it. */
  readonly summary: RunSummary;
  /** The first argument the workflow body was started with (for casare runs, the `ExecuteWorkflowInput`). */
  readonly input: Json | undefined;
  /** What the body returned, for a run that succeeded. */
  readonly output: Json | undefined;
  /** DBOS queue the run went through, if any. */
  readonly queueName: string | undefined;
}

/** `RunFilter` plus the DBOS queue name. */
export interface DbosRunRecordFilter extends RunFilter {
  /** Only runs dispatched through this queue. */
  readonly queueName?: string;
}

/**
 * Reads runs with their inputs (the workflow document a run was started with) from a DBOS system
 * database, through a `DBOSClient`: read-only, launches nothing, recovers nothing. A database that
 * does not exist yet holds no runs. Kept apart from `DbosRunInspector`, whose list leaves inputs out
 * because `casare runs list` does not need them.
 */
export class DbosRunRecordReader {
  private constructor(private readonly client: DBOSClient | undefined) {}

  /** Opens a reader on the configured system database; `DatabaseUnavailableError` when it cannot be reached. */
  static async open(config: DbosRunnerConfig): Promise<DbosRunRecordReader> {
    if (!(await systemDatabaseExists(config.databaseUrl))) return new DbosRunRecordReader(undefined);
    const client = await DBOSClient.create({
      systemDatabaseUrl: config.databaseUrl,
      applicationName: config.applicationName,
      logger: new DbosStderrLogger(config.logLevel, config.databaseUrl),
      serializer: CASARE_DBOS_SERIALIZER,
    });
    return new DbosRunRecordReader(client);
  }

  /** Runs matching the filter, most recent first, with their inputs. */
  async list(filter: DbosRunRecordFilter = {}): Promise<readonly DbosRunRecord[]> {
    const query = { ...listQueryOf(filter), loadInput: true, ...(filter.queueName === undefined ? {} : { queueName: filter.queueName }) };
    return this.#read([], async (client) => (await client.listWorkflows(query)).map(recordOf));
  }

  /** One run with its input, or undefined when no run has this id. */
  async record(runId: string): Promise<DbosRunRecord | undefined> {
    const query = { workflowIDs: [runId], loadInput: true, loadOutput: true };
    const [status] = await this.#read([], (client) => client.listWorkflows(query));
    return status === undefined ? undefined : recordOf(status);
  }

  /** Releases the connections. */
  async close(): Promise<void> {
    await this.client?.destroy();
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

function recordOf(status: WorkflowStatus): DbosRunRecord {
  const succeeded = summaryOf(status).status === 'succeeded';
  return {
    summary: summaryOf(status),
    input: (Array.isArray(status.input) ? status.input[0] : undefined) as Json | undefined,
    output: succeeded ? (status.output as Json | undefined) : undefined,
    queueName: status.queueName,
  };
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
