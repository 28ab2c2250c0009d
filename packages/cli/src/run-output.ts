import { RunCancelledError, runFailureOf, settleRun, type RunHandle, type RunResult } from '@casare-rpa/application';
import type { Json, JsonObject, NodeError } from '@casare-rpa/domain';
import { ExitCode } from './errors.js';
import { formatDuration, oneLine, writeJson, type OutputStream } from './format.js';

/** How a run ended, as `casare run --json` prints it: exactly these five members. */
export interface RunReport {
  readonly runId: string;
  /** `completed`, `failed`, or `cancelled`. */
  readonly status: 'completed' | 'failed' | 'cancelled';
  /** Final variables (sensitive ones redacted); empty when the run ended before producing any. */
  readonly variables: JsonObject;
  /** Messages of the Log nodes, in order. */
  readonly logs: readonly string[];
  /** Why the run did not complete; null when it did. */
  readonly error: NodeError | null;
}

/**
 * Waits for a run and turns any ending into a `RunReport`: completed and failed runs carry their
 * `RunResult`; a cancelled run or one that broke outside a node (nondeterminism, a lost database)
 * is reported with what is known, so `--json` always prints one object.
 */
export async function settleReport(handle: RunHandle<Json>): Promise<RunReport> {
  try {
    return reportOf(await settleRun(handle));
  } catch (error) {
    const failed = runFailureOf(error);
    if (failed) return reportOf(failed);
    const cause = error instanceof Error ? error : new Error(String(error));
    const code = (error as { code?: unknown }).code;
    const cancelled = error instanceof RunCancelledError || code === 'RUN_CANCELLED';
    return {
      runId: handle.runId,
      status: cancelled ? 'cancelled' : 'failed',
      variables: {},
      logs: [],
      error: { nodeId: '', code: typeof code === 'string' ? code : 'RUN_ERROR', message: cause.message, type: cause.name, attempts: 0 },
    };
  }
}

/** The five members of `RunReport` out of a `RunResult` (which also carries node outputs). */
export function reportOf(result: RunResult): RunReport {
  return { runId: result.runId, status: result.status, variables: result.variables, logs: result.logs, error: result.error };
}

/** Exit code of a finished run: 0 completed, 1 otherwise. */
export function exitCodeOf(report: RunReport): ExitCode {
  return report.status === 'completed' ? ExitCode.success : ExitCode.runFailed;
}

/** Prints a run's outcome for people: its logs, variables and how it ended. */
export function printReport(out: OutputStream, report: RunReport, elapsedMs?: number): void {
  if (report.logs.length > 0) {
    out.write('Logs:\n');
    for (const line of report.logs) out.write(`  ${line}\n`);
  }
  const names = Object.keys(report.variables);
  if (names.length > 0) {
    out.write('Variables:\n');
    const width = Math.min(24, Math.max(...names.map((name) => name.length)));
    for (const name of names) out.write(`  ${name.padEnd(width)} = ${oneLine(JSON.stringify(report.variables[name]) ?? 'null', 100)}\n`);
  }
  const took = elapsedMs === undefined ? '' : ` in ${formatDuration(elapsedMs)}`;
  if (report.status === 'completed') {
    out.write(`Run ${report.runId} completed${took}.\n`);
    return;
  }
  const error = report.error;
  const where = error && error.nodeId ? ` at node ${error.nodeId}` : '';
  const attempts = error && error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
  const why = error ? `: ${error.message}${error.code ? ` [${error.code}]` : ''}` : '';
  out.write(`Run ${report.runId} ${report.status}${where}${attempts}${took}${why}\n`);
}

/** Prints the report as `--json` wants it: one object, nothing else on stdout. */
export function printReportJson(out: OutputStream, report: RunReport): void {
  writeJson(out, { runId: report.runId, status: report.status, variables: report.variables, logs: report.logs, error: report.error });
}
