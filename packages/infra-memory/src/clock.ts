import type { Clock } from '@casare-rpa/application';

export { systemClock, type Clock } from '@casare-rpa/application';
interface Sleeper {
  readonly wakeAt: number;
  readonly wake: () => void;
}

/** Options of `VirtualClock`. */
export interface VirtualClockOptions {
  /** Start time, ms since the epoch (default 2030-01-01T00:00:00Z, far from any real clock reading). */
  readonly start?: number;
  /**
   * True (default): a sleep jumps the clock to its wake time on the next turn of the event loop, so
   * runs with hours of sleeps and retry backoff finish at once. False: time moves only by `advance`.
   */
  readonly autoAdvance?: boolean;
}

/** A clock that tests move by hand (or that jumps ahead by itself): nothing ever waits for real. */
export class VirtualClock implements Clock {
  private current: number;
  private readonly autoAdvance: boolean;
  private sleepers: Sleeper[] = [];

  constructor(options: VirtualClockOptions = {}) {
    this.current = options.start ?? Date.UTC(2030, 0, 1);
    this.autoAdvance = options.autoAdvance ?? true;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const wakeAt = this.current + Math.max(0, ms);
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper: Sleeper = { wakeAt, wake: resolve };
      this.sleepers.push(sleeper);
      // Woken early: the sleeper leaves, so time never jumps to a wake-up nobody waits for.
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((other) => other !== sleeper);
          resolve();
        },
        { once: true },
      );
      // Yield one macrotask first so work already queued (other runs, the test) sees the time before.
      if (this.autoAdvance) setImmediate(() => this.advanceTo(wakeAt));
    });
  }

  /** Moves time forward by `ms` and wakes every sleeper due by then. */
  advance(ms: number): void {
    this.advanceTo(this.current + Math.max(0, ms));
  }

  /** Moves time forward to `time` (never backwards) and wakes every sleeper due by then. */
  advanceTo(time: number): void {
    this.current = Math.max(this.current, time);
    const due = this.sleepers.filter((sleeper) => sleeper.wakeAt <= this.current);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.wakeAt > this.current);
    for (const sleeper of due) sleeper.wake();
  }

  /** Wake time of the earliest pending sleep, if any. */
  nextWakeAt(): number | undefined {
    return this.sleepers.reduce<number | undefined>(
      (earliest, sleeper) => (earliest === undefined || sleeper.wakeAt < earliest ? sleeper.wakeAt : earliest),
      undefined,
    );
  }
}
