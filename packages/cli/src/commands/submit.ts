import { randomUUID } from 'node:crypto';
import { ExecuteWorkflowUseCase, hasErrorCode, ValidateWorkflowUseCase, type ExecutionEvents } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { DbosQueueSubmitter, redactDatabaseUrl } from '@casare-rpa/infra-dbos';
import { parseCommandArgs } from '../cli-args.js';
import { createContainer, dbosConfigOf } from '../container.js';
import { ExitCode, UsageError } from '../errors.js';
import { HELP } from '../help.js';
import { INTERRUPTED, untilInterrupted } from '../interrupt.js';
import type { CliEnvironment } from '../main.js';
import { exitCodeOf, printReport, printReportJson, settleReport } from '../run-output.js';
import { parseVariableAssignments } from '../run-variables.js';
import { loadWorkflowFile } from '../workflow-file.js';
import { DEFAULT_QUEUE } from './worker.js';

const OPTIONS = {
  queue: { type: 'string' },
  'run-id': { type: 'string' },
  var: { type: 'string', multiple: true },
  wait: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

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
  const inputs = parseVariableAssignments(args.strings('var'));
  const file = await loadWorkflowFile(args.positionals[0] ?? '', cli.cwd, 'submit');
  const config = dbosConfigOf(cli.env);
  const container = await createContainer({ durability: 'dbos', events: NO_EVENTS, env: cli.env });
  // Invalid files stop here, before the database is touched: exit 2.
  container.get(ValidateWorkflowUseCase).validate(file.document, file.label);
  const submitter = new DbosQueueSubmitter(config, queue);
  try {
    await submitter.launch();
    const runId = requestedRunId ?? randomUUID();
    const existed = requestedRunId !== undefined && (await exists(submitter, runId));
    const handle = await container
      .get(ExecuteWorkflowUseCase)
      .start(submitter, { document: file.document as Json, inputs, workingDirectory: cli.cwd, source: file.label }, { runId });
    const note = existed ? `Run ${runId} exists: nothing was enqueued` : `Run ${runId} enqueued on queue ${queue} (${redactDatabaseUrl(config.databaseUrl)})`;
    if (!args.flag('wait')) {
      if (json) cli.stdout.write(`${JSON.stringify({ runId, queue, enqueued: !existed })}\n`);
      else cli.stdout.write(`${runId}\n`);
      cli.stderr.write(`${note}\n`);
      return ExitCode.success;
    }
    cli.stderr.write(`${note}; waiting for it\n`);
    const startedAt = Date.now();
    const report = await untilInterrupted(settleReport(handle), cli.interrupted);
    if (report === INTERRUPTED) {
      cli.stderr.write(`\ncasare: stopped waiting; run ${runId} stays on its queue\n`);
      return ExitCode.interrupted;
    }
    if (json) printReportJson(cli.stdout, report);
    else printReport(cli.stdout, report, { elapsedMs: Date.now() - startedAt });
    return exitCodeOf(report);
  } finally {
    await submitter.shutdown();
  }
}

async function exists(submitter: DbosQueueSubmitter, runId: string): Promise<boolean> {
  try {
    await submitter.handle(runId).status();
    return true;
  } catch (error) {
    if (hasErrorCode(error, 'RUN_NOT_FOUND')) return false;
    throw error;
  }
}
