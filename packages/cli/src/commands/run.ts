import { randomUUID } from 'node:crypto';
import type { DurableRunner, RunSummary } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { redactDatabaseUrl } from '@casare-rpa/infra-dbos';
import { parseCommandArgs } from '../cli-args.js';
import { dbosConfigOf, openServices, sqliteConfigOf } from '../container.js';
import { chooseDurability, type Durability } from '../durability.js';
import { ExitCode, UsageError } from '../errors.js';
import { HELP } from '../help.js';
import { INTERRUPTED, untilInterrupted } from '../interrupt.js';
import type { CliEnvironment } from '../main.js';
import { progressReporterFor } from '../progress.js';
import { exitCodeOf, printReport, printReportJson, settleReport } from '../run-output.js';
import { parseVariableAssignments } from '../run-variables.js';
import { loadWorkflowFile } from '../workflow-file.js';

const OPTIONS = {
  durability: { type: 'string' },
  'run-id': { type: 'string' },
  var: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

/** `casare run <file>`: validates, runs and waits for a workflow; exit 0 completed, 1 failed, 2 invalid. */
export async function runCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('run', argv, OPTIONS, { names: ['file'], required: 1 });
  if (args.help) {
    cli.stdout.write(HELP.run);
    return ExitCode.success;
  }
  const json = args.flag('json');
  const requestedRunId = args.string('run-id');
  if (requestedRunId !== undefined && requestedRunId.trim() === '') throw new UsageError('--run-id needs a non-empty id', 'run');
  const inputs = parseVariableAssignments(args.strings('var'));
  const file = await loadWorkflowFile(args.positionals[0] ?? '', cli.cwd, 'run');

  const choice = chooseDurability(args.string('durability'), cli.env);
  // With --json, stdout carries the one result object and nothing else.
  const progressOut = json ? cli.stderr : cli.stdout;
  const reporter = progressReporterFor(progressOut, cli.env);
  const services = await openServices({ durability: choice.durability, events: reporter, env: cli.env, cwd: cli.cwd });
  let interrupted = false;
  try {
    // Invalid files stop here, before any database is touched: WorkflowValidationError, exit 2.
    services.validateWorkflow.validate(file.document, file.label);
    await services.runner.launch();
    const runId = requestedRunId ?? randomUUID();
    const where = whereDurable(choice.durability, cli);
    const existing = requestedRunId === undefined ? undefined : await existingRun(services.runner, requestedRunId);
    if (existing !== undefined) {
      progressOut.write(
        existing.status === 'pending' || existing.status === 'enqueued'
          ? `Run ${runId} exists and has not ended: waiting for it, nothing new is started.\n`
          : `Run ${runId} exists: its recorded result follows, nothing is executed.\n`,
      );
    } else {
      progressOut.write(`Run ${runId} (${where})\n`);
    }
    const startedAt = Date.now();
    const handle = await services.executeWorkflow.start(
      services.runner,
      { document: file.document as Json, inputs, workingDirectory: cli.cwd, source: file.label },
      { runId },
    );
    const report = await untilInterrupted(settleReport(handle), cli.interrupted);
    if (report === INTERRUPTED) {
      interrupted = true;
      cli.stderr.write(
        choice.durability !== 'memory'
          ? `\ncasare: interrupted; run ${runId} stays pending: "casare recover" resumes it after its last completed step\n`
          : `\ncasare: interrupted; in-memory run ${runId} is lost\n`,
      );
      return ExitCode.interrupted;
    }
    if (json) printReportJson(cli.stdout, report);
    else printReport(cli.stdout, report, Date.now() - startedAt);
    noteOtherRecoveredRuns(cli, reporter.recoveredRuns, runId);
    return exitCodeOf(report);
  } finally {
    // An interrupted run is left exactly as a crash would leave it; a clean shutdown could record
    // half-finished steps as failures.
    if (!interrupted) await services.close();
  }
}

/** Where a run is durable, for the line that names the run. */
function whereDurable(durability: Durability, cli: CliEnvironment): string {
  if (durability === 'dbos') {
    const dbos = dbosConfigOf(cli.env);
    return `durable in ${redactDatabaseUrl(dbos.databaseUrl)}, executor ${dbos.executorId}`;
  }
  if (durability === 'sqlite') {
    const sqlite = sqliteConfigOf(cli.env, cli.cwd);
    return `durable in ${sqlite.path}, executor ${sqlite.executorId}`;
  }
  return 'in memory, not crash-safe';
}

/** The run with this id, or undefined when the runner has none. */
async function existingRun(runner: DurableRunner, runId: string): Promise<RunSummary | undefined> {
  try {
    return await runner.handle(runId).status();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'RUN_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * Launching an executor resumes the runs it left pending (DBOS recovery). They stop again when this
 * command exits; say so, since `casare recover` is the command that waits for them.
 */
function noteOtherRecoveredRuns(cli: CliEnvironment, recovered: ReadonlySet<string>, ownRunId: string): void {
  const others = [...recovered].filter((id) => id !== ownRunId);
  if (others.length === 0) return;
  cli.stderr.write(
    `casare: this executor also resumed ${others.length} interrupted run(s) (${others.join(', ')}); they pause when this command exits: run "casare recover" to finish them\n`,
  );
}
