import { DbosWorkerFleet } from '@casare-rpa/infra-dbos';
import { parseCommandArgs } from '../cli-args.js';
import { dbosConfigOf } from '../container.js';
import { ExitCode, UsageError } from '../errors.js';
import { formatTable, formatTimestamp, writeJson } from '../format.js';
import { HELP } from '../help.js';
import type { CliEnvironment } from '../cli-environment.js';

const OPTIONS = { json: { type: 'boolean' }, 'takeover-after': { type: 'string' } } as const;

/** `casare workers list`: each executor of the fleet, its queues, last heartbeat, runs in flight, alive or not. */
export async function workersCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const [subcommand, ...rest] = argv;
  if (subcommand !== 'list') {
    if (subcommand === undefined) {
      cli.stderr.write(HELP.workers);
      return ExitCode.usage;
    }
    throw new UsageError(`unknown subcommand "workers ${subcommand}": use list`, 'workers');
  }
  const args = parseCommandArgs('workers', rest, OPTIONS, { names: [], required: 0 });
  if (args.help) {
    cli.stdout.write(HELP.workers);
    return ExitCode.success;
  }
  const staleAfter = Number(args.string('takeover-after') ?? 30);
  if (!Number.isFinite(staleAfter) || staleAfter <= 0) throw new UsageError('--takeover-after must be a positive number of seconds', 'workers');
  const { workers, foreignVersions } = await DbosWorkerFleet.list(dbosConfigOf(cli.env).databaseUrl, staleAfter * 1000);
  if (args.flag('json')) {
    writeJson(cli.stdout, { workers, foreignVersions });
    return ExitCode.success;
  }
  if (workers.length === 0) {
    cli.stdout.write('No workers have recorded a heartbeat in this database.\n');
    return ExitCode.success;
  }
  cli.stdout.write(
    formatTable(
      ['executor', 'version', 'queues', 'last heartbeat', 'in flight', 'state'],
      workers.map((worker) => [
        worker.executorId,
        worker.applicationVersion,
        worker.queues.join(','),
        formatTimestamp(worker.lastHeartbeat),
        String(worker.runsInFlight),
        worker.alive ? 'alive' : worker.takenOverBy === undefined ? 'dead' : `dead, taken over by ${worker.takenOverBy}`,
      ]),
    ),
  );
  for (const foreign of foreignVersions) {
    cli.stdout.write(`${foreign.runs} pending run(s) of executor ${foreign.executorId} are of version ${foreign.applicationVersion}: left alone\n`);
  }
  return ExitCode.success;
}
