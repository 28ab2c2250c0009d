import { randomUUID } from 'node:crypto';
import { DBOS, Error as DbosErrors, type WorkflowHandle, type WorkflowStatus } from '@dbos-inc/dbos-sdk';
import {
  NondeterminismError,
  RunCancelledError,
  RunNotFoundError,
  RunnerStateError,
  WorkflowNotRegisteredError,
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
import { inject, injectable } from 'inversify';
import { DbosDurableContext } from './dbos-durable-context.js';
import { closeSignalSender, openSignalSender, sendDbosSignal, type SignalSender } from './dbos-signals.js';
import { listQueryOf, stepRecordsOf, summaryOf } from './dbos-records.js';
import { DbosStderrLogger } from './dbos-logger.js';
import { DBOS_RUNNER_CONFIG } from './tokens.js';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { DatabaseUnavailableError, isDatabaseUnavailable, SystemDatabaseSetupError } from './errors.js';
import { prepareSystemDatabase, withSystemDatabaseSetupLock } from './system-database.js';
import { CASARE_DBOS_SERIALIZER } from './dbos-serializer.js';

/** How often a handle of a run executing elsewhere (another process, DBOS's queue) polls for its end. */
const RESULT_POLLING_MS = 100;

type DbosWorkflow = (input: Json) => Promise<Json>;

/** DBOS is a process-wide singleton: at most one runner may be launched in a process at a time. */
let dbosInUse = false;

/**
 * `DurableRunner` on DBOS Transact: each registered body is a DBOS workflow whose argument is the
 * run input (the workflow document travels inside it, so any process can recover the run), each
 * `ctx.step` a DBOS step named by its node id, run ids are DBOS workflow ids. Retries, timeouts,
 * sleep, recovery and the management calls are DBOS's own. One per process (DBOS is global);
 * `shutdown()` releases the process for the next one.
 *
 * `launch()` creates the system database when missing and resumes the pending runs of this
 * executor and version.
 *
 * @throws from `launch()`: `DatabaseUnavailableError` (`DATABASE_UNAVAILABLE`) when PostgreSQL cannot
 *   be reached or refuses the credentials; `SystemDatabaseSetupError` (`SYSTEM_DATABASE_SETUP`) when
 *   DBOS cannot set its tables up; `RunnerStateError` when another runner is launched in the process.
 * @example
 * ```ts
 * import 'reflect-metadata';
 * const runner = new DbosDurableRunner(dbosRunnerConfigFromEnv(process.env, { executorId: 'worker-1' }));
 * useCase.registerWith(runner); // DBOS recovers only workflows registered before launch
 * await runner.launch();
 * const result = await settleRun(await useCase.start(runner, input, { runId: 'invoice-42' }));
 * await runner.shutdown();
 * ```
 */
@injectable()
export class DbosDurableRunner implements DurableRunner {
  readonly #config: DbosRunnerConfig;
  readonly #logger: DbosStderrLogger;
  readonly #bodies = new Map<string, WorkflowBody<Json, Json>>();
  readonly #workflows = new Map<string, DbosWorkflow>();
  /** Runs whose body `start()` in this process is beginning: every other execution is a recovery. */
  readonly #freshRuns = new Set<string>();
  /** Handles of runs executing in this process: their result arrives without polling. */
  readonly #liveHandles = new Map<string, WorkflowHandle<Json>>();
  #state: 'created' | 'launched' | 'stopped' = 'created';
  /** Set by `halt()`; every body this runner started reads it before and after each operation. */
  readonly #liveness = { halted: false };
  /** What `signal` sends through (a pool and a `DBOSClient`), opened at the first signal. */
  #sender: Promise<SignalSender> | undefined;

  constructor(@inject(DBOS_RUNNER_CONFIG) config: DbosRunnerConfig) {
    this.#config = config;
    this.#logger = new DbosStderrLogger(config.logLevel, config.databaseUrl);
  }

  /** The configuration this runner was built with. */
  get config(): DbosRunnerConfig {
    return this.#config;
  }

  register<I extends Json, O extends Json>(name: string, body: WorkflowBody<I, O>): void {
    if (this.#state !== 'created') throw new RunnerStateError(`cannot register "${name}": DBOS needs every workflow registered before launch()`);
    if (this.#bodies.has(name)) throw new RunnerStateError(`a workflow body is already registered as "${name}"`);
    this.#bodies.set(name, body as unknown as WorkflowBody<Json, Json>);
  }

  async launch(): Promise<void> {
    if (this.#state !== 'created') throw new RunnerStateError(`this runner was already ${this.#state}; create a new DbosDurableRunner`);
    if (dbosInUse) {
      throw new RunnerStateError('another DbosDurableRunner is launched in this process: DBOS is process-wide, shut it down first');
    }
    dbosInUse = true;
    const { databaseUrl } = this.#config;
    try {
      // Creation and DBOS's migrations (inside launch) race between processes starting together.
      await withSystemDatabaseSetupLock(databaseUrl, async () => {
        await prepareSystemDatabase(databaseUrl);
        DBOS.setConfig({
          name: this.#config.applicationName,
          systemDatabaseUrl: databaseUrl,
          applicationVersion: this.#config.applicationVersion,
          executorID: this.#config.executorId,
          logger: this.#logger,
          serializer: CASARE_DBOS_SERIALIZER,
          ...(this.#config.listenQueues === undefined ? {} : { listenQueues: [...this.#config.listenQueues] }),
        });
        for (const [name, body] of this.#bodies) {
          this.#workflows.set(name, DBOS.registerWorkflow(this.#asDbosWorkflow(body), { name }));
        }
        await DBOS.launch();
      });
    } catch (error) {
      dbosInUse = false;
      this.#workflows.clear();
      await DBOS.shutdown({ deregister: true }).catch(() => {});
      if (!(error instanceof DbosErrors.DBOSInitializationError)) throw error;
      const cause = error.error ?? error.cause ?? error;
      // Only a database that is not there for us is "not available"; anything else is said as it is.
      throw isDatabaseUnavailable(cause) ? new DatabaseUnavailableError(databaseUrl, cause) : new SystemDatabaseSetupError(databaseUrl, cause);
    }
    this.#state = 'launched';
  }

  async start<I extends Json, O extends Json>(name: string, input: I, options?: StartOptions): Promise<RunHandle<O>> {
    this.#assertLaunched('start');
    const workflow = this.#workflows.get(name);
    if (workflow === undefined) throw new WorkflowNotRegisteredError(name);
    const runId = options?.runId ?? randomUUID();
    this.#freshRuns.add(runId);
    try {
      const handle = await DBOS.startWorkflow(workflow, { workflowID: runId })(input);
      // DBOS calls the body before startWorkflow resolves, and the body takes its flag: a flag
      // left here means DBOS found the run id taken and executed nothing (docs/architecture.md, rule 5; atomic in DBOS).
      if (this.#freshRuns.has(runId)) return this.handle<O>(runId);
      this.#liveHandles.set(runId, handle);
      // Forget the handle once the run ends, whether or not anyone waits for it (long-lived workers).
      const forget = (): void => {
        if (this.#liveHandles.get(runId) === handle) this.#liveHandles.delete(runId);
      };
      handle.getResult().then(forget, forget);
    } catch (error) {
      // The id is taken by a run of another workflow: still that run, still nothing executed.
      if (error instanceof DbosErrors.DBOSConflictingWorkflowError) return this.handle<O>(runId);
      throw error;
    } finally {
      this.#freshRuns.delete(runId);
    }
    return this.handle<O>(runId);
  }

  handle<O extends Json = Json>(runId: string): RunHandle<O> {
    return {
      runId,
      result: () => this.#resultOf<O>(runId),
      status: () => this.#summaryOf(runId),
    };
  }

  async list(filter: RunFilter = {}): Promise<readonly RunSummary[]> {
    this.#assertLaunched('list');
    const statuses = await DBOS.listWorkflows(listQueryOf(filter));
    return statuses.map(summaryOf);
  }

  async steps(runId: string): Promise<readonly StepRecord[]> {
    this.#assertLaunched('steps');
    const steps = await DBOS.listWorkflowSteps(runId);
    if (steps === undefined || (steps.length === 0 && (await DBOS.getWorkflowStatus(runId)) === null)) throw new RunNotFoundError(runId);
    return stepRecordsOf(steps);
  }

  async cancel(runId: string): Promise<void> {
    await this.#existing(runId, 'cancel');
    this.#liveHandles.delete(runId);
    await DBOS.cancelWorkflow(runId);
  }

  async resume<O extends Json = Json>(runId: string): Promise<RunHandle<O>> {
    await this.#existing(runId, 'resume');
    this.#liveHandles.delete(runId);
    await DBOS.resumeWorkflow(runId);
    return this.handle<O>(runId);
  }

  async fork<O extends Json = Json>(runId: string, fromStep: number, options?: StartOptions): Promise<RunHandle<O>> {
    await this.#existing(runId, 'fork');
    if (options?.runId !== undefined && (await DBOS.getWorkflowStatus(options.runId)) !== null) return this.handle<O>(options.runId);
    const forked = await DBOS.forkWorkflow<O>(runId, fromStep, {
      newWorkflowID: options?.runId ?? randomUUID(),
      applicationVersion: this.#config.applicationVersion,
    });
    return this.handle<O>(forked.workflowID);
  }

  /** Sends the run a DBOS message (see `sendDbosSignal`), through a client opened at the first signal. */
  async signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> {
    this.#assertLaunched('signal');
    this.#sender ??= openSignalSender(this.#config, this.#logger);
    const { pool, client } = await this.#sender;
    return sendDbosSignal(pool, client, runId, name, value, options);
  }

  async shutdown(): Promise<void> {
    await this.#shutdown(undefined);
  }

  /**
   * Stops dequeuing and lets the runs executing in this process finish for up to `timeoutMs`, then
   * shuts down like `shutdown()`; runs still executing stay pending for recovery or takeover.
   */
  async drain(timeoutMs: number): Promise<void> {
    await this.#shutdown(timeoutMs);
  }

  async #shutdown(drainTimeoutMs: number | undefined): Promise<void> {
    if (this.#state !== 'launched') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    this.#liveHandles.clear();
    this.#workflows.clear();
    const sender = this.#sender;
    this.#sender = undefined;
    await sender?.then(closeSignalSender, () => {});
    try {
      // `deregister` lets a later runner in this process register its bodies again (tests, CLI).
      await DBOS.shutdown({ deregister: true, ...(drainTimeoutMs === undefined ? {} : { workflowCompletionTimeoutMS: drainTimeoutMs }) });
    } finally {
      dbosInUse = false;
    }
  }

  /**
   * Stops this runner the way a crash stops a process, for crash tests that stay in one process:
   * from now on its bodies run no further step and record nothing, their handles never settle, and
   * pending runs stay pending for the next runner's `launch()`. Then releases DBOS like `shutdown()`.
   */
  async halt(): Promise<void> {
    this.#liveness.halted = true;
    await this.shutdown();
  }

  #asDbosWorkflow(body: WorkflowBody<Json, Json>): DbosWorkflow {
    return async (input: Json): Promise<Json> => {
      const runId = DBOS.workflowID;
      if (runId === undefined) throw new RunnerStateError('a casare workflow body ran outside a DBOS workflow');
      const context = new DbosDurableContext(runId, !this.#freshRuns.delete(runId), this.#liveness);
      try {
        return await body(context, input);
      } catch (error) {
        this.#logger.markBodyError(error);
        throw error;
      }
    };
  }

  async #resultOf<O extends Json>(runId: string): Promise<O> {
    this.#assertLaunched('wait for a result');
    const live = this.#liveHandles.get(runId);
    try {
      if (live !== undefined) return (await live.getResult()) as O;
      await this.#existing(runId, 'wait for');
      return await DBOS.retrieveWorkflow<O>(runId).getResult({ pollingIntervalMs: RESULT_POLLING_MS });
    } catch (error) {
      throw reviveRunError(runId, error);
    }
  }

  async #summaryOf(runId: string): Promise<RunSummary> {
    return summaryOf(await this.#existing(runId, 'read'));
  }

  async #existing(runId: string, action: string): Promise<WorkflowStatus> {
    this.#assertLaunched(action);
    const status = await DBOS.getWorkflowStatus(runId);
    if (status === null) throw new RunNotFoundError(runId);
    return status;
  }

  #assertLaunched(action: string): void {
    if (this.#state !== 'launched')
      throw new RunnerStateError(`cannot ${action} a run: the runner is ${this.#state === 'created' ? 'not launched yet' : 'shut down'}`);
  }
}

/**
 * The error a run failed with, as the application knows it. DBOS hands back errors read from the
 * database as plain `Error`s that keep name, message, `code` and every enumerable field; the ones
 * the port names get their class back.
 */
export function reviveRunError(runId: string, error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error instanceof DbosErrors.DBOSWorkflowCancelledError || error instanceof DbosErrors.DBOSAwaitedWorkflowCancelledError) {
    return new RunCancelledError(runId);
  }
  const fields = error as Error & Partial<Record<'code' | 'runId' | 'stepIndex' | 'expected' | 'actual', unknown>>;
  if (fields.code === 'NONDETERMINISM' && !(error instanceof NondeterminismError)) {
    return new NondeterminismError(
      typeof fields.runId === 'string' ? fields.runId : runId,
      typeof fields.stepIndex === 'number' ? fields.stepIndex : -1,
      String(fields.expected),
      String(fields.actual),
    );
  }
  return error;
}
