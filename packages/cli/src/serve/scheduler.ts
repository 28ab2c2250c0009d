import { nextTickAfter } from '@casare-rpa/nodes';
import type { ScheduleTrigger, ServedWorkflow } from './served-workflows.js';

/** What the scheduler does at a tick, and how it finds the last tick any process ran. */
export interface ScheduleDispatch {
  /** Starts the run of a tick; a run id that exists starts nothing. */
  startTick(workflow: ServedWorkflow, trigger: ScheduleTrigger, runId: string, tickMs: number, runNumber: number): Promise<void>;
  /** Run ids of recorded runs that start with `prefix` (for catch-up after downtime). */
  runIdsWithPrefix(prefix: string): Promise<readonly string[]>;
  /** A tick could not be started (the database is down...); the scheduler carries on with the next one. */
  onError(workflow: ServedWorkflow, trigger: ScheduleTrigger, error: unknown): void;
}

/** Most ticks started at once when catching up after downtime. */
const MAX_CATCH_UP_TICKS = 1000;

/** The run id of one tick: workflow, trigger node and the tick's instant (ISO, UTC). */
export function tickRunId(workflow: ServedWorkflow, trigger: ScheduleTrigger, tickMs: number): string {
  return `${tickRunPrefix(workflow, trigger)}${new Date(tickMs).toISOString()}`;
}

function tickRunPrefix(workflow: ServedWorkflow, trigger: ScheduleTrigger): string {
  return `schedule:${workflow.key}:${trigger.nodeId}:`;
}

/**
 * Fires the ScheduleTriggerNodes of served workflows. Each tick's run id derives from the workflow
 * and the tick's instant, which every serving process computes alike from the config alone, so
 * several processes, a restart or a crash never start a tick twice (docs/architecture.md, rule 5):
 * the durable runner executes a run id once. Ticks missed while no process served are skipped,
 * unless the node sets `catch_up: true`: then every tick after the last recorded one is started.
 */
export class Scheduler {
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;
  /** Ticks this process started, for the node's `run_number` output (per process: the original's count). */
  #fired = 0;

  constructor(
    private readonly workflows: readonly ServedWorkflow[],
    private readonly dispatch: ScheduleDispatch,
    private readonly now: () => number = Date.now,
  ) {}

  /** Arms every enabled schedule (and starts the missed ticks of those that catch up). */
  async start(): Promise<void> {
    for (const workflow of this.workflows) {
      for (const trigger of workflow.schedules) {
        if (!trigger.spec.enabled) continue;
        let after = this.now();
        if (trigger.spec.catch_up) after = await this.#catchUp(workflow, trigger, after);
        this.#armAfter(workflow, trigger, after);
      }
    }
  }

  /** Disarms every schedule; runs already started go on. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #catchUp(workflow: ServedWorkflow, trigger: ScheduleTrigger, now: number): Promise<number> {
    const prefix = tickRunPrefix(workflow, trigger);
    const recorded = (await this.dispatch.runIdsWithPrefix(prefix)).map((id) => Date.parse(id.slice(prefix.length))).filter(Number.isFinite);
    if (recorded.length === 0) return now;
    let tick = nextTickAfter(trigger.spec, Math.max(...recorded));
    for (let started = 0; tick !== undefined && tick <= now && started < MAX_CATCH_UP_TICKS; started++) {
      await this.#fire(workflow, trigger, tick);
      tick = nextTickAfter(trigger.spec, tick);
    }
    return now;
  }

  #armAfter(workflow: ServedWorkflow, trigger: ScheduleTrigger, after: number): void {
    if (this.#stopped) return;
    const tick = nextTickAfter(trigger.spec, after);
    if (tick === undefined) return;
    // Timers of more than ~24.8 days overflow: wake up earlier and compute again.
    const delay = Math.min(Math.max(0, tick - this.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.now() < tick) {
        this.#armAfter(workflow, trigger, after);
        return;
      }
      this.#armAfter(workflow, trigger, tick);
      void this.#fire(workflow, trigger, tick);
    }, delay);
    this.#timers.add(timer);
  }

  async #fire(workflow: ServedWorkflow, trigger: ScheduleTrigger, tick: number): Promise<void> {
    try {
      if (trigger.spec.max_runs > 0) {
        // max_runs counts the ticks any process recorded, not only this one's.
        const runId = tickRunId(workflow, trigger, tick);
        const recorded = (await this.dispatch.runIdsWithPrefix(tickRunPrefix(workflow, trigger))).filter((id) => id !== runId);
        if (recorded.length >= trigger.spec.max_runs) return;
      }
      await this.dispatch.startTick(workflow, trigger, tickRunId(workflow, trigger, tick), tick, ++this.#fired);
    } catch (error) {
      this.dispatch.onError(workflow, trigger, error);
    }
  }
}
