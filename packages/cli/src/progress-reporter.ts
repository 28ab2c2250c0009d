import type { ExecutionEvent, ExecutionEvents } from '@casare-rpa/application';
import { formatDuration, oneLine, type OutputStream } from './format.js';

/** How the progress of runs is shown. */
export interface ProgressOptions {
  /** Rewrite the current node's line in place (a terminal); otherwise print plain lines. */
  readonly live: boolean;
  /** ANSI colours for the status marks. */
  readonly color: boolean;
  /** Prefix every line with the run id: several runs are reported at once (`casare recover`). */
  readonly showRunId: boolean;
}

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

  constructor(
    private readonly out: OutputStream,
    private readonly options: ProgressOptions,
  ) {}

  /** Renders one event; never throws, as the port requires. */
  emit(event: ExecutionEvent): void {
    try {
      this.render(event);
    } catch {
      // A broken terminal must not fail a run: progress is informative only.
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
        const status = `retrying, attempt ${event.attempt} (last error: ${oneLine(event.error, 60)})`;
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
        return;
      }
      case 'node.failed': {
        const retries = this.takeRetries(`${event.runId}:${event.stepIndex}`);
        const status = `${event.replayed ? 'failed (replayed)' : 'failed'}: ${oneLine(event.error.message, 100)}`;
        this.line(event.runId, this.nodeLine(this.paint('red', '✗'), event.nodeId, event.nodeType, status, undefined, retries));
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
