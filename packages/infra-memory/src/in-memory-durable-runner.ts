import { randomUUID } from 'node:crypto';
import { injectable } from 'inversify';
import { NondeterminismError, NOW_STEP_NAME, RunCancelledError, RunNotFoundError, runBoundedAttempt, SLEEP_STEP_NAME } from '@casare-rpa/application';
import type {
  DurableContext,
  DurableRunner,
  RunFilter,
  RunHandle,
  RunSummary,
  StartOptions,
  StepAttempt,
  StepPolicy,
  StepRecord,
  WorkflowBody,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { systemClock, type Clock } from './clock.js';
import {
  cloneJson,
  fromJournalError,
  InMemoryJournal,
  toJournalError,
  type JournalRun,
  type JournalStep,
  type JournalStepKind,
} from './in-memory-journal.js';

/**
 * A point in the life of a durable operation where a test may crash the runner:
 * - `before-body`: a step attempt is about to run its body;
 * - `after-body`: the attempt's body settled (returned or threw), nothing recorded yet;
 * - `after-record`: the step's outcome is in the journal, the workflow body has not seen it;
 * - `sleeping`: a durable sleep recorded its wake time and is about to wait.
 */
export type StepPhase = 'before-body' | 'after-body' | 'after-record' | 'sleeping';

/** Where a run is when a `StepPhase` hook fires. */
export interface StepPoint {
  readonly phase: StepPhase;
  readonly runId: string;
  readonly stepIndex: number;
  readonly name: string;
  /** Attempt number (1-based); 1 for sleeps. */
  readonly attempt: number;
}

/** Options of `InMemoryDurableRunner`. */
export interface InMemoryDurableRunnerOptions {
  /** The store; pass the same journal to a new runner to recover after a simulated crash. */
  readonly journal?: InMemoryJournal;
  /**
   * Time for sleeps, retry waits and `now()` (a `VirtualClock` in tests). Not for attempt timeouts
   * (`StepPolicy.timeoutMs`): those run on real timers, because a step body works in real time (I/O,
   * real waits) and its deadline must too; a virtual clock that jumps to the next wake-up would
   * expire every attempt the moment nothing else is queued.
   */
  readonly clock?: Clock;
  /** This runner's executor id; `launch()` recovers only the pending runs of its executor. */
  readonly executorId?: string;
  /** Called at each `StepPhase`; call `runner.crash()` in it to drop the runner dead right there. */
  readonly onStepPoint?: (point: StepPoint, runner: InMemoryDurableRunner) => void;
}

/** `start` named a body nobody registered. */
export class WorkflowNotRegisteredError extends Error {
  /** Stable code. */
  readonly code = 'WORKFLOW_NOT_REGISTERED';
  constructor(readonly workflowName: string) {
    super(`no workflow is registered as "${workflowName}"; register it before launch()`);
    this.name = 'WorkflowNotRegisteredError';
  }
}

/** The runner was used in a state that does not allow it (not launched, shut down, crashed). */
export class RunnerStateError extends Error {
  /** Stable code. */
  readonly code = 'RUNNER_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'RunnerStateError';
  }
}

interface Waiter {
  readonly resolve: (output: Json) => void;
  readonly reject: (error: unknown) => void;
}

/** A promise that never settles: what a dead process's pending work turns into. Fresh each time so it can be collected. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/**
 * The in-memory twin of `DbosDurableRunner`: the same `DurableRunner` contract, with an
 * `InMemoryJournal` in place of PostgreSQL. `crash()` (or an `onStepPoint` hook calling it) drops
 * the runner dead as a SIGKILL would: nothing it runs records anything afterwards and its pending
 * promises never settle; a new runner over the same journal recovers on `launch()`.
 */
@injectable()
export class InMemoryDurableRunner implements DurableRunner {
  /** The store this runner records into. */
  readonly journal: InMemoryJournal;
  /** The clock sleeps and retries wait on. */
  readonly clock: Clock;
  /** Resolves when the runner crashes or shuts down. */
  readonly stopped: Promise<void>;
  private readonly executorId: string;
  private readonly onStepPoint: ((point: StepPoint, runner: InMemoryDurableRunner) => void) | undefined;
  private readonly bodies = new Map<string, WorkflowBody<Json, Json>>();
  private readonly executing = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Cancel signals of the step attempts in flight, by run: `cancel` aborts them. */
  private readonly attemptsInFlight = new Map<string, Set<AbortController>>();
  private launched = false;
  private dead = false;
  private markStopped: () => void = () => undefined;

  constructor(options: InMemoryDurableRunnerOptions = {}) {
    this.journal = options.journal ?? new InMemoryJournal();
    this.clock = options.clock ?? systemClock;
    this.executorId = options.executorId ?? 'local';
    this.onStepPoint = options.onStepPoint;
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
  }

  /** True once the runner crashed or shut down. */
  get isDead(): boolean {
    return this.dead;
  }

  /** Drops the runner dead, as if its process were killed: no more journal writes, no settling. */
  crash(): void {
    if (this.dead) return;
    this.dead = true;
    this.markStopped();
  }

  register<I extends Json, O extends Json>(name: string, body: WorkflowBody<I, O>): void {
    if (this.launched) throw new RunnerStateError(`register("${name}") after launch(): register every workflow before launching`);
    if (this.bodies.has(name)) throw new RunnerStateError(`a workflow is already registered as "${name}"`);
    this.bodies.set(name, body as unknown as WorkflowBody<Json, Json>);
  }

  launch(): Promise<void> {
    if (this.dead) return Promise.reject(this.stoppedError());
    if (this.launched) return Promise.resolve();
    this.launched = true;
    for (const run of this.journal.all()) {
      if (run.status === 'pending' && run.executorId === this.executorId) this.execute(run, true);
    }
    return Promise.resolve();
  }

  start<I extends Json, O extends Json>(name: string, input: I, options?: StartOptions): Promise<RunHandle<O>> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    const runId = options?.runId ?? randomUUID();
    // Rule 5: an existing id returns that run; nothing executes.
    if (this.journal.get(runId)) return Promise.resolve(this.handle<O>(runId));
    if (!this.bodies.has(name)) return Promise.reject(new WorkflowNotRegisteredError(name));
    const now = this.clock.now();
    const run = this.journal.create({
      runId,
      workflowName: name,
      input: cloneJson(input),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
      executorId: this.executorId,
      steps: [],
    });
    this.execute(run, false);
    return Promise.resolve(this.handle<O>(runId));
  }

  handle<O extends Json = Json>(runId: string): RunHandle<O> {
    return {
      runId,
      result: () => this.resultOf(runId) as Promise<O>,
      status: () => {
        const run = this.journal.get(runId);
        return run ? Promise.resolve(summaryOf(run)) : Promise.reject(new RunNotFoundError(runId));
      },
    };
  }

  list(filter: RunFilter = {}): Promise<readonly RunSummary[]> {
    const runs = this.journal
      .all()
      .filter((run) => (filter.status === undefined || run.status === filter.status) && (filter.workflowName === undefined || run.workflowName === filter.workflowName))
      .sort((a, b) => b.createdAt - a.createdAt || b.sequence - a.sequence)
      .map(summaryOf);
    return Promise.resolve(filter.limit === undefined ? runs : runs.slice(0, Math.max(0, filter.limit)));
  }

  steps(runId: string): Promise<readonly StepRecord[]> {
    const run = this.journal.get(runId);
    if (!run) return Promise.reject(new RunNotFoundError(runId));
    return Promise.resolve(run.steps.map(stepRecordOf));
  }

  cancel(runId: string): Promise<void> {
    const run = this.journal.get(runId);
    if (!run) return Promise.reject(new RunNotFoundError(runId));
    if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return Promise.resolve();
    run.status = 'cancelled';
    run.updatedAt = this.clock.now();
    for (const attempt of this.attemptsInFlight.get(runId) ?? []) attempt.abort(new RunCancelledError(runId));
    // A run executing here stops at its next durable operation; one nobody executes is over now.
    if (!this.executing.has(runId)) this.settle(run);
    return Promise.resolve();
  }

  resume<O extends Json = Json>(runId: string): Promise<RunHandle<O>> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    const run = this.journal.get(runId);
    if (!run) return Promise.reject(new RunNotFoundError(runId));
    if (run.status === 'cancelled' || run.status === 'pending' || run.status === 'enqueued') {
      run.status = 'pending';
      run.updatedAt = this.clock.now();
      this.execute(run, true);
    }
    return Promise.resolve(this.handle<O>(runId));
  }

  fork<O extends Json = Json>(runId: string, fromStep: number, options?: StartOptions): Promise<RunHandle<O>> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    const source = this.journal.get(runId);
    if (!source) return Promise.reject(new RunNotFoundError(runId));
    const forkId = options?.runId ?? randomUUID();
    if (this.journal.get(forkId)) return Promise.resolve(this.handle<O>(forkId));
    const now = this.clock.now();
    const run = this.journal.create({
      runId: forkId,
      workflowName: source.workflowName,
      input: cloneJson(source.input),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
      executorId: this.executorId,
      steps: source.steps.filter((step) => step.index < fromStep).map((step) => ({ ...step, output: cloneJson(step.output ?? null) })),
      forkedFrom: { runId, fromStep },
    });
    this.execute(run, true);
    return Promise.resolve(this.handle<O>(forkId));
  }

  shutdown(): Promise<void> {
    if (this.dead) return Promise.resolve();
    this.crash();
    // Unlike a crash, a shutdown tells its own callers: nobody waits forever on a stopped runner.
    for (const [runId, waiters] of this.waiters) {
      this.waiters.delete(runId);
      for (const waiter of waiters) waiter.reject(new RunnerStateError(`runner shut down while run ${runId} was pending; launch a runner to recover it`));
    }
    return Promise.resolve();
  }

  /** Runs (or replays) a run's body unless this runner already executes it. */
  private execute(run: JournalRun, recovering: boolean): void {
    if (this.executing.has(run.runId)) return;
    const body = this.bodies.get(run.workflowName);
    // Like DBOS: a run whose workflow is not registered here stays pending for a runner that has it.
    if (!body) return;
    this.executing.add(run.runId);
    const context = new InMemoryContext(this, run, recovering);
    void (async () => {
      let output: Json;
      try {
        output = await body(context, cloneJson(run.input));
      } catch (error) {
        if (this.dead) return;
        this.executing.delete(run.runId);
        this.finish(run, { error });
        return;
      }
      if (this.dead) return;
      this.executing.delete(run.runId);
      this.finish(run, { output });
    })();
  }

  private finish(run: JournalRun, ending: { readonly output: Json } | { readonly error: unknown }): void {
    if (run.status === 'pending' || run.status === 'enqueued') {
      if ('output' in ending) {
        run.status = 'succeeded';
        run.output = cloneJson(ending.output);
      } else if ((ending.error as { code?: unknown } | null)?.code === 'RUN_CANCELLED') {
        run.status = 'cancelled';
      } else {
        run.status = 'failed';
        run.error = toJournalError(ending.error);
      }
      run.updatedAt = this.clock.now();
    }
    this.settle(run);
  }

  /** Settles the waiters of a run that has ended. */
  private settle(run: JournalRun): void {
    const waiters = this.waiters.get(run.runId) ?? [];
    this.waiters.delete(run.runId);
    for (const waiter of waiters) this.deliver(run, waiter);
  }

  private deliver(run: JournalRun, waiter: Waiter): void {
    if (run.status === 'succeeded') waiter.resolve(cloneJson(run.output ?? null));
    else if (run.status === 'cancelled') waiter.reject(new RunCancelledError(run.runId));
    else if (run.status === 'failed') waiter.reject(run.error ? fromJournalError(run.error) : new Error(`run ${run.runId} failed`));
  }

  private resultOf(runId: string): Promise<Json> {
    const run = this.journal.get(runId);
    if (!run) return Promise.reject(new RunNotFoundError(runId));
    return new Promise<Json>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') this.deliver(run, waiter);
      else this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), waiter]);
    });
  }

  /** Runs one step attempt of `runId` with the signal a `cancel` of that run aborts. */
  async withCancelSignal<T>(runId: string, run: (cancelled: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const inFlight = this.attemptsInFlight.get(runId) ?? new Set<AbortController>();
    this.attemptsInFlight.set(runId, inFlight);
    inFlight.add(controller);
    try {
      return await run(controller.signal);
    } finally {
      inFlight.delete(controller);
      if (inFlight.size === 0) this.attemptsInFlight.delete(runId);
    }
  }

  /** Fires the test hook; a hook that crashed the runner stops the caller here for good. */
  async reach(point: StepPoint): Promise<void> {
    await this.alive();
    this.onStepPoint?.(point, this);
    await this.alive();
  }

  /** Never settles once the runner is dead: the caller's process is gone. */
  async alive(): Promise<void> {
    if (this.dead) await never();
  }

  private stoppedError(): RunnerStateError {
    return new RunnerStateError('runner is stopped (crashed or shut down); build a new runner over the journal');
  }

  /** Why the runner cannot start runs now, if it cannot. */
  private unusable(): RunnerStateError | undefined {
    if (this.dead) return this.stoppedError();
    if (!this.launched) return new RunnerStateError('runner is not launched; call launch() first');
    return undefined;
  }
}

/** The `DurableContext` of one execution of one run's body. */
class InMemoryContext implements DurableContext {
  readonly runId: string;
  private nextIndex = 0;

  constructor(
    private readonly runner: InMemoryDurableRunner,
    private readonly run: JournalRun,
    readonly recovering: boolean,
  ) {
    this.runId = run.runId;
  }

  async step<T extends Json>(name: string, fn: (attempt: StepAttempt) => Promise<T>, policy?: StepPolicy): Promise<T> {
    const index = await this.begin();
    const recorded = this.recorded(index, 'step', name);
    if (recorded) {
      if (recorded.status === 'failed') throw fromJournalError(recorded.error ?? { name: 'Error', message: 'step failed', data: {} });
      return cloneJson(recorded.output ?? null) as T;
    }
    const maxAttempts = Math.max(1, Math.floor(policy?.maxAttempts ?? 1));
    const startedAt = this.runner.clock.now();
    const point = { runId: this.runId, stepIndex: index, name };
    for (let attempt = 1; ; attempt += 1) {
      await this.runner.reach({ ...point, phase: 'before-body', attempt });
      let settled: { readonly output: T } | { readonly error: unknown };
      try {
        const output = await this.runner.withCancelSignal(this.runId, (cancelled) =>
          runBoundedAttempt({ stepName: name, timeoutMs: policy?.timeoutMs, cancelled }, (bounded) => fn({ index, attempt, get signal() { return bounded.signal; } })),
        );
        settled = { output };
      } catch (error) {
        settled = { error };
      }
      await this.runner.reach({ ...point, phase: 'after-body', attempt });
      // Like DBOS: an attempt that fails once its run is cancelled (its signal told it to stop) ends
      // the run as cancelled and records nothing, so a resume runs the step again.
      if ('error' in settled && this.run.status === 'cancelled') throw new RunCancelledError(this.runId);
      if ('error' in settled && attempt < maxAttempts) {
        const wait = (policy?.intervalMs ?? 0) * (policy?.backoffRate ?? 1) ** (attempt - 1);
        await this.runner.clock.sleep(wait);
        await this.runner.alive();
        if (this.run.status === 'cancelled') throw new RunCancelledError(this.runId);
        continue;
      }
      const base = { index, name, kind: 'step' as const, startedAt, completedAt: this.runner.clock.now(), attempts: attempt };
      if ('error' in settled) {
        this.record({ ...base, status: 'failed', error: toJournalError(settled.error) });
        await this.runner.reach({ ...point, phase: 'after-record', attempt });
        throw settled.error;
      }
      const output = cloneJson(settled.output);
      this.record({ ...base, status: 'completed', output });
      await this.runner.reach({ ...point, phase: 'after-record', attempt });
      return cloneJson(output);
    }
  }

  async sleep(ms: number): Promise<void> {
    const index = await this.begin();
    const recorded = this.recorded(index, 'sleep', SLEEP_STEP_NAME);
    let wakeAt: number;
    if (recorded) {
      wakeAt = recorded.output as number;
    } else {
      // The wake time is recorded once: a run recovered mid-sleep wakes when it was first meant to.
      const now = this.runner.clock.now();
      wakeAt = now + Math.max(0, ms);
      this.record({ index, name: SLEEP_STEP_NAME, kind: 'sleep', status: 'completed', output: wakeAt, startedAt: now, completedAt: now, attempts: 1 });
    }
    await this.runner.reach({ phase: 'sleeping', runId: this.runId, stepIndex: index, name: SLEEP_STEP_NAME, attempt: 1 });
    const remaining = wakeAt - this.runner.clock.now();
    if (remaining > 0) await this.runner.clock.sleep(remaining);
    await this.runner.alive();
  }

  async now(): Promise<number> {
    const index = await this.begin();
    const recorded = this.recorded(index, 'now', NOW_STEP_NAME);
    if (recorded) return recorded.output as number;
    const now = this.runner.clock.now();
    this.record({ index, name: NOW_STEP_NAME, kind: 'now', status: 'completed', output: now, startedAt: now, completedAt: now, attempts: 1 });
    return now;
  }

  /** Takes the next operation index; stops a dead runner's body and a cancelled run's. */
  private async begin(): Promise<number> {
    const index = this.nextIndex;
    this.nextIndex += 1;
    await this.runner.alive();
    if (this.run.status === 'cancelled') throw new RunCancelledError(this.runId);
    return index;
  }

  /** The recorded operation at `index`, checked against what the body asks for now (docs/architecture.md, rule 6). */
  private recorded(index: number, kind: JournalStepKind, name: string): JournalStep | undefined {
    const recorded = this.run.steps[index];
    if (!recorded) return undefined;
    if (recorded.kind !== kind || recorded.name !== name) throw new NondeterminismError(this.runId, index, recorded.name, name);
    return recorded;
  }

  private record(step: JournalStep): void {
    if (this.run.steps.length !== step.index) throw new Error(`journal of run ${this.runId} has ${this.run.steps.length} steps, cannot record step ${step.index}`);
    this.run.steps.push(step);
    this.run.updatedAt = step.completedAt;
  }
}

function summaryOf(run: JournalRun): RunSummary {
  const summary: RunSummary = {
    runId: run.runId,
    workflowName: run.workflowName,
    status: run.status,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    executorId: run.executorId,
  };
  return run.error ? { ...summary, error: run.error.message } : summary;
}

function stepRecordOf(step: JournalStep): StepRecord {
  const record: StepRecord = { index: step.index, kind: step.kind, name: step.name, status: step.status, startedAt: step.startedAt, completedAt: step.completedAt };
  if (step.status === 'failed') return { ...record, error: step.error?.message ?? 'step failed' };
  return { ...record, output: cloneJson(step.output ?? null) };
}
