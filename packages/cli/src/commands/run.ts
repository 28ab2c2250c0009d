import { randomUUID } from 'node:crypto';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { parseCommandArgs } from '../cli-args.js';
import type { CliEnvironment } from '../cli-environment.js';
import { describeDurability, openRunInspector, type CasareServices } from '../container.js';
import { chooseDurability } from '../durability.js';
import { ExitCode, UsageError } from '../errors.js';
import { HELP } from '../help.js';
import { findRun } from '../find-run.js';
import { differencesOf, recordedInputOf } from '../recorded-input.js';
import { printRunEnd, withRunSession } from '../run-session.js';
import { parseVariableAssignments, typedRunInputs } from '../run-variables.js';
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
  // Syntax first (no name, no =), before anything is opened; types once the workflow is read.
  parseVariableAssignments(args.strings('var'));
  const file = await loadWorkflowFile(args.positionals[0] ?? '', cli.cwd, 'run');

  const choice = chooseDurability(args.string('durability'), cli.env);
  const prepare = (services: CasareServices): JsonObject => {
    // Invalid files stop here, before any database is touched: WorkflowValidationError, exit 2.
    const workflow = services.validateWorkflow.validate(file.document, file.label);
    // Values of the wrong type, and names the workflow does not declare, stop here: nothing has run.
    return typedRunInputs(args.strings('var'), workflow.variables);
  };
  return withRunSession(cli, { durability: choice.durability, json, prepare }, async ({ services, reporter, progress, follow }, inputs) => {
    const runId = requestedRunId ?? randomUUID();
    const where = describeDurability(choice.durability, cli.env, cli.cwd);
    const existing = requestedRunId === undefined ? undefined : await findRun(services.runner, requestedRunId);
    let differences: string[] = [];
    if (existing !== undefined) {
      const ended = existing.status !== 'pending' && existing.status !== 'enqueued';
      progress.write(
        ended
          ? `Run ${runId} exists (${existing.status}): its recorded result follows, nothing is executed.\n`
          : `Run ${runId} exists and has not ended (${existing.status}): waiting for it, nothing new is started.\n`,
      );
      differences =
        choice.durability === 'dbos' ? await differencesFromRecord(cli.env, runId, { document: file.document as Json, source: file.label, inputs }) : [];
      for (const difference of differences)
        cli.stderr.write(`casare: run ${runId} was not started from what you gave: ${difference}; use another --run-id to run it\n`);
    } else {
      progress.write(`Run ${runId} (${where})\n`);
    }
    const startedAt = Date.now();
    // An id that exists is never started again (the runner would only hand the run back): read it.
    const handle =
      existing !== undefined
        ? services.runner.handle(runId)
        : await services.executeWorkflow.start(
            services.runner,
            { document: file.document as Json, inputs, workingDirectory: cli.cwd, source: file.label },
            { runId },
          );
    const reports = await follow(
      [handle],
      choice.durability !== 'memory'
        ? `interrupted; run ${runId} stays pending: "casare recover" resumes it after its last completed step`
        : `interrupted; in-memory run ${runId} is lost`,
    );
    const report = reports?.[0];
    if (report === undefined) return ExitCode.interrupted;
    const ended = printRunEnd(
      cli,
      json,
      report,
      existing !== undefined ? { recorded: await services.runner.handle(runId).status() } : { elapsedMs: Date.now() - startedAt, logsShown: true },
    );
    noteOtherRecoveredRuns(cli, reporter.recoveredRuns, runId);
    // A recorded run of another file or other variables is not what was asked for: nothing of it ran now.
    return differences.length > 0 ? ExitCode.usage : ended;
  });
}

/** How the start request differs from what the run with this id was recorded with (DBOS keeps its input). */
async function differencesFromRecord(
  env: CliEnvironment['env'],
  runId: string,
  given: { readonly document: Json; readonly source: string; readonly inputs: JsonObject },
): Promise<string[]> {
  const inspector = await openRunInspector(env);
  try {
    return differencesOf(recordedInputOf(await inspector.input(runId)), given);
  } finally {
    await inspector.close();
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
