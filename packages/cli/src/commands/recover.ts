import { FindRecoverableRunsUseCase } from '@casare-rpa/application';
import { parseCommandArgs } from '../cli-args.js';
import type { CliEnvironment } from '../cli-environment.js';
import { dbosConfigOf, sqliteConfigOf } from '../container.js';
import { chooseDurability } from '../durability.js';
import { ExitCode } from '../errors.js';
import { formatTable, oneLine, writeJson } from '../format.js';
import { HELP } from '../help.js';
import { printReport, type RunReport } from '../run-output.js';
import { withRunSession } from '../run-session.js';

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
  // Recovery looks where runs are recorded by default: DBOS when CASARE_DATABASE_URL is set, else the SQLite file.
  const { durability } = chooseDurability(undefined, cli.env, 'recover');
  const config = durability === 'dbos' ? dbosConfigOf(cli.env) : { ...sqliteConfigOf(cli.env, cli.cwd), applicationVersion: undefined };
  return withRunSession(cli, { durability, json, showRunIds: true }, async ({ services, progress, follow }) => {
    const { runs, otherVersions } = await new FindRecoverableRunsUseCase(services.runner).find(config);
    if (otherVersions.length > 0) {
      cli.stderr.write(
        `casare: ${otherVersions.length} pending run(s) of this executor belong to another version (${[...new Set(otherVersions.map((run) => run.applicationVersion))].join(', ')}); only a process with that CASARE_APP_VERSION resumes them\n`,
      );
    }
    progress.write(
      runs.length === 0
        ? `Executor ${config.executorId}: no interrupted runs to recover.\n`
        : `Executor ${config.executorId}: recovering ${runs.length} run(s): ${runs.map((run) => run.runId).join(', ')}\n`,
    );
    const reports = await follow(
      runs.map((run) => services.runner.handle(run.runId)),
      'interrupted; the runs stay pending: run "casare recover" again to finish them',
    );
    if (reports === undefined) return ExitCode.interrupted;
    printRecovered(cli, json, reports);
    return reports.every((report) => report.status === 'succeeded') ? ExitCode.success : ExitCode.runFailed;
  });
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
