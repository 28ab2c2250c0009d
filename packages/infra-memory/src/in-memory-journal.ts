import type { Json, JsonObject } from '@casare-rpa/domain';
import type { RunStatus, StepKind } from '@casare-rpa/application';

/** An error as the journal keeps it: plain JSON, like a database row would. */
export interface JournalError {
  readonly name: string;
  readonly message: string;
  /** Enumerable own properties of the error (`code`, data), JSON-cloned. */
  readonly data: JsonObject;
}

/** Kind of durable operation a journal step records: the port's `StepKind`, kept as is. */
export type JournalStepKind = StepKind;

/** One recorded durable operation. */
export interface JournalStep {
  readonly index: number;
  readonly name: string;
  readonly kind: JournalStepKind;
  readonly status: 'completed' | 'failed';
  /** Result of a completed step; the wake time of a sleep; the time read by `now`. */
  readonly output?: Json;
  readonly error?: JournalError;
  readonly startedAt: number;
  readonly completedAt: number;
  /** Attempts the recording execution made (1 without retries). */
  readonly attempts: number;
}

/** One run as the journal keeps it. */
export interface JournalRun {
  readonly runId: string;
  readonly workflowName: string;
  /** The workflow argument, JSON-cloned at start. */
  readonly input: Json;
  status: RunStatus;
  readonly createdAt: number;
  updatedAt: number;
  readonly executorId: string;
  /** Recorded operations; position == index. */
  readonly steps: JournalStep[];
  /** Result of a succeeded run. */
  output?: Json;
  /** Error of a failed run. */
  error?: JournalError;
  /** Run and step a fork was taken from. */
  readonly forkedFrom?: { readonly runId: string; readonly fromStep: number };
  /** Creation order, to sort runs created in the same millisecond. */
  readonly sequence: number;
}

/**
 * The in-memory runner's durable store: what a database would keep. It outlives any runner built on
 * it, so a test can drop a runner dead (a simulated crash) and recover with a new one.
 */
export class InMemoryJournal {
  private readonly runs = new Map<string, JournalRun>();
  private sequence = 0;

  /** The run with this id, if any. */
  get(runId: string): JournalRun | undefined {
    return this.runs.get(runId);
  }

  /** Every run, in creation order. */
  all(): readonly JournalRun[] {
    return [...this.runs.values()];
  }

  /** Adds a run; the id must be new. */
  create(run: Omit<JournalRun, 'sequence'>): JournalRun {
    if (this.runs.has(run.runId)) throw new Error(`journal already has run ${run.runId}`);
    const created: JournalRun = { ...run, sequence: this.sequence++ };
    this.runs.set(run.runId, created);
    return created;
  }

  /** Everything persisted, as JSON text (what a leak check searches). */
  dump(runId?: string): string {
    const runs = runId === undefined ? this.all() : [this.runs.get(runId)].filter((run) => run !== undefined);
    return JSON.stringify(runs);
  }
}

/** A JSON deep copy of a value, so the journal never shares objects with a running body. */
export function cloneJson<T extends Json>(value: T): T {
  if (value === undefined) return null as T;
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The journal form of a thrown value: name, message and enumerable data. */
export function toJournalError(error: unknown): JournalError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), data: {} };
  const data: Record<string, Json> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) data[key] = JSON.parse(json) as Json;
    } catch {
      // Cyclic or otherwise unserialisable data is dropped, as a database serializer would.
    }
  }
  return { name: error.name, message: error.message, data };
}

/** An `Error` rebuilt from its journal form: same name, message and data (`code`...), not the same class. */
export function fromJournalError(error: JournalError): Error {
  const rebuilt = new Error(error.message);
  Object.assign(rebuilt, cloneJson(error.data));
  rebuilt.name = error.name;
  return rebuilt;
}
