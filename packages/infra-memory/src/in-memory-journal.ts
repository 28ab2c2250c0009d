import { waitOutputOf } from '@casare-rpa/application';
import type {
  JournalClaim,
  JournalEnding,
  JournalRunRecord,
  JournalSignal,
  JournalSignalOutcome,
  JournalStep,
  JournalStore,
  JournalWait,
  JournalWaitEnd,
  NewJournalRun,
  RunFilter,
  RunStatus,
} from '@casare-rpa/application';

export type { JournalError, JournalStep, JournalStepKind } from '@casare-rpa/application';

/** One run as the in-memory journal keeps it: the record, its steps, and its creation order. */
export interface JournalRun extends JournalRunRecord {
  /** Recorded operations; position == index. */
  readonly steps: readonly JournalStep[];
  /** Creation order, to sort runs created in the same millisecond. */
  readonly sequence: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A signal kept for a run; `consumedBy` is the index of the wait that consumed it. */
interface StoredSignal extends JournalSignal {
  consumedBy: number | undefined;
}

interface StoredRun {
  record: Mutable<JournalRunRecord>;
  readonly steps: JournalStep[];
  readonly sequence: number;
  /** Signals sent to the run, in the order they were sent (consumed ones stay, for `signalId` checks). */
  readonly signals: StoredSignal[];
  /** Waits begun and not ended, by step index. */
  readonly waits: Map<number, JournalWait>;
}

const ENDED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * The in-memory `JournalStore`: what a database would keep, in maps. It outlives any runner built on
 * it, so a test can drop a runner dead (a simulated crash) and recover with a new one. Owner tokens
 * live as long as their runner: a crashed runner's token dies with it, as a killed process's would.
 */
export class InMemoryJournal implements JournalStore {
  private readonly runs = new Map<string, StoredRun>();
  private readonly liveOwners = new Set<string>();
  private sequence = 0;
  private owners = 0;

  acquireOwner(): string {
    const owner = `memory-${++this.owners}`;
    this.liveOwners.add(owner);
    return owner;
  }

  releaseOwner(owner: string): void {
    this.liveOwners.delete(owner);
  }

  isOwnerAlive(owner: string): boolean {
    return this.liveOwners.has(owner);
  }

  /** The run with this id and its steps, if any. */
  get(runId: string): JournalRun | undefined {
    const stored = this.runs.get(runId);
    return stored && viewOf(stored);
  }

  /** Every run with its steps, in creation order. */
  all(): readonly JournalRun[] {
    return [...this.runs.values()].map(viewOf);
  }

  getRun(runId: string): JournalRunRecord | undefined {
    return this.runs.get(runId)?.record;
  }

  statusOf(runId: string): RunStatus | undefined {
    return this.runs.get(runId)?.record.status;
  }

  listRuns(filter: RunFilter): readonly JournalRunRecord[] {
    const runs = [...this.runs.values()]
      .filter(
        ({ record }) =>
          (filter.status === undefined || record.status === filter.status) &&
          (filter.workflowName === undefined || record.workflowName === filter.workflowName),
      )
      .sort((a, b) => b.record.createdAt - a.record.createdAt || b.sequence - a.sequence)
      .map(({ record }) => record);
    return filter.limit === undefined ? runs : runs.slice(0, Math.max(0, filter.limit));
  }

  pendingRuns(executorId: string): readonly JournalRunRecord[] {
    return [...this.runs.values()].map(({ record }) => record).filter((run) => run.status === 'pending' && run.executorId === executorId);
  }

  steps(runId: string): readonly JournalStep[] {
    return this.runs.get(runId)?.steps ?? [];
  }

  createRun(run: NewJournalRun, steps: readonly JournalStep[]): boolean {
    if (this.runs.has(run.runId)) return false;
    this.runs.set(run.runId, { record: { ...run }, steps: [...steps], sequence: this.sequence++, signals: [], waits: new Map() });
    return true;
  }

  claimRun(runId: string, claim: JournalClaim): boolean {
    const stored = this.runs.get(runId);
    if (!stored || !claim.from.includes(stored.record.status)) return false;
    const { owner } = stored.record;
    if (owner !== undefined && owner !== claim.owner && this.isOwnerAlive(owner)) return false;
    stored.record = { ...stored.record, status: 'pending', owner: claim.owner, executorId: claim.executorId, updatedAt: claim.now, resumedAt: claim.now };
    return true;
  }

  appendStep(runId: string, owner: string, step: JournalStep): boolean {
    const stored = this.runs.get(runId);
    if (!stored || stored.record.owner !== owner) return false;
    if (stored.steps.length !== step.index) throw new Error(`journal of run ${runId} has ${stored.steps.length} steps, cannot record step ${step.index}`);
    stored.steps.push(step);
    stored.record.updatedAt = step.completedAt;
    return true;
  }

  finishRun(runId: string, owner: string, ending: JournalEnding, now: number): boolean {
    const stored = this.runs.get(runId);
    if (!stored || stored.record.owner !== owner) return false;
    stored.record.owner = undefined;
    if (stored.record.status !== 'pending' && stored.record.status !== 'enqueued') return false;
    stored.record.status = ending.status;
    if (ending.status === 'succeeded') stored.record.output = ending.output;
    if (ending.status === 'failed') stored.record.error = ending.error;
    stored.record.updatedAt = now;
    return true;
  }

  cancelRun(runId: string, now: number): JournalRunRecord | undefined {
    const stored = this.runs.get(runId);
    if (!stored) return undefined;
    if (!ENDED.includes(stored.record.status)) {
      stored.record.status = 'cancelled';
      stored.record.updatedAt = now;
    }
    return stored.record;
  }

  addSignal(runId: string, signal: JournalSignal): JournalSignalOutcome {
    const stored = this.runs.get(runId);
    if (!stored) return { outcome: 'no-run' };
    const { status } = stored.record;
    if (status === 'succeeded' || status === 'failed' || status === 'cancelled') return { outcome: 'ended', status };
    if (signal.signalId !== undefined && stored.signals.some((kept) => kept.signalId === signal.signalId)) return { outcome: 'duplicate' };
    stored.signals.push({ ...signal, consumedBy: undefined });
    return { outcome: 'kept' };
  }

  hasSignal(runId: string, name: string): boolean {
    return this.runs.get(runId)?.signals.some((signal) => signal.name === name && signal.consumedBy === undefined) ?? false;
  }

  beginWait(runId: string, owner: string, wait: JournalWait): JournalWait | undefined {
    const stored = this.runs.get(runId);
    if (!stored || stored.record.owner !== owner) return undefined;
    const open = stored.waits.get(wait.index);
    if (open) return open;
    stored.waits.set(wait.index, { ...wait });
    return wait;
  }

  endWait(runId: string, owner: string, index: number, now: number, timedOut: boolean): JournalWaitEnd {
    const stored = this.runs.get(runId);
    if (!stored || stored.record.owner !== owner) return { outcome: 'lost' };
    const open = stored.waits.get(index);
    if (!open) throw new Error(`run ${runId} has no open wait at step ${index}`);
    const signal = stored.signals.find((kept) => kept.name === open.name && kept.consumedBy === undefined);
    if (!signal && !timedOut) return { outcome: 'no-signal' };
    const output = waitOutputOf(signal ? { kind: 'received', value: signal.value } : { kind: 'timeout' });
    const step: JournalStep = { index, name: open.name, kind: 'wait', status: 'completed', output, startedAt: open.startedAt, completedAt: now, attempts: 1 };
    if (!this.appendStep(runId, owner, step)) return { outcome: 'lost' };
    if (signal) signal.consumedBy = index;
    stored.waits.delete(index);
    return { outcome: 'recorded', step };
  }

  /** Everything persisted, as JSON text (what a leak check searches): runs, steps, signals and open waits. */
  dump(runId?: string): string {
    const stored = runId === undefined ? [...this.runs.values()] : [this.runs.get(runId)].filter((run) => run !== undefined);
    return JSON.stringify(stored.map((run) => ({ ...viewOf(run), signals: run.signals, waits: [...run.waits.values()] })));
  }
}

function viewOf(stored: StoredRun): JournalRun {
  return { ...stored.record, steps: stored.steps, sequence: stored.sequence };
}
