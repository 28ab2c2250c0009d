import {
  type DurableRunner,
  type ExecutionEvent,
  type ExecutionEvents,
  errorCodeOf,
  ExecuteWorkflowUseCase,
  settleRun,
  type RunHandle,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { CrashSchedule } from './crash-schedule.js';
import type { CrashReport, IncarnationReport, IncarnationRequest, RunEnding } from './harness.js';
import { JsonlFileLedger } from './ledger.js';
import { createTestNodeCatalog, MapSecretProvider } from './test-nodes.js';

/** How `runIncarnation` gets its runner and how the incarnation dies. */
export interface IncarnationOptions {
  /**
   * Builds this incarnation's runner (not launched; `runIncarnation` registers the workflow and
   * launches it). With `crashSource: 'runner'` the runner reports attempts to `schedule` itself.
   */
  readonly createRunner: (schedule: CrashSchedule) => DurableRunner | Promise<DurableRunner>;
  /**
   * `nodes` (real processes): test nodes and the events sink drive the schedule. `runner`: the
   * runner calls `schedule.attemptStarted/effectDone/stepRecorded` from its own step hooks.
   */
  readonly crashSource: 'nodes' | 'runner';
  /**
   * Ends the incarnation at the crash: SIGKILL the process (never returns), or drop the runner dead
   * (returns; the runner must then stop executing and never settle anything).
   */
  readonly die: (report: CrashReport) => void;
  /** Sees each event as it is emitted (e.g. to append it to a file a dying child leaves behind). */
  readonly onEvent?: (event: ExecutionEvent) => void;
}

/** An `ExecutionEvents` sink that keeps events in order and goes deaf once its process died. */
export class EventRecorder implements ExecutionEvents {
  /** Events received, in order. */
  readonly events: ExecutionEvent[] = [];
  private deaf = false;

  constructor(private readonly listener?: (event: ExecutionEvent) => void) {}

  emit(event: ExecutionEvent): void {
    if (this.deaf) return;
    this.events.push(event);
    this.listener?.(event);
  }

  /** Stops recording (the process died). */
  stop(): void {
    this.deaf = true;
  }
}

/**
 * Runs one incarnation of a scenario with the testkit's wiring: test node catalog writing to the
 * request's ledger, secrets from the request, the crash schedule, and `ExecuteWorkflowUseCase`
 * registered on the adapter's runner. Returns when the run ended or the incarnation died.
 */
export async function runIncarnation(request: IncarnationRequest, options: IncarnationOptions): Promise<IncarnationReport> {
  let markDied: () => void = () => undefined;
  const died = new Promise<undefined>((resolve) => (markDied = () => resolve(undefined)));
  const schedule: CrashSchedule = new CrashSchedule(request.crash, (report) => {
    recorder.stop();
    markDied();
    options.die(report);
  });
  const recorder = new EventRecorder((event) => {
    options.onEvent?.(event);
    if (options.crashSource === 'nodes' && (event.type === 'node.completed' || event.type === 'node.failed') && !event.replayed) {
      schedule.stepRecorded(event.stepIndex);
    }
  });
  const catalog = createTestNodeCatalog({
    ledger: new JsonlFileLedger(request.ledgerPath),
    incarnation: request.incarnation,
    ...(options.crashSource === 'nodes' ? { hooks: schedule } : {}),
    ...(request.declare ? { declare: request.declare } : {}),
  });
  const useCase = new ExecuteWorkflowUseCase(catalog, recorder, new MapSecretProvider(request.secrets));
  const runner = await options.createRunner(schedule);
  useCase.registerWith(runner);
  await runner.launch();
  const handle: RunHandle<Json> =
    request.mode === 'start' ? await useCase.start(runner, request.input, { runId: request.runId }) : runner.handle(request.runId);
  const ending = await Promise.race([endingOf(handle), died]);
  if (schedule.crashed) return { crashed: schedule.crashed, ending: undefined, events: recorder.events };
  await runner.shutdown();
  return { crashed: undefined, ending, events: recorder.events };
}

/** How a run ended, as data. */
export async function endingOf(handle: RunHandle<Json>): Promise<RunEnding> {
  try {
    return { kind: 'result', result: await settleRun(handle) };
  } catch (error) {
    return endingOfError(error);
  }
}

/** An error a run ended with, as data (name, code, message). */
export function endingOfError(error: unknown): RunEnding {
  const cause = error instanceof Error ? error : new Error(String(error));
  return { kind: 'error', name: cause.name, code: errorCodeOf(error), message: cause.message };
}
