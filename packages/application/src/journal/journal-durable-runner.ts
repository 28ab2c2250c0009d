import { randomUUID } from 'node:crypto';
import type { Json } from '@casare-rpa/domain';
import {
  CasareError,
  checkedWaitTimeoutMs,
  NondeterminismError,
  RunCancelledError,
  RunNotFoundError,
  RunnerStateError,
  WorkflowNotRegisteredError,
} from '../errors.js';
import { runBoundedAttempt } from '../execution/step-timeout.js';
import type { DurableContext, SignalWait, SignalWaitOptions, StepAttempt, StepPolicy } from '../ports/durable-context.js';
import { NOW_STEP_NAME, SLEEP_STEP_NAME } from '../ports/durable-runner.js';
import type {
  DurableRunner,
  RunFilter,
  RunHandle,
  RunStatus,
  RunSummary,
  SignalDelivery,
  SignalOptions,
  StartOptions,
  StepRecord,
  WorkflowBody,
} from '../ports/durable-runner.js';
import { systemClock, type Clock } from './clock.js';
import { cloneJson, fromJournalError, runSummaryOf, stepRecordOf, toJournalError } from './journal-records.js';
import { deliverJournalSignal, signalWaitOf } from './journal-signals.js';
import type { JournalEnding, JournalRunRecord, JournalStep, JournalStepKind, JournalStore, JournalWait } from './journal-store.js';

/**
 * A point in the life of a durable operation where a test may crash the runner:
 * - `before-body`: a step attempt is about to run its body;
 * - `after-body`: the attempt's body settled (returned or threw), nothing recorded yet;
 * - `after-record`: the step's outcome is in the journal, the workflow body has not seen it;
 * - `sleeping`: a durable sleep recorded its wake time and is about to wait;
 * - `waiting`: a wait for a signal recorded its deadline, found no signal and is about to wait.
 */
export type StepPhase = 'before-body' | 'after-body' | 'after-record' | 'sleeping' | 'waiting';

/** Where a run is when a `StepPhase` hook fires. */
export interface StepPoint {
  /** The phase reached. */
  readonly phase: StepPhase;
  /** The run. */
  readonly runId: string;
  /** Index of the durable operation. */
  readonly stepIndex: number;
  /** Step name. */
  readonly name: string;
  /** Attempt number (1-based); 1 for sleeps. */
  readonly attempt: number;
}

/** Options of `JournalDurableRunner`. */
export interface JournalDurableRunnerOptions {
  /** Where runs are recorded. */
  readonly store: JournalStore;
  /**
   * Time for sleeps, retry waits and `now()` (a virtual clock in tests). Not for attempt timeouts
   * (`StepPolicy.timeoutMs`): those run on real timers, because a step body works in real time and
   * its deadline must too; a virtual clock that jumps to the next wake-up would expire every attempt.
   */
  readonly clock?: Clock;
  /** This runner's executor id; `launch()` recovers only the pending runs of its executor. */
  readonly executorId?: string;
  /** Called at each `StepPhase`; call `runner.crash()` in it to drop the runner dead right there. */
  readonly onStepPoint?: (point: StepPoint, runner: JournalDurableRunner) => void;
  /**
   * How often to read the store for what other processes do (runs they end, cancels they record,
   * signals they send to runs waiting here), ms; undefined when only this process uses the store.
   */
  readonly pollIntervalMs?: number;
}

/** The store failed to record a step or an ending (disk full, I/O error): nothing was recorded, the run stays pending. */
export class JournalWriteError extends CasareError {
  /** Stable code. */
  readonly code = 'JOURNAL_WRITE_FAILED' as const;
  constructor(
    /** The run whose record failed. */
    readonly runId: string,
    /** What was being recorded. */
    readonly what: string,
    /** The store's error. */
    override readonly cause: unknown,
  ) {
    super(
      `could not record ${what} of run ${runId}: ${cause instanceof Error ? cause.message : String(cause)}; nothing of it was recorded, the run stays pending and resumes after its last recorded step on recovery`,
    );
    this.name = 'JournalWriteError';
  }
}

interface Waiter {
  readonly resolve: (output: Json) => void;
  readonly reject: (error: unknown) => void;
}

/** A wait for a signal in flight here: what wakes it early (a signal for it, a cancel, the poll). */
interface Sleeper {
  readonly name: string;
  readonly wake: () => void;
}

const ENDED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** What a store threw, as an `Error` (better-sqlite3 and the in-memory store throw errors; anything else is wrapped). */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function isCancellation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'RUN_CANCELLED';
}

/** A promise that never settles: what a dead process's pending work turns into. Fresh each time so it can be collected. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/**
 * The one runner core of every journal-backed adapter (in-memory, SQLite): the `DurableRunner`
 * contract implemented once over a `JournalStore`; adapters only choose the store. Each run is held
 * by one owner token at a time (claimed in the transaction that creates or takes it over), so two
 * runners never execute the same run at once. `crash()` (or an `onStepPoint` hook calling it) drops
 * the runner dead as a SIGKILL would: it records nothing afterwards and its pending promises never
 * settle; a new runner over the same store recovers on `launch()`.
 */
export class JournalDurableRunner implements DurableRunner {
  /** The store this runner records into. */
  readonly store: JournalStore;
  /** The clock sleeps and retries wait on. */
  readonly clock: Clock;
  /** Resolves when the runner crashes or shuts down. */
  readonly stopped: Promise<void>;
  /** This runner's executor id. */
  readonly executorId: string;
  private readonly owner: string;
  private readonly onStepPoint: ((point: StepPoint, runner: JournalDurableRunner) => void) | undefined;
  private readonly pollIntervalMs: number | undefined;
  private readonly bodies = new Map<string, WorkflowBody<Json, Json>>();
  private readonly executing = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Cancel signals of the step attempts in flight, by run: `cancel` aborts them. */
  private readonly attemptsInFlight = new Map<string, Set<AbortController>>();
  /** Waits for a signal in flight, by run: a signal, a cancel or the poll wakes them to look again. */
  private readonly waitsInFlight = new Map<string, Set<Sleeper>>();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private launched = false;
  private dead = false;
  private markStopped: () => void = () => undefined;

  constructor(options: JournalDurableRunnerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.executorId = options.executorId ?? 'local';
    this.onStepPoint = options.onStepPoint;
    this.pollIntervalMs = options.pollIntervalMs;
    this.owner = this.store.acquireOwner();
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
    this.stopPolling();
    this.store.releaseOwner(this.owner);
    // Waits wake to find the runner dead and stop there for good, holding no timer.
    for (const runId of [...this.waitsInFlight.keys()]) this.wakeWaits(runId);
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
    try {
      for (const run of this.store.pendingRuns(this.executorId)) {
        // Like DBOS: a run whose workflow is not registered here stays pending for a runner that has it.
        if (!this.bodies.has(run.workflowName)) continue;
        if (this.claim(run.runId, ['pending'])) this.execute(run, true);
      }
    } catch (error) {
      return Promise.reject(asError(error));
    }
    return Promise.resolve();
  }

  start<I extends Json, O extends Json>(name: string, input: I, options?: StartOptions): Promise<RunHandle<O>> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    const runId = options?.runId ?? randomUUID();
    try {
      // Rule 5: an existing id returns that run; nothing executes.
      if (this.store.getRun(runId)) return Promise.resolve(this.handle<O>(runId));
      if (!this.bodies.has(name)) return Promise.reject(new WorkflowNotRegisteredError(name));
      const now = this.clock.now();
      const run: JournalRunRecord & { owner: string } = {
        runId,
        workflowName: name,
        input: cloneJson(input),
        status: 'pending',
        createdAt: now,
        updatedAt: now,
        executorId: this.executorId,
        owner: this.owner,
      };
      if (this.store.createRun(run, [])) this.execute(run, false);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    return Promise.resolve(this.handle<O>(runId));
  }

  handle<O extends Json = Json>(runId: string): RunHandle<O> {
    return {
      runId,
      result: () => this.resultOf(runId) as Promise<O>,
      status: () => {
        const run = this.store.getRun(runId);
        return run ? Promise.resolve(runSummaryOf(run)) : Promise.reject(new RunNotFoundError(runId));
      },
    };
  }

  list(filter: RunFilter = {}): Promise<readonly RunSummary[]> {
    try {
      return Promise.resolve(this.store.listRuns(filter).map(runSummaryOf));
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  steps(runId: string): Promise<readonly StepRecord[]> {
    if (!this.store.getRun(runId)) return Promise.reject(new RunNotFoundError(runId));
    return Promise.resolve(this.store.steps(runId).map(stepRecordOf));
  }

  cancel(runId: string): Promise<void> {
    let run: JournalRunRecord | undefined;
    try {
      run = this.store.cancelRun(runId, this.clock.now());
    } catch (error) {
      return Promise.reject(asError(error));
    }
    if (!run) return Promise.reject(new RunNotFoundError(runId));
    if (run.status !== 'cancelled') return Promise.resolve();
    this.abortAttempts(runId);
    this.wakeWaits(runId);
    // A run executing here stops at its next durable operation; one nobody executes here is over now.
    if (!this.executing.has(runId)) this.settle(runId);
    return Promise.resolve();
  }

  resume<O extends Json = Json>(runId: string): Promise<RunHandle<O>> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    try {
      const run = this.store.getRun(runId);
      if (!run) return Promise.reject(new RunNotFoundError(runId));
      if ((run.status === 'cancelled' || run.status === 'pending' || run.status === 'enqueued') && this.bodies.has(run.workflowName)) {
        if (this.claim(runId, ['cancelled', 'pending', 'enqueued'])) this.execute(run, true);
      }
    } catch (error) {
      return Promise.reject(asError(error));
    }
    return Promise.resolve(this.handle<O>(runId));
  }

  fork<O extends Json = Json>(runId: string, fromStep: number, options?: StartOptions): Promise<RunHandle<O>> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    const forkId = options?.runId ?? randomUUID();
    try {
      const source = this.store.getRun(runId);
      if (!source) return Promise.reject(new RunNotFoundError(runId));
      if (this.store.getRun(forkId)) return Promise.resolve(this.handle<O>(forkId));
      const now = this.clock.now();
      const run: JournalRunRecord & { owner: string } = {
        runId: forkId,
        workflowName: source.workflowName,
        input: cloneJson(source.input),
        status: 'pending',
        createdAt: now,
        updatedAt: now,
        executorId: this.executorId,
        owner: this.owner,
        forkedFrom: { runId, fromStep },
        resumedAt: now,
      };
      const copied = this.store.steps(runId).filter((step) => step.index < fromStep);
      if (this.store.createRun(run, copied)) this.execute(run, true);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    return Promise.resolve(this.handle<O>(forkId));
  }

  signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> {
    if (this.dead) return Promise.reject(this.stoppedError());
    let delivery: SignalDelivery;
    try {
      delivery = deliverJournalSignal(this.store, runId, name, value, options, this.clock.now());
    } catch (error) {
      return Promise.reject(asError(error));
    }
    // A run waiting here takes it at once; one waiting in another process finds it at its next poll.
    if (delivery.delivered) this.wakeWaits(runId, name);
    return Promise.resolve(delivery);
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

  /** Takes a run over for this runner (see `JournalStore.claimRun`). */
  private claim(runId: string, from: readonly RunStatus[]): boolean {
    return this.store.claimRun(runId, { owner: this.owner, executorId: this.executorId, from, now: this.clock.now() });
  }

  /** Runs (or replays) a run's body unless this runner already executes it. */
  private execute(run: JournalRunRecord, recovering: boolean): void {
    if (this.executing.has(run.runId)) return;
    const body = this.bodies.get(run.workflowName);
    if (!body) return;
    this.executing.add(run.runId);
    const context = new JournalContext(this, run.runId, [...this.store.steps(run.runId)], recovering);
    void (async () => {
      let ending: { readonly output: Json } | { readonly error: unknown };
      try {
        ending = { output: await body(context, cloneJson(run.input)) };
      } catch (error) {
        ending = { error };
      }
      if (this.dead || !this.executing.has(run.runId)) return;
      this.executing.delete(run.runId);
      // Resumed while this execution was still stopping after a cancel: run it again instead of
      // recording the cancel over the resume.
      if ('error' in ending && isCancellation(ending.error) && this.store.statusOf(run.runId) === 'pending') {
        this.execute(run, true);
        return;
      }
      this.finish(run.runId, ending);
    })();
  }

  private finish(runId: string, ending: { readonly output: Json } | { readonly error: unknown }): void {
    let recorded: JournalEnding;
    if ('output' in ending) recorded = { status: 'succeeded', output: cloneJson(ending.output) };
    else if (isCancellation(ending.error)) recorded = { status: 'cancelled' };
    else recorded = { status: 'failed', error: toJournalError(ending.error) };
    try {
      this.store.finishRun(runId, this.owner, recorded, this.clock.now());
    } catch (error) {
      this.rejectWaiters(runId, new JournalWriteError(runId, 'the ending', error));
      return;
    }
    this.settle(runId);
  }

  /** A step could not be recorded: this execution stops where it is and the run stays pending. */
  abandon(runId: string, error: JournalWriteError | undefined): void {
    this.executing.delete(runId);
    if (error) this.rejectWaiters(runId, error);
  }

  /** True while this runner executes the run (not abandoned, not dead). */
  isExecuting(runId: string): boolean {
    return !this.dead && this.executing.has(runId);
  }

  /** Records a step of a run this runner executes; false when another owner took the run over. */
  recordStep(runId: string, step: JournalStep): boolean {
    return this.store.appendStep(runId, this.owner, step);
  }

  /** Settles the waiters of a run that has ended. */
  private settle(runId: string): void {
    const run = this.store.getRun(runId);
    if (!run || !ENDED.includes(run.status)) return;
    const waiters = this.waiters.get(runId) ?? [];
    this.waiters.delete(runId);
    for (const waiter of waiters) this.deliver(run, waiter);
  }

  private rejectWaiters(runId: string, error: unknown): void {
    const waiters = this.waiters.get(runId) ?? [];
    this.waiters.delete(runId);
    for (const waiter of waiters) waiter.reject(error);
  }

  private deliver(run: JournalRunRecord, waiter: Waiter): void {
    if (run.status === 'succeeded') waiter.resolve(cloneJson(run.output ?? null));
    else if (run.status === 'cancelled') waiter.reject(new RunCancelledError(run.runId));
    else if (run.status === 'failed') waiter.reject(run.error ? fromJournalError(run.error) : new Error(`run ${run.runId} failed`));
  }

  private resultOf(runId: string): Promise<Json> {
    const run = this.store.getRun(runId);
    if (!run) return Promise.reject(new RunNotFoundError(runId));
    return new Promise<Json>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (ENDED.includes(run.status)) this.deliver(run, waiter);
      else {
        this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), waiter]);
        this.startPolling();
      }
    });
  }

  private abortAttempts(runId: string): void {
    for (const attempt of this.attemptsInFlight.get(runId) ?? []) attempt.abort(new RunCancelledError(runId));
  }

  /** Watches the store for what other processes change: runs they end, cancels of attempts in flight here. */
  private startPolling(): void {
    if (this.pollIntervalMs === undefined || this.pollTimer !== undefined || this.dead) return;
    this.pollTimer = setInterval(() => this.poll(), this.pollIntervalMs);
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private poll(): void {
    if (this.dead) return this.stopPolling();
    try {
      for (const runId of [...this.waiters.keys()]) if (!this.executing.has(runId)) this.settle(runId);
      for (const runId of this.attemptsInFlight.keys()) if (this.store.statusOf(runId) === 'cancelled') this.abortAttempts(runId);
      for (const [runId, sleepers] of this.waitsInFlight) {
        if (this.store.statusOf(runId) === 'cancelled') this.wakeWaits(runId);
        else for (const sleeper of [...sleepers]) if (this.store.hasSignal(runId, sleeper.name)) sleeper.wake();
      }
    } catch {
      // A busy or failing store is read again at the next tick; the waits' own checks report failures.
    }
    if (this.waiters.size === 0 && this.attemptsInFlight.size === 0 && this.waitsInFlight.size === 0) this.stopPolling();
  }

  /** Wakes the waits in flight of a run (those for `name` only, when given) to look at the store again. */
  private wakeWaits(runId: string, name?: string): void {
    for (const sleeper of [...(this.waitsInFlight.get(runId) ?? [])]) if (name === undefined || sleeper.name === name) sleeper.wake();
  }

  /**
   * Sleeps a wait of `runId` for `name` until `ms` pass on the clock, or earlier when a signal for it
   * is sent here, the run is cancelled, or the poll sees either happen in another process.
   */
  async sleepUntilSignal(runId: string, name: string, ms: number): Promise<void> {
    const woken = new AbortController();
    const sleeper: Sleeper = { name, wake: () => woken.abort() };
    const sleepers = this.waitsInFlight.get(runId) ?? new Set<Sleeper>();
    this.waitsInFlight.set(runId, sleepers);
    sleepers.add(sleeper);
    this.startPolling();
    try {
      if (!this.dead) await this.clock.sleep(ms, woken.signal);
    } finally {
      sleepers.delete(sleeper);
      if (sleepers.size === 0) this.waitsInFlight.delete(runId);
    }
  }

  /** Opens (or, on recovery, finds) a wait of a run this runner executes; stops the caller for good when the run was lost. */
  async beginWait(runId: string, wait: JournalWait): Promise<JournalWait> {
    let open: JournalWait | undefined;
    try {
      open = this.store.beginWait(runId, this.owner, wait);
    } catch (error) {
      this.abandon(runId, new JournalWriteError(runId, `the wait at step ${wait.index} (${wait.name})`, error));
      return never();
    }
    if (open === undefined) {
      this.abandon(runId, undefined);
      return never();
    }
    return open;
  }

  /** Tries to end an open wait (see `JournalStore.endWait`): its recorded step, or undefined while it waits on. */
  async endWait(runId: string, index: number, name: string, timedOut: boolean): Promise<JournalStep | undefined> {
    let ended;
    try {
      ended = this.store.endWait(runId, this.owner, index, this.clock.now(), timedOut);
    } catch (error) {
      this.abandon(runId, new JournalWriteError(runId, `the end of the wait at step ${index} (${name})`, error));
      return never();
    }
    if (ended.outcome === 'lost') {
      this.abandon(runId, undefined);
      return never();
    }
    return ended.outcome === 'recorded' ? ended.step : undefined;
  }

  /** Runs one step attempt of `runId` with the signal a `cancel` of that run aborts. */
  async withCancelSignal<T>(runId: string, run: (cancelled: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const inFlight = this.attemptsInFlight.get(runId) ?? new Set<AbortController>();
    this.attemptsInFlight.set(runId, inFlight);
    inFlight.add(controller);
    this.startPolling();
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
    return new RunnerStateError('runner is stopped (crashed or shut down); build a new runner over the store');
  }

  /** Why the runner cannot start runs now, if it cannot. */
  private unusable(): RunnerStateError | undefined {
    if (this.dead) return this.stoppedError();
    if (!this.launched) return new RunnerStateError('runner is not launched; call launch() first');
    return undefined;
  }
}

/** The `DurableContext` of one execution of one run's body. */
class JournalContext implements DurableContext {
  private nextIndex = 0;

  constructor(
    private readonly runner: JournalDurableRunner,
    readonly runId: string,
    /** The run's recorded steps: read once when the execution starts, then appended to as it records. */
    private readonly steps: JournalStep[],
    readonly recovering: boolean,
  ) {}

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
          runBoundedAttempt({ stepName: name, timeoutMs: policy?.timeoutMs, cancelled }, (bounded) =>
            fn({
              index,
              attempt,
              get signal() {
                return bounded.signal;
              },
            }),
          ),
        );
        settled = { output };
      } catch (error) {
        settled = { error };
      }
      await this.runner.reach({ ...point, phase: 'after-body', attempt });
      // Like DBOS: an attempt that fails once its run is cancelled (its signal told it to stop) ends
      // the run as cancelled and records nothing, so a resume runs the step again.
      if ('error' in settled && this.cancelled()) throw new RunCancelledError(this.runId);
      if ('error' in settled && attempt < maxAttempts) {
        const wait = (policy?.intervalMs ?? 0) * (policy?.backoffRate ?? 1) ** (attempt - 1);
        await this.runner.clock.sleep(wait);
        await this.runner.alive();
        if (this.cancelled()) throw new RunCancelledError(this.runId);
        continue;
      }
      const base = { index, name, kind: 'step' as const, startedAt, completedAt: this.runner.clock.now(), attempts: attempt };
      if ('error' in settled) {
        await this.record({ ...base, status: 'failed', error: toJournalError(settled.error) });
        await this.runner.reach({ ...point, phase: 'after-record', attempt });
        throw settled.error;
      }
      const output = cloneJson(settled.output);
      await this.record({ ...base, status: 'completed', output });
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
      await this.record({ index, name: SLEEP_STEP_NAME, kind: 'sleep', status: 'completed', output: wakeAt, startedAt: now, completedAt: now, attempts: 1 });
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
    await this.record({ index, name: NOW_STEP_NAME, kind: 'now', status: 'completed', output: now, startedAt: now, completedAt: now, attempts: 1 });
    return now;
  }

  async waitForSignal(name: string, options: SignalWaitOptions): Promise<SignalWait> {
    const timeoutMs = checkedWaitTimeoutMs(name, options.timeoutMs);
    const index = await this.begin();
    const recorded = this.recorded(index, 'wait', name);
    // Replayed as recorded: a received value is not consumed again, a timeout stays a timeout.
    if (recorded) return signalWaitOf(name, recorded.output);
    const now = this.runner.clock.now();
    // The deadline is the one recorded when the wait first began: a recovered wait waits for the time left.
    const open = await this.runner.beginWait(this.runId, { index, name, deadline: now + timeoutMs, startedAt: now });
    if (open.name !== name) throw new NondeterminismError(this.runId, index, open.name, name);
    const point = { phase: 'waiting' as const, runId: this.runId, stepIndex: index, name, attempt: 1 };
    for (let first = true; ; first = false) {
      await this.runner.alive();
      if (!this.runner.isExecuting(this.runId)) await never();
      if (this.cancelled()) throw new RunCancelledError(this.runId);
      const step = await this.runner.endWait(this.runId, index, name, this.runner.clock.now() >= open.deadline);
      if (step) {
        this.steps.push(step);
        return signalWaitOf(name, step.output);
      }
      if (first) await this.runner.reach(point);
      await this.runner.sleepUntilSignal(this.runId, name, open.deadline - this.runner.clock.now());
    }
  }

  /** Takes the next operation index; stops a dead runner's body, an abandoned execution and a cancelled run. */
  private async begin(): Promise<number> {
    const index = this.nextIndex;
    this.nextIndex += 1;
    await this.runner.alive();
    if (!this.runner.isExecuting(this.runId)) await never();
    if (this.cancelled()) throw new RunCancelledError(this.runId);
    return index;
  }

  private cancelled(): boolean {
    return this.runner.store.statusOf(this.runId) === 'cancelled';
  }

  /** The recorded operation at `index`, checked against what the body asks for now (docs/architecture.md, rule 6). */
  private recorded(index: number, kind: JournalStepKind, name: string): JournalStep | undefined {
    const recorded = this.steps[index];
    if (!recorded) return undefined;
    if (recorded.kind !== kind || recorded.name !== name) throw new NondeterminismError(this.runId, index, recorded.name, name);
    return recorded;
  }

  /**
   * Records a step, or stops this execution for good: when the store fails (nothing recorded, the run
   * stays pending for a later recovery) or another owner took the run over.
   */
  private async record(step: JournalStep): Promise<void> {
    if (this.steps.length !== step.index) throw new Error(`journal of run ${this.runId} has ${this.steps.length} steps, cannot record step ${step.index}`);
    // Checked in the same turn as the write: a runner that died records nothing.
    if (!this.runner.isExecuting(this.runId)) return never();
    let kept: boolean;
    try {
      kept = this.runner.recordStep(this.runId, step);
    } catch (error) {
      this.runner.abandon(this.runId, new JournalWriteError(this.runId, `step ${step.index} (${step.name})`, error));
      return never();
    }
    if (!kept) {
      this.runner.abandon(this.runId, undefined);
      return never();
    }
    this.steps.push(step);
  }
}
