import { errorCodeOf, hasErrorCode, runFailureOf, settleRun, type RunHandle, type RunResult, type RunStatus } from '@casare-rpa/application';
import type { Json, JsonObject, NodeError } from '@casare-rpa/domain';
import { ExitCode } from './errors.js';
import { formatDuration, formatTimestamp, oneLine, writeJson, type OutputStream } from './format.js';

/** How a run ended, as `casare run --json` prints it: exactly these five members. */
export interface RunReport {
  readonly runId: string;
  /** `succeeded`, `failed`, or `cancelled`: the runner port's words, as `runs list` and `runs show` print them. */
  readonly status: EndedStatus;
  /** Final variables (sensitive ones redacted); empty when the run ended before producing any. */
  readonly variables: JsonObject;
  /** Messages of the Log nodes, in order. */
  readonly logs: readonly string[];
  /** Why the run did not complete; null when it did. */
  readonly error: NodeError | null;
}

/** How a run ended, in the words of the runner port (`RunStatus`). */
export type EndedStatus = Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>;

/**
 * The one place the CLI turns a run result's status into the word users read: the use case says
 * `completed`, the runner port (and so `runs list`, `runs show`, `--status`) says `succeeded`.
 */
export function userStatusOf(status: RunResult['status'] | 'cancelled'): EndedStatus {
  return status === 'completed' ? 'succeeded' : status;
}

// CSI sequences (colours, cursor moves) and OSC sequences that libraries such as Playwright put in
// their error messages for terminals.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** Text without terminal escape codes: recorded errors are read in files, pipes and JSON too. */
export function plainText(text: string): string {
  return text.replace(ANSI, '');
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
    const code = errorCodeOf(error);
    const cancelled = hasErrorCode(error, 'RUN_CANCELLED');
    return {
      runId: handle.runId,
      status: cancelled ? 'cancelled' : 'failed',
      variables: {},
      logs: [],
      error: { nodeId: '', code: code ?? 'RUN_ERROR', message: plainText(cause.message), type: cause.name, attempts: 0 },
    };
  }
}

/** The five members of `RunReport` out of a `RunResult` (which also carries node outputs). */
export function reportOf(result: RunResult): RunReport {
  const error = result.error === null ? null : { ...result.error, message: plainText(result.error.message) };
  return { runId: result.runId, status: userStatusOf(result.status), variables: result.variables, logs: result.logs, error };
}

/** Exit code of a finished run: 0 succeeded, 1 otherwise. */
export function exitCodeOf(report: RunReport): ExitCode {
  return report.status === 'succeeded' ? ExitCode.success : ExitCode.runFailed;
}

/** What `printReport` says besides the report itself. */
export interface PrintOptions {
  /** How long this command waited for the run. */
  readonly elapsedMs?: number;
  /** The progress already printed the Log nodes' messages as they came: do not repeat them. */
  readonly logsShown?: boolean;
  /** The run ended before this command: when it was created and last updated (its recorded length). */
  readonly recorded?: { readonly createdAt: number; readonly updatedAt: number };
}

/** Prints a run's outcome for people: its logs, variables and how it ended. */
export function printReport(out: OutputStream, report: RunReport, options: PrintOptions = {}): void {
  if (report.logs.length > 0 && options.logsShown !== true) {
    out.write('Logs:\n');
    for (const line of report.logs) out.write(`  ${line}\n`);
  }
  const names = Object.keys(report.variables);
  if (names.length > 0) {
    out.write('Variables:\n');
    const width = Math.min(24, Math.max(...names.map((name) => name.length)));
    for (const name of names) out.write(`  ${name.padEnd(width)} = ${oneLine(JSON.stringify(report.variables[name]) ?? 'null', 100)}\n`);
  }
  const { recorded, elapsedMs } = options;
  const took =
    recorded !== undefined
      ? ` (recorded: ended ${formatTimestamp(recorded.updatedAt)}, ${formatDuration(recorded.updatedAt - recorded.createdAt)} after it was created)`
      : elapsedMs === undefined
        ? ''
        : ` in ${formatDuration(elapsedMs)}`;
  if (report.status === 'succeeded') {
    out.write(`Run ${report.runId} succeeded${took}.\n`);
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
