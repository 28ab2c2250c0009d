import { recordedNodesOf } from '@casare-rpa/application';
import type { RunSummary, StepKind, StepRecord } from '@casare-rpa/application';
import { plainText } from './run-output.js';

/** One node execution inside a step, read for people. */
export interface NodeRow {
  readonly nodeId: string;
  readonly status: 'completed' | 'failed';
  /** Wall time of the node's successful attempt; null when the step did not record it. */
  readonly durationMs: number | null;
  readonly attempts: number;
  readonly error: string | null;
}

/** One row of `casare runs show`: a recorded durable step, read for people. */
export interface StepRow {
  /** Deterministic step index (what `runs fork --from-step` takes). */
  readonly index: number;
  /** `step` for a node execution, `sleep` for a Wait node's durable sleep, `now` for a durable clock read, `wait` for a wait for a signal. */
  readonly kind: StepKind;
  /** Node id of the step's first node for node steps; the signal name of a wait; `sleep` or `now` for the others (`kind` tells a sleep from a node named `sleep`). */
  readonly nodeId: string;
  /**
   * `failed` when the step's last node failed after its last attempt (recorded as an outcome with an
   * error); `sleeping` for a durable sleep of a run that has not ended, whose wake time is still ahead.
   */
  readonly status: 'completed' | 'failed' | 'sleeping';
  /** True when the step completed before the run was resumed: its result was replayed, not re-run. */
  readonly replayed: boolean;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly durationMs: number | null;
  /** Attempts the step took; null for steps that are not node executions (sleeps, clock reads). */
  readonly attempts: number | null;
  /** Why the step failed. */
  readonly error: string | null;
  /** When a durable sleep ends (or ended), ms since the epoch; null for other steps. */
  readonly wakesAt: number | null;
  /**
   * The node executions the step recorded, in order: one for an `every-node` step, the stretch of
   * pure and page nodes and the world node ending it for an `effects` step; none for sleeps.
   */
  readonly nodes: readonly NodeRow[];
}

/**
 * Reads the runner's step records as rows. A node that failed after its retries is recorded by the
 * use case as a completed step whose outcome holds `error` (so replay routes it the same way): it
 * shows as failed here, with its attempts.
 */
export function stepRowsOf(run: RunSummary, steps: readonly StepRecord[], now = Date.now()): StepRow[] {
  const ended = run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled';
  return steps.map((step) => {
    // Only node steps record node outcomes; a sleep's output is its wake time, a clock read's the time.
    const nodes: NodeRow[] = recordedNodesOf(step).map((node) => ({
      nodeId: node.nodeId,
      status: node.outcome.error ? 'failed' : 'completed',
      durationMs: node.durationMs ?? null,
      attempts: node.outcome.error?.attempts || node.attempts || 1,
      error: node.outcome.error ? plainText(`${node.outcome.error.message} [${node.outcome.error.code}]`) : null,
    }));
    const last = nodes.at(-1);
    const startedAt = step.startedAt ?? null;
    const wakesAt = step.kind === 'sleep' ? (typeof step.output === 'number' ? step.output : (step.completedAt ?? null)) : null;
    // Runners record a sleep when it begins (DBOS with its planned end as completion, the journal
    // runners at its start): the planned end is the sleep's end, whether it is over or not.
    const completedAt = wakesAt ?? step.completedAt ?? null;
    const sleeping = wakesAt !== null && !ended && wakesAt > now;
    return {
      index: step.index,
      kind: step.kind,
      nodeId: step.name,
      status: step.status === 'failed' || last?.status === 'failed' ? 'failed' : sleeping ? 'sleeping' : 'completed',
      replayed: isBefore(startedAt ?? completedAt, run.resumedAt),
      startedAt,
      completedAt,
      durationMs: startedAt !== null && completedAt !== null ? completedAt - startedAt : null,
      attempts: last?.attempts ?? null,
      error: step.error !== undefined ? plainText(step.error) : (last?.error ?? null),
      wakesAt,
      nodes,
    };
  });
}

/**
 * A step recorded before the run was picked up again was replayed by that execution. The start
 * time decides, not the end: a durable sleep is recorded when it begins, with its planned end.
 */
function isBefore(time: number | null, resumedAt: number | undefined): boolean {
  return time !== null && resumedAt !== undefined && time < resumedAt;
}

/** What the `node` column of `casare runs show` says for a row: the node id, or what the runner did there. */
export function nodeLabelOf(row: Pick<StepRow, 'kind' | 'nodeId'>): string {
  if (row.kind === 'sleep') return '(durable sleep)';
  if (row.kind === 'now') return '(clock read)';
  if (row.kind === 'wait') return row.nodeId === '' ? '(wait for a signal)' : `(wait for signal ${row.nodeId})`;
  return row.nodeId;
}
