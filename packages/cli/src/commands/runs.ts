import { hasErrorCode, type RunInspector, type RunStatus, type RunSummary } from '@casare-rpa/application';
import { parseCommandArgs } from '../cli-args.js';
import { openRunInspector, openServices, type CasareServices } from '../container.js';
import { chooseDurability } from '../durability.js';
import { ExitCode, UsageError } from '../errors.js';
import { formatDuration, formatTable, formatTimestamp, oneLine, writeJson, type OutputStream } from '../format.js';
import { HELP } from '../help.js';
import { runLinksOf } from '../run-links.js';
import { INTERRUPTED, untilInterrupted } from '../interrupt.js';
import type { CliEnvironment } from '../main.js';
import { progressReporterFor } from '../progress.js';
import { recordedInputOf, workflowLabelOf, type RecordedInput } from '../recorded-input.js';
import { exitCodeOf, plainText, printReport, printReportJson, settleReport } from '../run-output.js';
import { sleepLookupOf } from '../sleep-lookup.js';
import { nodeLabelOf, stepRowsOf, type StepRow } from '../run-steps.js';

const RUN_STATUSES: readonly RunStatus[] = ['pending', 'enqueued', 'succeeded', 'failed', 'cancelled'];

/** `casare runs <list|show|cancel|resume|fork>`: runs recorded in PostgreSQL (CASARE_DATABASE_URL set) or in the SQLite file. */
export async function runsCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'list':
      return listRuns(rest, cli);
    case 'show':
      return showRun(rest, cli);
    case 'cancel':
      return cancelRun(rest, cli);
    case 'resume':
      return resumeRun(rest, cli);
    case 'fork':
      return forkRun(rest, cli);
    case undefined:
    case '--help':
    case '-h':
      (subcommand === undefined ? cli.stderr : cli.stdout).write(HELP.runs);
      return subcommand === undefined ? ExitCode.usage : ExitCode.success;
    default:
      throw new UsageError(`unknown subcommand "runs ${subcommand}": use list, show, cancel, resume or fork`, 'runs');
  }
}

/**
 * Runs are recorded by DBOS in PostgreSQL when CASARE_DATABASE_URL is set, else in the SQLite file
 * (an in-memory run ends with its process and is never listed). Inspecting goes through a reader
 * that is no executor, so it never resumes or claims a run another process is executing.
 */
async function withInspector<T>(cli: CliEnvironment, work: (inspector: RunInspector) => Promise<T>): Promise<T> {
  const inspector = await openRunInspector(cli.env, chooseDurability(undefined, cli.env, 'runs').durability, cli.cwd);
  try {
    return await work(inspector);
  } finally {
    await inspector.close();
  }
}

async function listRuns(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs(
    'runs list',
    argv,
    { status: { type: 'string' }, queue: { type: 'string' }, limit: { type: 'string' }, workflows: { type: 'boolean' }, json: { type: 'boolean' } },
    { names: [], required: 0 },
  );
  if (args.help) return help(cli, 'runs list');
  const queueText = args.string('queue');
  const queue = queueText?.trim();
  if (queueText !== undefined && !queue) throw new UsageError('--queue needs a queue name', 'runs list');
  // Only DBOS records queues: on SQLite an empty list would hide that the runs are elsewhere.
  if (queue !== undefined && chooseDurability(undefined, cli.env, 'runs list').durability !== 'dbos') {
    throw new UsageError(
      `--queue ${queue}: runs recorded in the SQLite file go through no queue; set CASARE_DATABASE_URL to the database of the workers (casare submit, casare worker)`,
      'runs list',
    );
  }
  const status = args.string('status');
  if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
    const hint = status === 'completed' ? ' (a run that completed has "succeeded")' : '';
    throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, not "${status}"${hint}`, 'runs list');
  }
  const limit = positiveInteger(args.string('limit') ?? '50', '--limit', 'runs list');
  // The workflow's own name and file are in each run's input, which DBOS keeps whole (the document
  // travels in it): reading it costs one query and one document per listed run, so only on request.
  const withWorkflows = args.flag('workflows');
  const { runs, inputs } = await withInspector(cli, async (inspector) => {
    const listed = await inspector.list({ ...(status === undefined ? {} : { status: status as RunStatus }), ...(queue === undefined ? {} : { queue }), limit });
    const read = withWorkflows ? await Promise.all(listed.map(async (run) => recordedInputOf(await inspector.input(run.runId)))) : [];
    return { runs: listed, inputs: read };
  });
  if (args.flag('json')) {
    writeJson(
      cli.stdout,
      runs.map((run, index) => ({ ...publicSummaryOf(run), ...(withWorkflows ? { workflow: workflowJsonOf(inputs[index]) } : {}) })),
    );
    return ExitCode.success;
  }
  if (runs.length === 0) {
    const where = queue === undefined ? '' : ` on queue ${queue}`;
    cli.stdout.write(status === undefined ? (queue === undefined ? 'No runs recorded yet.\n' : `No runs${where}.\n`) : `No ${status} runs${where}.\n`);
    return ExitCode.success;
  }
  const rows = runs.map((run, index) => [
    run.runId,
    run.status,
    ...(withWorkflows ? [oneLine(workflowLabelOf(inputs[index] ?? { inputs: {} }) ?? '-', 50)] : []),
    formatTimestamp(run.createdAt),
    run.status === 'pending' || run.status === 'enqueued' ? '-' : formatDuration(run.updatedAt - run.createdAt),
    run.executorId ?? '-',
    oneLine(plainText(run.error ?? ''), 60),
  ]);
  cli.stdout.write(formatTable(['run id', 'status', ...(withWorkflows ? ['workflow'] : []), 'created', 'took', 'executor', 'error'], rows));
  return ExitCode.success;
}

async function showRun(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('runs show', argv, { json: { type: 'boolean' } }, { names: ['runId'], required: 1 });
  if (args.help) return help(cli, 'runs show');
  const runId = args.positionals[0] ?? '';
  const { run, steps, input, links } = await withInspector(cli, async (inspector) => {
    const summary = await knownRun(() => inspector.status(runId), runId, 'runs show');
    const known = (await inspector.list({ limit: 10_000 })).map((listed) => listed.runId);
    return {
      run: summary,
      steps: stepRowsOf(summary, await inspector.steps(runId)),
      input: recordedInputOf(await inspector.input(runId)),
      links: runLinksOf(runId, known),
    };
  });
  // Parent and children appear only for runs that have them, so other runs print as before.
  const linked = { ...(links.parent ? { parent: links.parent } : {}), ...(links.children.length > 0 ? { children: links.children } : {}) };
  if (args.flag('json')) writeJson(cli.stdout, { run: { ...publicSummaryOf(run), workflow: workflowJsonOf(input) }, steps, ...linked });
  else {
    printRun(cli.stdout, run, steps, input);
    if (links.parent) cli.stdout.write(`Parent   ${links.parent.runId} (step ${links.parent.stepIndex})\n`);
    if (links.children.length > 0) cli.stdout.write(`Children ${links.children.join(', ')}\n`);
  }
  return ExitCode.success;
}

async function cancelRun(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('runs cancel', argv, {}, { names: ['runId'], required: 1 });
  if (args.help) return help(cli, 'runs cancel');
  const runId = args.positionals[0] ?? '';
  await withInspector(cli, async (inspector) => {
    const run = await knownRun(() => inspector.status(runId), runId, 'runs cancel');
    if (hasEnded(run)) throw new UsageError(`run ${runId} has already ended (${run.status}): there is nothing to cancel`, 'runs cancel');
    await knownRun(() => inspector.cancel(runId), runId, 'runs cancel');
  });
  cli.stdout.write(`Run ${runId} cancelled: it stops before its next step. "casare runs resume ${runId}" continues it.\n`);
  return ExitCode.success;
}

async function resumeRun(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('runs resume', argv, { json: { type: 'boolean' } }, { names: ['runId'], required: 1 });
  if (args.help) return help(cli, 'runs resume');
  const runId = args.positionals[0] ?? '';
  return followRun(cli, args.flag('json'), 'runs resume', async ({ runner }) => {
    const run = await knownRun(() => runner.handle(runId).status(), runId, 'runs resume');
    if (run.status === 'succeeded' || run.status === 'failed') {
      throw new UsageError(
        `run ${runId} has already ${run.status}: there is nothing to resume ("casare runs fork ${runId} --from-step N" runs its steps from N again)`,
        'runs resume',
      );
    }
    const handle = await knownRun(() => runner.resume(runId), runId, 'runs resume');
    return { handle, line: `Run ${runId} (${run.status}) resumed after its last completed step.` };
  });
}

async function forkRun(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs(
    'runs fork',
    argv,
    { 'from-step': { type: 'string' }, 'run-id': { type: 'string' }, json: { type: 'boolean' } },
    { names: ['runId'], required: 1 },
  );
  if (args.help) return help(cli, 'runs fork');
  const runId = args.positionals[0] ?? '';
  const fromStepText = args.string('from-step');
  if (fromStepText === undefined) throw new UsageError('"casare runs fork" needs --from-step N (a step index from "casare runs show")', 'runs fork');
  const fromStep = nonNegativeInteger(fromStepText, '--from-step', 'runs fork');
  const newRunId = args.string('run-id');
  return followRun(cli, args.flag('json'), 'runs fork', async ({ runner }) => {
    await knownRun(() => runner.handle(runId).status(), runId, 'runs fork');
    const steps = await runner.steps(runId);
    if (fromStep >= steps.length) {
      const range = steps.length === 0 ? 'it has recorded no step yet' : `its steps are 0..${steps.length - 1} ("casare runs show ${runId}")`;
      throw new UsageError(`--from-step ${fromStep} is past the end of run ${runId}: ${range}`, 'runs fork');
    }
    if (newRunId !== undefined) {
      const taken = await runner
        .handle(newRunId)
        .status()
        .catch((error: unknown) => {
          if (hasErrorCode(error, 'RUN_NOT_FOUND')) return undefined;
          throw error;
        });
      if (taken !== undefined) {
        throw new UsageError(
          `--run-id ${newRunId} is the id of an existing run (${taken.status}): a fork needs a new id; leave --run-id out for a fresh one`,
          'runs fork',
        );
      }
    }
    const handle = await knownRun(() => runner.fork(runId, fromStep, newRunId === undefined ? {} : { runId: newRunId }), runId, 'runs fork');
    const replayed =
      fromStep === 0
        ? 'no step replayed, every step executed again'
        : `steps 0..${fromStep - 1} replayed, ${fromStep}..${steps.length - 1} and any after executed again`;
    return { handle, line: `Run ${handle.runId} forked from ${runId}: ${replayed}.` };
  });
}

/** Starts a run through `begin` (resume, fork) and waits for it in this process, like `casare run`. */
async function followRun(
  cli: CliEnvironment,
  json: boolean,
  command: string,
  begin: (services: CasareServices) => Promise<{ handle: Parameters<typeof settleReport>[0]; line: string }>,
): Promise<ExitCode> {
  const progressOut = json ? cli.stderr : cli.stdout;
  const { durability } = chooseDurability(undefined, cli.env, command);
  const reporter = progressReporterFor(progressOut, cli.env);
  const services = await openServices({ durability, events: reporter, env: cli.env, cwd: cli.cwd });
  let interrupted = false;
  try {
    await services.runner.launch();
    reporter.watchSleeps(sleepLookupOf(services.runner));
    const { handle, line } = await begin(services);
    progressOut.write(`${line}\n`);
    const startedAt = Date.now();
    const report = await untilInterrupted(settleReport(handle), cli.interrupted);
    if (report === INTERRUPTED) {
      interrupted = true;
      cli.stderr.write(`\ncasare: interrupted; run ${handle.runId} stays pending: "casare recover" resumes it (${command})\n`);
      return ExitCode.interrupted;
    }
    await reporter.idle();
    if (json) printReportJson(cli.stdout, report);
    // Replayed Log nodes printed nothing live: the summary lists every message of the run.
    else printReport(cli.stdout, report, { elapsedMs: Date.now() - startedAt });
    return exitCodeOf(report);
  } finally {
    if (!interrupted) await services.close();
  }
}

function hasEnded(run: RunSummary): boolean {
  return run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled';
}

/** A run summary as `--json` prints it: recorded errors without terminal colour codes. */
function publicSummaryOf(run: RunSummary): RunSummary {
  return run.error === undefined ? run : { ...run, error: plainText(run.error) };
}

/** The workflow of a run for `--json`: its own name and the file it was started from (null when unknown). */
function workflowJsonOf(input: RecordedInput | undefined): { name: string | null; source: string | null } {
  return { name: input?.workflowName ?? null, source: input?.source ?? null };
}

/** Runs `action`; a run id the runner does not know becomes a usage error naming the id. */
async function knownRun<T>(action: () => Promise<T>, runId: string, command: string): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (hasErrorCode(error, 'RUN_NOT_FOUND')) {
      throw new UsageError(`no run with id ${runId} (see "casare runs list")`, command);
    }
    throw error;
  }
}

function printRun(out: OutputStream, run: RunSummary, steps: readonly StepRow[], input: RecordedInput): void {
  const finished = hasEnded(run);
  const lines: [string, string][] = [
    ['Run', run.runId],
    ['Status', run.status],
    ['Workflow', workflowLabelOf(input) ?? run.workflowName],
    ['Executor', `${run.executorId ?? '-'}${run.applicationVersion ? `  (version ${run.applicationVersion})` : ''}`],
    ['Created', formatTimestamp(run.createdAt)],
    [finished ? 'Ended' : 'Updated', `${formatTimestamp(run.updatedAt)}  (${formatDuration(run.updatedAt - run.createdAt)} after creation)`],
  ];
  if (run.resumedAt !== undefined)
    lines.push(['Resumed', `${formatTimestamp(run.resumedAt)}  (steps completed before this were replayed from their checkpoints)`]);
  if (run.error !== undefined) lines.push(['Error', plainText(run.error)]);
  for (const [label, value] of lines) out.write(`${label.padEnd(9)}${value}\n`);
  const replayed = steps.filter((step) => step.replayed).length;
  const nodes = steps.reduce((total, step) => total + step.nodes.length, 0);
  out.write(`\nSteps (${steps.length}${replayed > 0 ? `, ${replayed} replayed` : ''}; ${nodes} node executions):\n`);
  if (steps.length === 0) {
    out.write('  none recorded yet\n');
    return;
  }
  // One row per node execution, grouped under the step that recorded it: the index names the
  // step (what `runs fork --from-step` takes); the other nodes of the step are indented under it.
  const rows = steps.flatMap((step) => {
    const status = (text: string): string => (step.replayed ? `${text} (replayed)` : text);
    if (step.nodes.length <= 1) {
      return [
        [
          String(step.index),
          nodeLabelOf(step),
          step.status === 'sleeping' && step.wakesAt !== null ? `sleeping, wakes ${formatTimestamp(step.wakesAt)}` : status(step.status),
          step.status === 'sleeping' ? `${formatDuration(step.durationMs ?? undefined)} planned` : formatDuration(step.durationMs ?? undefined),
          step.attempts === null ? '-' : String(step.attempts),
          oneLine(plainText(step.error ?? ''), 80),
        ],
      ];
    }
    return step.nodes.map((node, position) => [
      position === 0 ? String(step.index) : '',
      position === 0 ? node.nodeId : `  ${position === step.nodes.length - 1 ? '└' : '├'} ${node.nodeId}`,
      status(node.status),
      formatDuration((position === 0 ? step.durationMs : node.durationMs) ?? undefined),
      String(node.attempts),
      oneLine(plainText(node.error ?? ''), 80),
    ]);
  });
  out.write(formatTable(['index', 'node', 'status', 'duration', 'attempts', 'error'], rows));
}

function help(cli: CliEnvironment, topic: 'runs list' | 'runs show' | 'runs cancel' | 'runs resume' | 'runs fork'): ExitCode {
  cli.stdout.write(HELP[topic]);
  return ExitCode.success;
}

function positiveInteger(text: string, flag: string, command: string): number {
  const value = nonNegativeInteger(text, flag, command);
  if (value === 0) throw new UsageError(`${flag} must be a positive whole number, not "${text}"`, command);
  return value;
}

function nonNegativeInteger(text: string, flag: string, command: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number, not "${text}"`, command);
  return Number(text.trim());
}
