import { randomUUID } from 'node:crypto';
import { ExecuteWorkflowUseCase, ValidateWorkflowUseCase, type ExecutionEvents } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { DbosQueueSubmitter, redactDatabaseUrl } from '@casare-rpa/infra-dbos';
import { parseCommandArgs } from '../cli-args.js';
import type { CliEnvironment } from '../cli-environment.js';
import { createContainer, dbosConfigOf } from '../container.js';
import { ExitCode, UsageError } from '../errors.js';
import { HELP } from '../help.js';
import { findRun } from '../find-run.js';
import { printRunEnd, untilSettled } from '../run-session.js';
import { parseVariableAssignments } from '../run-variables.js';
import { loadWorkflowFile } from '../workflow-file.js';
import { DEFAULT_QUEUE } from './queue-settings.js';

const OPTIONS = {
  queue: { type: 'string' },
  'run-id': { type: 'string' },
  priority: { type: 'string' },
  delay: { type: 'string' },
  var: { type: 'string', multiple: true },
  wait: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The largest DBOS queue priority, the lowest one: 0 is the highest. */
const MAX_PRIORITY = 2_147_483_647;

/** Events of a process that executes nothing. */
const NO_EVENTS: ExecutionEvents = { emit: () => {} };

/**
 * `casare submit <file>`: validates a workflow and enqueues a run of it on a DBOS queue through a
 * `DBOSClient` (no workflow executes in this process); prints its id, or with `--wait` its result.
 */
export async function submitCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('submit', argv, OPTIONS, { names: ['file'], required: 1 });
  if (args.help) {
    cli.stdout.write(HELP.submit);
    return ExitCode.success;
  }
  const json = args.flag('json');
  const queue = args.string('queue')?.trim() || DEFAULT_QUEUE;
  const requestedRunId = args.string('run-id');
  if (requestedRunId !== undefined && requestedRunId.trim() === '') throw new UsageError('--run-id needs a non-empty id', 'submit');
  const priority = priorityOf(args.string('priority'));
  const delaySeconds = delayOf(args.string('delay'));
  const inputs = parseVariableAssignments(args.strings('var'));
  const file = await loadWorkflowFile(args.positionals[0] ?? '', cli.cwd, 'submit');
  const config = dbosConfigOf(cli.env);
  const container = await createContainer({ durability: 'dbos', events: NO_EVENTS, env: cli.env });
  // Invalid files stop here, before the database is touched: exit 2.
  container.get(ValidateWorkflowUseCase).validate(file.document, file.label);
  const submitter = new DbosQueueSubmitter(config, queue, {
    ...(priority === undefined ? {} : { priority }),
    ...(delaySeconds === undefined ? {} : { delaySeconds }),
  });
  try {
    await submitter.launch();
    const runId = requestedRunId ?? randomUUID();
    const existed = requestedRunId !== undefined && (await findRun(submitter, runId)) !== undefined;
    const handle = await container
      .get(ExecuteWorkflowUseCase)
      .start(submitter, { document: file.document as Json, inputs, workingDirectory: cli.cwd, source: file.label }, { runId });
    const waits = [
      priority === undefined ? '' : `, priority ${priority}`,
      delaySeconds === undefined ? '' : `, dequeued in ${delaySeconds} s at the earliest`,
    ].join('');
    const note = existed
      ? `Run ${runId} exists: nothing was enqueued`
      : `Run ${runId} enqueued on queue ${queue}${waits} (${redactDatabaseUrl(config.databaseUrl)})`;
    if (!args.flag('wait')) {
      if (json) {
        const fields = {
          runId,
          queue,
          enqueued: !existed,
          ...(priority === undefined ? {} : { priority }),
          ...(delaySeconds === undefined ? {} : { delay: delaySeconds }),
        };
        cli.stdout.write(`${JSON.stringify(fields)}\n`);
      } else cli.stdout.write(`${runId}\n`);
      cli.stderr.write(`${note}\n`);
      return ExitCode.success;
    }
    cli.stderr.write(`${note}; waiting for it\n`);
    const startedAt = Date.now();
    const report = (await untilSettled(cli, [handle], `stopped waiting; run ${runId} stays on its queue`))?.[0];
    if (report === undefined) return ExitCode.interrupted;
    return printRunEnd(cli, json, report, { elapsedMs: Date.now() - startedAt });
  } finally {
    await submitter.shutdown();
  }
}

function priorityOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0 || number > MAX_PRIORITY) {
    throw new UsageError(`--priority must be an integer from 0 (highest, the default) to ${MAX_PRIORITY}, not "${value}"`, 'submit');
  }
  return number;
}

function delayOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0)
    throw new UsageError(`--delay must be a number of seconds, 0 or more, not "${value}"`, 'submit');
  return number;
}
