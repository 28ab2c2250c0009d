import { randomUUID } from 'node:crypto';
import { DBOSClient } from '@dbos-inc/dbos-sdk';
import {
  RunNotFoundError,
  RunnerStateError,
  type DurableRunner,
  type RunFilter,
  type RunHandle,
  type RunSummary,
  type SignalDelivery,
  type SignalOptions,
  type StartOptions,
  type StepRecord,
  type WorkflowBody,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import pg from 'pg';
import { reviveRunError } from './dbos-durable-runner.js';
import { DbosStderrLogger } from './dbos-logger.js';
import { listQueryOf, stepRecordsOf, summaryOf } from './dbos-records.js';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { newSignalPool, sendDbosSignal } from './dbos-signals.js';
import { DatabaseUnavailableError } from './errors.js';
import { CASARE_DBOS_SERIALIZER } from './dbos-serializer.js';

const RESULT_POLLING_MS = 200;

/** How the runs a `DbosQueueSubmitter` enqueues wait on their queue; DBOS's own enqueue options. */
export interface DbosEnqueueOptions {
  /** DBOS priority, 0..2147483647: lower is dequeued first; 0 (the default) is the highest. */
  readonly priority?: number;
  /** Seconds before the run may be dequeued (DBOS `delaySeconds`; the run is DELAYED until then). */
  readonly delaySeconds?: number;
}

/**
 * `DurableRunner` that executes nothing: `start` enqueues the run on a DBOS queue through a
 * `DBOSClient`, for the fleet's workers to dequeue (`casare submit`). Starting a run id that exists
 * enqueues nothing (DBOS's `return-existing` id reuse policy). Bodies are not registered here: the
 * workers hold them.
 */
export class DbosQueueSubmitter implements DurableRunner {
  #client: DBOSClient | undefined;
  /** Connections `signal` sends in, opened at the first signal. */
  #pool: pg.Pool | undefined;

  constructor(
    private readonly config: DbosRunnerConfig,
    /** Queue the runs go to. */
    readonly queueName: string,
    /** Priority and delay of every run this submitter enqueues. */
    private readonly enqueueOptions: DbosEnqueueOptions = {},
  ) {}

  register<I extends Json, O extends Json>(_name: string, _body: WorkflowBody<I, O>): void {
    // The workers execute the bodies; a submitter only names them.
  }

  /** Connects; fails clearly when no worker ever set up the system database. */
  async launch(): Promise<void> {
    const probe = new pg.Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 5_000 });
    probe.on('error', () => {});
    let ready: boolean;
    try {
      await probe.connect();
      ready = (await probe.query<{ ok: boolean }>(`SELECT to_regclass('dbos.workflow_status') IS NOT NULL AS ok`)).rows[0]?.ok === true;
    } catch (error) {
      throw new DatabaseUnavailableError(this.config.databaseUrl, error);
    } finally {
      await probe.end().catch(() => {});
    }
    if (!ready) throw new RunnerStateError('no worker has set up this system database yet: start "casare worker" on it first');
    this.#client = await DBOSClient.create({
      systemDatabaseUrl: this.config.databaseUrl,
      applicationName: this.config.applicationName,
      logger: new DbosStderrLogger(this.config.logLevel, this.config.databaseUrl),
      serializer: CASARE_DBOS_SERIALIZER,
    });
  }

  async start<I extends Json, O extends Json>(name: string, input: I, options?: StartOptions): Promise<RunHandle<O>> {
    const runId = options?.runId ?? randomUUID();
    await this.#connected().enqueue(
      {
        workflowName: name,
        queueName: this.queueName,
        workflowID: runId,
        appVersion: this.config.applicationVersion,
        workflowIDReusePolicy: 'return-existing',
        ...(this.enqueueOptions.priority === undefined ? {} : { priority: this.enqueueOptions.priority }),
        ...(this.enqueueOptions.delaySeconds === undefined ? {} : { delaySeconds: this.enqueueOptions.delaySeconds }),
      },
      input,
    );
    return this.handle<O>(runId);
  }

  handle<O extends Json = Json>(runId: string): RunHandle<O> {
    return {
      runId,
      result: async () => {
        try {
          await this.#status(runId);
          return await this.#connected().retrieveWorkflow<O>(runId).getResult({ pollingIntervalMs: RESULT_POLLING_MS });
        } catch (error) {
          throw reviveRunError(runId, error);
        }
      },
      status: async () => summaryOf(await this.#status(runId)),
    };
  }

  async list(filter: RunFilter = {}): Promise<readonly RunSummary[]> {
    return (await this.#connected().listWorkflows(listQueryOf(filter))).map(summaryOf);
  }

  async steps(runId: string): Promise<readonly StepRecord[]> {
    await this.#status(runId);
    return stepRecordsOf((await this.#connected().listWorkflowSteps(runId)) ?? []);
  }

  async cancel(runId: string): Promise<void> {
    await this.#status(runId);
    await this.#connected().cancelWorkflow(runId);
  }

  async resume<O extends Json = Json>(runId: string): Promise<RunHandle<O>> {
    await this.#status(runId);
    await this.#connected().resumeWorkflow(runId);
    return this.handle<O>(runId);
  }

  async fork<O extends Json = Json>(runId: string, fromStep: number, options?: StartOptions): Promise<RunHandle<O>> {
    await this.#status(runId);
    const forked = await this.#connected().forkWorkflow(runId, fromStep, {
      newWorkflowID: options?.runId ?? randomUUID(),
      applicationVersion: this.config.applicationVersion,
    });
    return this.handle<O>(forked);
  }

  /** Sends the run a DBOS message (see `sendDbosSignal`) for the worker that executes it. */
  async signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> {
    const client = this.#connected();
    this.#pool ??= newSignalPool(this.config.databaseUrl);
    return sendDbosSignal(this.#pool, client, runId, name, value, options);
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled([this.#client?.destroy(), this.#pool?.end()]);
    this.#client = undefined;
    this.#pool = undefined;
  }

  async #status(runId: string) {
    const status = await this.#connected().getWorkflow(runId);
    if (status === undefined) throw new RunNotFoundError(runId);
    return status;
  }

  #connected(): DBOSClient {
    if (this.#client === undefined) throw new RunnerStateError('the submitter is not launched');
    return this.#client;
  }
}
