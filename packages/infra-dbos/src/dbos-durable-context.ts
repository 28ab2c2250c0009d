import { DBOS, Error as DbosErrors, type StepConfig } from '@dbos-inc/dbos-sdk';
import {
  checkedWaitTimeoutMs,
  NondeterminismError,
  runBoundedAttempt,
  StepTimeoutError,
  type DurableContext,
  type SignalWait,
  type SignalWaitOptions,
  type StepAttempt,
  type StepPolicy,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { DBOS_NOW_NAME, DBOS_RECV_NAME, DBOS_SLEEP_NAME, portStepOf } from './dbos-records.js';
import { DBOS_WAIT_POLL_MS, signalWaitOfMessage, type DbosSignalEnvelope } from './dbos-signals.js';

/**
 * What a workflow body sees when it runs as a DBOS workflow: every `step` is one `DBOS.runStep`
 * named by the caller (a node id), so it shows in `DBOS.listWorkflowSteps`; sleep, clock reads and
 * waits for signals (`DBOS.recv`) are DBOS's own durable operations. Nothing here writes a checkpoint: DBOS does.
 */
export class DbosDurableContext implements DurableContext {
  constructor(
    /** The DBOS workflow id. */
    readonly runId: string,
    /** True unless `start()` in this process began this execution. */
    readonly recovering: boolean,
    /** The runner's liveness: once halted, this execution behaves as if its process had died. */
    private readonly liveness: Liveness = ALWAYS_ALIVE,
  ) {}

  async step<T extends Json>(name: string, fn: (attempt: StepAttempt) => Promise<T>, policy?: StepPolicy): Promise<T> {
    const { liveness } = this;
    if (liveness.halted) return never();
    let attempt = 0;
    const timeoutMs = timeoutOf(policy);
    const attemptOnce = async (): Promise<T> => {
      if (liveness.halted) return never();
      attempt += 1;
      // DBOS numbers every durable operation of a workflow (steps, sleeps, clock reads) with a
      // function id that is the same on replay: it is the step index idempotency keys are built on.
      const index = DBOS.stepID ?? -1;
      const current = attempt;
      // The attempt is timed here, as in every runner, not by DBOS's `timeoutMS`: DBOS would build a
      // `DBOSStepTimeoutError` (a stack capture) and an `AbortController` for every attempt, on top
      // of the controller the attempt's signal needs anyway. The cancel signal is read lazily: DBOS
      // starts a watcher for it, which most nodes never need.
      const status = DBOS.stepStatus;
      const bounds = { stepName: name, timeoutMs, cancelled: () => status?.cancelSignal };
      const result = await runBoundedAttempt(bounds, (bounded) =>
        fn({
          index,
          attempt: current,
          get signal() {
            return bounded.signal;
          },
        }),
      );
      // A dead process records nothing: withhold the result from DBOS.
      return liveness.halted ? never() : result;
    };
    try {
      const result = await DBOS.runStep(
        attemptOnce,
        stepConfigOf(name, policy, () => attempt),
      );
      return liveness.halted ? never() : result;
    } catch (error) {
      if (liveness.halted) return never();
      throw asStepTimeout(asNondeterminism(error, this.runId, name), name, timeoutMs);
    }
  }

  async sleep(ms: number): Promise<void> {
    if (this.liveness.halted) return never();
    try {
      await DBOS.sleep(ms);
    } catch (error) {
      if (this.liveness.halted) return never();
      throw asNondeterminism(error, this.runId, DBOS_SLEEP_NAME);
    }
    if (this.liveness.halted) return never();
  }

  async now(): Promise<number> {
    if (this.liveness.halted) return never();
    try {
      const now = await DBOS.now();
      return this.liveness.halted ? never() : now;
    } catch (error) {
      if (this.liveness.halted) return never();
      throw asNondeterminism(error, this.runId, DBOS_NOW_NAME);
    }
  }

  /**
   * `DBOS.recv` on the topic `name`. DBOS reserves two function ids for it, the wait's own (its step
   * index) and its durable timer's, whatever the timeout, in the same order on replay; it records
   * the deadline once (a recovered wait waits for the time left) and the message it consumed or its
   * timeout. The next durable operation takes the index after the timer's.
   */
  async waitForSignal(name: string, options: SignalWaitOptions): Promise<SignalWait> {
    const timeoutMs = checkedWaitTimeoutMs(name, options.timeoutMs);
    if (this.liveness.halted) return never();
    try {
      const message = await DBOS.recv<DbosSignalEnvelope>(name, { timeoutSeconds: timeoutMs / 1000, pollingIntervalMs: DBOS_WAIT_POLL_MS });
      return this.liveness.halted ? never() : signalWaitOfMessage(message);
    } catch (error) {
      if (this.liveness.halted) return never();
      throw asNondeterminism(error, this.runId, DBOS_RECV_NAME);
    }
  }
}

/** Whether the runner that started an execution still counts as running (see `DbosDurableRunner.halt`). */
export interface Liveness {
  readonly halted: boolean;
}

const ALWAYS_ALIVE: Liveness = { halted: false };

/** A promise that never settles and holds no timer: the body stops here, as in a dead process. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/**
 * DBOS step options for a policy. With retries, `shouldRetry` refuses the last attempt's error so
 * that DBOS records (and replays) the node's own error, with its `code` and data, instead of
 * wrapping every attempt into a `DBOSMaxStepRetriesError`.
 */
function stepConfigOf(name: string, policy: StepPolicy | undefined, attemptsMade: () => number): StepConfig {
  const maxAttempts = Math.max(1, Math.floor(policy?.maxAttempts ?? 1));
  const config: StepConfig = { name };
  if (maxAttempts === 1 || policy === undefined) return config;
  return {
    ...config,
    retriesAllowed: true,
    maxAttempts,
    intervalSeconds: Math.max(0, policy.intervalMs) / 1000,
    backoffRate: policy.backoffRate,
    shouldRetry: () => attemptsMade() < maxAttempts,
  };
}

/** The policy's per-attempt timeout (`timeoutMs`), when it sets one. */
function timeoutOf(policy: StepPolicy | undefined): number | undefined {
  const timeoutMs = policy?.timeoutMs;
  return timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined;
}

/** DBOS's own code for `DBOSStepTimeoutError` (it exports the class, not the code a replayed copy keeps). */
const DBOS_STEP_TIMEOUT = DbosErrors.getDBOSErrorCode(new DbosErrors.DBOSStepTimeoutError('', 0));

/**
 * DBOS's step timeout as the application's `StepTimeoutError`, for runs recorded when DBOS timed the
 * attempts (`timeoutMS`): thrown as is or, had DBOS retried the last attempt, as the last error of
 * its `DBOSMaxStepRetriesError`. On replay DBOS rethrows the recorded error as a plain `Error` that
 * keeps DBOS's code and `timeoutMS`, so the code decides.
 */
function asStepTimeout(error: unknown, name: string, timeoutMs: number | undefined): unknown {
  const wrapped = (error as { errors?: unknown } | null)?.errors;
  const candidates = [error, Array.isArray(wrapped) ? (wrapped.at(-1) as unknown) : undefined];
  const timeout = candidates.find((candidate) => candidate instanceof Error && DbosErrors.getDBOSErrorCode(candidate) === DBOS_STEP_TIMEOUT);
  if (!timeout) return error;
  const recordedMs = (timeout as { timeoutMS?: unknown }).timeoutMS;
  return new StepTimeoutError(name, typeof recordedMs === 'number' ? recordedMs : (timeoutMs ?? 0));
}

/**
 * DBOS's "function X was recorded when Y was expected", as the application's error type. `actual`
 * is the name DBOS expected (its own for sleeps and clock reads); both names are reported as the
 * port names them, so the error reads the same as the in-memory runner's.
 */
function asNondeterminism(error: unknown, runId: string, actual: string): unknown {
  if (!(error instanceof Error) || DbosErrors.getDBOSErrorCode(error) !== DbosErrors.UnexpectedStep) return error;
  const stepIndex = (error as { stepID?: unknown }).stepID;
  const recorded = recordedNameIn(error.message, actual);
  return new NondeterminismError(runId, typeof stepIndex === 'number' ? stepIndex : -1, portStepOf(recorded).name, portStepOf(actual).name);
}

/** DBOS keeps the recorded name only in its message; we know the expected one, so cut around it. */
function recordedNameIn(message: string, actual: string): string {
  const start = message.indexOf(', function ');
  const end = message.lastIndexOf(` was recorded when ${actual} was expected`);
  return start >= 0 && end > start ? message.slice(start + ', function '.length, end) : '?';
}
