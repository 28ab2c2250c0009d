import type { ExecutionEvent, ExecutionEvents, NodeLogLine } from '@casare-rpa/application';
import { formatDuration, formatTimestamp, oneLine, type OutputStream } from './format.js';
import { plainText } from './run-output.js';

/** How the progress of runs is shown. */
export interface ProgressOptions {
  /** Rewrite the current node's line in place (a terminal); otherwise print plain lines. */
  readonly live: boolean;
  /** ANSI colours for the status marks. */
  readonly color: boolean;
  /** Prefix every line with the run id: several runs are reported at once (`casare recover`). */
  readonly showRunId: boolean;
}

/** A durable sleep as the runner recorded it. */
export interface RecordedSleep {
  /** When it ends, ms since the epoch (the planned time: a recovered run wakes then, not later). */
  readonly wakesAt: number;
  /** How long it was set to last. */
  readonly durationMs: number;
}

/** Finds the durable sleep recorded at `stepIndex` of a run; undefined when there is none. */
export type SleepLookup = (runId: string, stepIndex: number) => Promise<RecordedSleep | undefined>;

/**
 * Node types whose outcome may ask the runner for a durable sleep right after them. The events do
 * not say when a sleep begins, so the reporter looks for the sleep's record after these nodes.
 */
const SLEEPING_NODE_TYPES: ReadonlySet<string> = new Set(['WaitNode']);
const COUNTDOWN_MS = 1_000;

const CLEAR_LINE = '\r\x1b[2K';
const COLORS = { green: 32, red: 31, yellow: 33, dim: 2, cyan: 36 } as const;

/**
 * The CLI's `ExecutionEvents` sink: one line per node with its id, type, status, duration and
 * retries. On a terminal the line of the running node is rewritten as it starts, retries and ends;
 * elsewhere (pipes, files, CI) only finished states are printed, one plain line each.
 * Replayed nodes (recovered from a checkpoint) say so instead of pretending to run again.
 */
export class ProgressReporter implements ExecutionEvents {
  private readonly retries = new Map<string, number>();
  private liveLineOpen = false;
  /** Runs this process resumed after an interruption (their bodies reported `run.recovered`). */
  readonly recoveredRuns = new Set<string>();
  private sleepLookup: SleepLookup | undefined;
  /** Sleep lookups in flight, so tests (and a command about to print) can wait for them. */
  private readonly lookups = new Set<Promise<void>>();
  /** Countdown timers of runs in a durable sleep, by run id. */
  private readonly countdowns = new Map<string, ReturnType<typeof setInterval>>();
  /** Bumped by every event of a run: a lookup answering after the run moved on is stale. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly out: OutputStream,
    private readonly options: ProgressOptions,
  ) {}

  /** Lets the reporter say when durable sleeps wake, reading their records through `lookup`. */
  watchSleeps(lookup: SleepLookup): void {
    this.sleepLookup = lookup;
  }

  /** Resolves once every sleep lookup started so far has answered. */
  async idle(): Promise<void> {
    while (this.lookups.size > 0) await Promise.all([...this.lookups]);
  }

  /** Runs whose durable sleep is being counted down. */
  sleepingRuns(): string[] {
    return [...this.countdowns.keys()];
  }

  /** Renders one event; never throws, as the port requires. */
  emit(event: ExecutionEvent): void {
    try {
      this.generations.set(event.runId, (this.generations.get(event.runId) ?? 0) + 1);
      this.stopCountdown(event.runId);
      this.render(event);
    } catch {
      // A broken terminal must not fail a run: progress is informative only.
    }
  }

  /** Prints a node's log line (a Log node's message, an operator warning) as it is written. */
  log(line: NodeLogLine): void {
    try {
      const mark = line.level === 'warn' ? `${this.paint('yellow', '⚠')} ` : '';
      this.line(line.runId, `  ${mark}${line.nodeId}: ${plainText(line.message)}`);
    } catch {
      // As for events: never fail a run over a progress line.
    }
  }

  private render(event: ExecutionEvent): void {
    switch (event.type) {
      case 'run.started':
        this.line(event.runId, `${this.paint('cyan', '▶')} run ${event.runId} started: ${event.workflowName}`);
        return;
      case 'run.recovered':
        this.recoveredRuns.add(event.runId);
        this.line(event.runId, `${this.paint('cyan', '↺')} run ${event.runId} recovered: ${event.workflowName} resumes after its last completed step`);
        return;
      case 'node.started':
        if (this.options.live) this.live(event.runId, this.nodeLine('…', event.nodeId, event.nodeType, 'running'));
        return;
      case 'node.retrying': {
        const key = `${event.runId}:${event.stepIndex}`;
        this.retries.set(key, (this.retries.get(key) ?? 0) + 1);
        // `attempt` is the attempt about to start; the error is the previous one's.
        const status = `retrying, attempt ${event.attempt} (last error: ${oneLine(plainText(event.error), 60)})`;
        const text = this.nodeLine(this.paint('yellow', '↻'), event.nodeId, event.nodeType, status);
        if (this.options.live) this.live(event.runId, text);
        else this.line(event.runId, text);
        return;
      }
      case 'node.completed': {
        const retries = this.takeRetries(`${event.runId}:${event.stepIndex}`);
        const text = event.replayed
          ? this.nodeLine(this.paint('dim', '↺'), event.nodeId, event.nodeType, 'replayed from checkpoint')
          : this.nodeLine(this.paint('green', '✓'), event.nodeId, event.nodeType, 'completed', formatDuration(event.durationMs), retries);
        this.line(event.runId, text);
        if (SLEEPING_NODE_TYPES.has(event.nodeType)) this.lookUpSleep(event.runId, event.nodeId, event.nodeType, event.stepIndex + 1);
        return;
      }
      case 'node.failed': {
        const retries = this.takeRetries(`${event.runId}:${event.stepIndex}`);
        const status = `${event.replayed ? 'failed (replayed)' : 'failed'}: ${oneLine(plainText(event.error.message), 100)}`;
        this.line(event.runId, this.nodeLine(this.paint('red', '✗'), event.nodeId, event.nodeType, status, undefined, retries));
        return;
      }
      case 'task.opened': {
        const deadline = event.deadlineAt === null ? 'no deadline' : `deadline ${formatTimestamp(event.deadlineAt)}`;
        this.line(
          event.runId,
          `${this.paint('cyan', '⌛')} ${event.nodeId} waits for a person: task ${event.taskId} "${oneLine(event.title, 60)}" (${deadline}); casare tasks show ${event.taskId}`,
        );
        return;
      }
      case 'run.completed':
      case 'run.failed':
      case 'run.cancelled':
        // The command prints the run's outcome itself; only close a line left open.
        this.closeLiveLine();
        return;
    }
  }

  /** Finds the sleep recorded after a node and says when it wakes: once, or counting down on a terminal. */
  private lookUpSleep(runId: string, nodeId: string, nodeType: string, stepIndex: number): void {
    const lookup = this.sleepLookup;
    if (lookup === undefined) return;
    const generation = this.generations.get(runId);
    const pending = lookup(runId, stepIndex)
      .then((sleep) => {
        if (sleep === undefined || this.generations.get(runId) !== generation || sleep.wakesAt <= Date.now()) return;
        const mark = this.paint('cyan', '⏾');
        if (!this.options.live) {
          this.line(
            runId,
            this.nodeLine(mark, nodeId, nodeType, `durable sleep of ${formatDuration(sleep.durationMs)}: wakes at ${formatTimestamp(sleep.wakesAt)}`),
          );
          return;
        }
        const tick = (): void => {
          const left = Math.max(0, Math.ceil((sleep.wakesAt - Date.now()) / 1000));
          this.live(runId, this.nodeLine(mark, nodeId, nodeType, `sleeping, wakes at ${formatTimestamp(sleep.wakesAt)} (${left} s left)`));
        };
        tick();
        const timer = setInterval(() => {
          try {
            tick();
          } catch {
            this.stopCountdown(runId);
          }
        }, COUNTDOWN_MS);
        timer.unref?.();
        this.countdowns.set(runId, timer);
      })
      .catch(() => undefined)
      .finally(() => this.lookups.delete(pending));
    this.lookups.add(pending);
  }

  private stopCountdown(runId: string): void {
    const timer = this.countdowns.get(runId);
    if (timer === undefined) return;
    clearInterval(timer);
    this.countdowns.delete(runId);
  }

  private takeRetries(key: string): number {
    const retries = this.retries.get(key) ?? 0;
    this.retries.delete(key);
    return retries;
  }

  private nodeLine(mark: string, nodeId: string, nodeType: string, status: string, duration?: string, retries = 0): string {
    const parts = [`${mark} ${nodeId.padEnd(22)} ${nodeType.padEnd(24)} ${status}`];
    if (duration !== undefined) parts.push(duration);
    if (retries > 0) parts.push(`${retries} ${retries === 1 ? 'retry' : 'retries'}`);
    return parts.join('  ');
  }

  private prefix(runId: string): string {
    return this.options.showRunId ? `[${runId}] ` : '';
  }

  private line(runId: string, text: string): void {
    this.out.write(`${this.liveLineOpen ? CLEAR_LINE : ''}${this.prefix(runId)}${text}\n`);
    this.liveLineOpen = false;
  }

  private live(runId: string, text: string): void {
    this.out.write(`${CLEAR_LINE}${this.prefix(runId)}${text}`);
    this.liveLineOpen = true;
  }

  private closeLiveLine(): void {
    if (!this.liveLineOpen) return;
    this.out.write('\n');
    this.liveLineOpen = false;
  }

  private paint(color: keyof typeof COLORS, text: string): string {
    return this.options.color ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;
  }
}
