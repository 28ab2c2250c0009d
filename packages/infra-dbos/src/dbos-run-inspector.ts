import { DBOSClient } from '@dbos-inc/dbos-sdk';
import { RunNotFoundError, type DurableRunner, type RunFilter, type RunSummary, type StepRecord } from '@casare-rpa/application';
import { DBOS_STATUSES, stepRecordOf, summaryOf } from './dbos-records.js';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { DatabaseUnavailableError } from './errors.js';
import { prepareSystemDatabase } from './system-database.js';

/**
 * Reads and cancels runs in the DBOS system database without launching DBOS. Launching makes a
 * process an executor: DBOS would re-queue that executor's pending runs (even ones another live
 * process is executing) and this process might start them. Inspection (`casare runs list|show|cancel`)
 * must not, so it goes through a `DBOSClient`, which only reads and writes the tables.
 */
export class DbosRunInspector implements Pick<DurableRunner, 'list' | 'steps' | 'cancel'> {
  private constructor(private readonly client: DBOSClient) {}

  /** Connects to the system database of `config` (created when missing, like the runner does). */
  static async open(config: DbosRunnerConfig): Promise<DbosRunInspector> {
    await prepareSystemDatabase(config.databaseUrl);
    try {
      return new DbosRunInspector(await DBOSClient.create({ systemDatabaseUrl: config.databaseUrl, applicationName: config.applicationName }));
    } catch (error) {
      throw new DatabaseUnavailableError(config.databaseUrl, error);
    }
  }

  /** Runs matching the filter, most recent first (as `DbosDurableRunner.list`). */
  async list(filter: RunFilter = {}): Promise<readonly RunSummary[]> {
    const statuses = await this.client.listWorkflows({
      ...(filter.status === undefined ? {} : { status: DBOS_STATUSES[filter.status] }),
      ...(filter.workflowName === undefined ? {} : { workflowName: filter.workflowName }),
      ...(filter.limit === undefined ? {} : { limit: filter.limit }),
      sortDesc: true,
      loadInput: false,
      loadOutput: true,
    });
    return statuses.map(summaryOf);
  }

  /** The run's summary; `RunNotFoundError` when there is none. */
  async status(runId: string): Promise<RunSummary> {
    const status = await this.client.getWorkflow(runId);
    if (status === undefined) throw new RunNotFoundError(runId);
    return summaryOf(status);
  }

  /** Recorded steps of a run, by index. */
  async steps(runId: string): Promise<readonly StepRecord[]> {
    await this.status(runId);
    return ((await this.client.listWorkflowSteps(runId)) ?? []).map(stepRecordOf);
  }

  /** Cancels a run: the process executing it stops before its next step. */
  async cancel(runId: string): Promise<void> {
    await this.status(runId);
    await this.client.cancelWorkflow(runId);
  }

  /** Closes the client's connections. */
  async close(): Promise<void> {
    await this.client.destroy();
  }
}
