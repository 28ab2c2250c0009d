import { JournalDurableRunner, type Clock, type StepPoint } from '@casare-rpa/application';
export type { StepPhase, StepPoint } from '@casare-rpa/application';
import { InMemoryJournal } from './in-memory-journal.js';

/** Options of `InMemoryDurableRunner`. */
export interface InMemoryDurableRunnerOptions {
  /**
   * The store; pass the same journal to a new runner to recover after a simulated crash.
   * @default a new, empty `InMemoryJournal`
   */
  readonly journal?: InMemoryJournal;
  /**
   * Time for sleeps, retry waits and `now()` (a `VirtualClock` in tests); attempt timeouts stay on real timers.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * This runner's executor id; `launch()` recovers only the pending runs of its executor.
   * @default 'local'
   */
  readonly executorId?: string;
  /** Called at each `StepPhase`; call `runner.crash()` in it to drop the runner dead right there. */
  readonly onStepPoint?: (point: StepPoint, runner: InMemoryDurableRunner) => void;
}

/**
 * The in-memory twin of the durable adapters: the shared `JournalDurableRunner` core over an
 * `InMemoryJournal`. `crash()` (or an `onStepPoint` hook calling it) drops the runner dead as a
 * SIGKILL would; a new runner over the same journal recovers on `launch()`.
 *
 * @example
 * ```ts
 * const journal = new InMemoryJournal();
 * const runner = new InMemoryDurableRunner({
 *   journal,
 *   onStepPoint: (point, self) => point.phase === 'after-record' && point.stepIndex === 2 && self.crash(),
 * });
 * useCase.registerWith(runner);
 * await runner.launch();
 * await useCase.start(runner, input, { runId: 'r1' }); // dies after recording step 2
 * const recovered = new InMemoryDurableRunner({ journal }); // the next "process"
 * useCase.registerWith(recovered);
 * await recovered.launch(); // resumes r1 after step 2
 * ```
 */
export class InMemoryDurableRunner extends JournalDurableRunner {
  /** The store this runner records into. */
  readonly journal: InMemoryJournal;

  constructor(options: InMemoryDurableRunnerOptions = {}) {
    const journal = options.journal ?? new InMemoryJournal();
    const hook = options.onStepPoint;
    super({
      store: journal,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.executorId ? { executorId: options.executorId } : {}),
      ...(hook ? { onStepPoint: (point: StepPoint, runner: JournalDurableRunner) => hook(point, runner as InMemoryDurableRunner) } : {}),
    });
    this.journal = journal;
  }
}
