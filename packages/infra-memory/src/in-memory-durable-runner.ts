import { JournalDurableRunner, type Clock, type StepPoint } from '@casare-rpa/application';
export type { StepPhase, StepPoint } from '@casare-rpa/application';
import { InMemoryJournal } from './in-memory-journal.js';

/** Options of `InMemoryDurableRunner`. */
export interface InMemoryDurableRunnerOptions {
  /** The store; pass the same journal to a new runner to recover after a simulated crash. */
  readonly journal?: InMemoryJournal;
  /** Time for sleeps, retry waits and `now()` (a `VirtualClock` in tests); attempt timeouts stay on real timers. */
  readonly clock?: Clock;
  /** This runner's executor id; `launch()` recovers only the pending runs of its executor. */
  readonly executorId?: string;
  /** Called at each `StepPhase`; call `runner.crash()` in it to drop the runner dead right there. */
  readonly onStepPoint?: (point: StepPoint, runner: InMemoryDurableRunner) => void;
}

/**
 * The in-memory twin of the durable adapters: the shared `JournalDurableRunner` core over an
 * `InMemoryJournal`. `crash()` (or an `onStepPoint` hook calling it) drops the runner dead as a
 * SIGKILL would; a new runner over the same journal recovers on `launch()`.
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
