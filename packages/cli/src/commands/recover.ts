import { CASARE_WORKFLOW, type RunSummary } from '@casare-rpa/application';
import { parseCommandArgs } from '../cli-args.js';
import { dbosConfigOf, openServices, sqliteConfigOf } from '../container.js';
import { chooseDurability } from '../durability.js';
import { ExitCode } from '../errors.js';
import { formatTable, oneLine, writeJson } from '../format.js';
import { HELP } from '../help.js';
import { INTERRUPTED, untilInterrupted } from '../interrupt.js';
import type { CliEnvironment } from '../main.js';
import { progressReporterFor } from '../progress.js';
import { printReport, settleReport, type RunReport } from '../run-output.js';
import { sleepLookupOf } from '../sleep-lookup.js';

/**
 * `casare recover`: launches this executor, which makes DBOS resume every run the executor left
 * pending (of this application version), waits for those runs and reports how each ended.
 * Exit 0 when all completed (or there was nothing to recover), 1 otherwise.
 */
export async function recoverCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('recover', argv, { json: { type: 'boolean' } }, { names: [], required: 0 });
  if (args.help) {
    cli.stdout.write(HELP.recover);
    return ExitCode.success;
  }
  const json = args.flag('json');
  const progressOut = json ? cli.stderr : cli.stdout;
  // Recovery looks where runs are recorded by default: DBOS when CASARE_DATABASE_URL is set, else the SQLite file.
  const { durability } = chooseDurability(undefined, cli.env, 'recover');
  const config = durability === 'dbos' ? dbosConfigOf(cli.env) : { ...sqliteConfigOf(cli.env, cli.cwd), applicationVersion: undefined };
  const reporter = progressReporterFor(progressOut, cli.env, true);
  const services = await openServices({ durability, events: reporter, env: cli.env, cwd: cli.cwd });
  let interrupted = false;
  try {
    await services.runner.launch();
    reporter.watchSleeps(sleepLookupOf(services.runner));
    const { runs, otherVersions } = await recoverableRuns(services.runner.list.bind(services.runner), config.executorId, config.applicationVersion);
    if (otherVersions.length > 0) {
      cli.stderr.write(
        `casare: ${otherVersions.length} pending run(s) of this executor belong to another version (${[...new Set(otherVersions.map((run) => run.applicationVersion))].join(', ')}); only a process with that CASARE_APP_VERSION resumes them\n`,
      );
    }
    progressOut.write(
      runs.length === 0
        ? `Executor ${config.executorId}: no interrupted runs to recover.\n`
        : `Executor ${config.executorId}: recovering ${runs.length} run(s): ${runs.map((run) => run.runId).join(', ')}\n`,
    );
    const settled = await untilInterrupted(Promise.all(runs.map((run) => settleReport(services.runner.handle(run.runId)))), cli.interrupted);
    if (settled === INTERRUPTED) {
      interrupted = true;
      cli.stderr.write('\ncasare: interrupted; the runs stay pending: run "casare recover" again to finish them\n');
      return ExitCode.interrupted;
    }
    await reporter.idle();
    printRecovered(cli, json, settled);
    return settled.every((report) => report.status === 'succeeded') ? ExitCode.success : ExitCode.runFailed;
  } finally {
    if (!interrupted) await services.close();
  }
}

/**
 * Runs this launch has taken over: casare runs of this executor and version that are pending
 * (being executed again) or enqueued (DBOS re-queues recovered runs before dispatching them).
 * A run of another version is left alone: only a process of that version can replay it.
 */
async function recoverableRuns(
  list: (filter: { status: 'pending' | 'enqueued' }) => Promise<readonly RunSummary[]>,
  executorId: string,
  applicationVersion: string | undefined,
): Promise<{ runs: RunSummary[]; otherVersions: RunSummary[] }> {
  const candidates = [...(await list({ status: 'pending' })), ...(await list({ status: 'enqueued' }))];
  const seen = new Set<string>();
  const ours = candidates.filter((run) => {
    if (seen.has(run.runId)) return false;
    seen.add(run.runId);
    return run.workflowName === CASARE_WORKFLOW && (run.executorId === undefined || run.executorId === executorId);
  });
  const sameVersion = (run: RunSummary): boolean =>
    run.applicationVersion === undefined || applicationVersion === undefined || run.applicationVersion === applicationVersion;
  return { runs: ours.filter(sameVersion), otherVersions: ours.filter((run) => !sameVersion(run)) };
}

function printRecovered(cli: CliEnvironment, json: boolean, reports: readonly RunReport[]): void {
  const recovered = reports.map((report) => ({ runId: report.runId, status: report.status, error: report.error }));
  if (json) {
    writeJson(cli.stdout, { recovered });
    return;
  }
  if (reports.length === 0) return;
  // What `casare run` prints of a run (logs, variables, how it ended), for each recovered run.
  for (const report of reports) printReport(cli.stdout, report);
  if (reports.length === 1) return;
  const rows = recovered.map((run) => [
    run.runId,
    run.status,
    run.error ? oneLine(`${run.error.nodeId ? `${run.error.nodeId}: ` : ''}${run.error.message}`, 80) : '',
  ]);
  cli.stdout.write(formatTable(['run id', 'status', 'error'], rows));
}
