import type { RunStatus, RunSummary } from '@casare-rpa/application';
import { parseCommandArgs } from '../cli-args.js';
import { openRunInspector, openServices, type CasareServices } from '../container.js';
import type { DbosRunInspector } from '@casare-rpa/infra-dbos';
import { ExitCode, UsageError } from '../errors.js';
import { formatDuration, formatTable, formatTimestamp, oneLine, writeJson, type OutputStream } from '../format.js';
import { HELP } from '../help.js';
import { runLinksOf } from '../run-links.js';
import { INTERRUPTED, untilInterrupted } from '../interrupt.js';
import type { CliEnvironment } from '../main.js';
import { progressReporterFor } from '../progress.js';
import { exitCodeOf, printReport, printReportJson, settleReport } from '../run-output.js';
import { nodeLabelOf, stepRowsOf, type StepRow } from '../run-steps.js';

const RUN_STATUSES: readonly RunStatus[] = ['pending', 'enqueued', 'succeeded', 'failed', 'cancelled'];

/** `casare runs <list|show|cancel|resume|fork>`: runs recorded in PostgreSQL. */
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
 * Runs are recorded by DBOS in PostgreSQL (an in-memory run ends with its process and is never
 * listed). Inspecting goes through a client that does not launch an executor, so it never resumes
 * or claims a run another process is executing.
 */
async function withInspector<T>(cli: CliEnvironment, work: (inspector: DbosRunInspector) => Promise<T>): Promise<T> {
  const inspector = await openRunInspector(cli.env);
  try {
    return await work(inspector);
  } finally {
    await inspector.close();
  }
}

async function listRuns(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('runs list', argv, { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, { names: [], required: 0 });
  if (args.help) return help(cli, 'runs list');
  const status = args.string('status');
  if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
    throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, not "${status}"`, 'runs list');
  }
  const limit = positiveInteger(args.string('limit') ?? '50', '--limit', 'runs list');
  const runs = await withInspector(cli, (inspector) => inspector.list({ ...(status === undefined ? {} : { status: status as RunStatus }), limit }));
  if (args.flag('json')) {
    writeJson(cli.stdout, runs);
    return ExitCode.success;
  }
  if (runs.length === 0) {
    cli.stdout.write(status === undefined ? 'No runs recorded yet.\n' : `No ${status} runs.\n`);
    return ExitCode.success;
  }
  const rows = runs.map((run) => [
    run.runId,
    run.status,
    formatTimestamp(run.createdAt),
    run.status === 'pending' || run.status === 'enqueued' ? '-' : formatDuration(run.updatedAt - run.createdAt),
    run.executorId ?? '-',
    oneLine(run.error ?? '', 60),
  ]);
  cli.stdout.write(formatTable(['run id', 'status', 'created', 'took', 'executor', 'error'], rows));
  return ExitCode.success;
}

async function showRun(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('runs show', argv, { json: { type: 'boolean' } }, { names: ['runId'], required: 1 });
  if (args.help) return help(cli, 'runs show');
  const runId = args.positionals[0] ?? '';
  const { run, steps, links } = await withInspector(cli, async (inspector) => {
    const summary = await knownRun(() => inspector.status(runId), runId, 'runs show');
    const known = (await inspector.list({ limit: 10_000 })).map((listed) => listed.runId);
    return { run: summary, steps: stepRowsOf(summary, await inspector.steps(runId)), links: runLinksOf(runId, known) };
  });
  // Parent and children appear only for runs that have them, so other runs print as before.
  const linked = { ...(links.parent ? { parent: links.parent } : {}), ...(links.children.length > 0 ? { children: links.children } : {}) };
  if (args.flag('json')) writeJson(cli.stdout, { run, steps, ...linked });
  else {
    printRun(cli.stdout, run, steps);
    if (links.parent) cli.stdout.write(`Parent   ${links.parent.runId} (step ${links.parent.stepIndex})\n`);
    if (links.children.length > 0) cli.stdout.write(`Children ${links.children.join(', ')}\n`);
  }
  return ExitCode.success;
}

async function cancelRun(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('runs cancel', argv, {}, { names: ['runId'], required: 1 });
  if (args.help) return help(cli, 'runs cancel');
  const runId = args.positionals[0] ?? '';
  await withInspector(cli, (inspector) => knownRun(() => inspector.cancel(runId), runId, 'runs cancel'));
  cli.stdout.write(`Run ${runId} cancelled: it stops before its next step. "casare runs resume ${runId}" continues it.\n`);
  return ExitCode.success;
}

async function resumeRun(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('runs resume', argv, { json: { type: 'boolean' } }, { names: ['runId'], required: 1 });
  if (args.help) return help(cli, 'runs resume');
  const runId = args.positionals[0] ?? '';
  return followRun(cli, args.flag('json'), 'runs resume', async ({ runner }) => {
    const handle = await knownRun(() => runner.resume(runId), runId, 'runs resume');
    return { handle, line: `Run ${runId} resumed after its last completed step.` };
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
    const handle = await knownRun(() => runner.fork(runId, fromStep, newRunId === undefined ? {} : { runId: newRunId }), runId, 'runs fork');
    return { handle, line: `Run ${handle.runId} forked from ${runId}: steps 0..${fromStep - 1} replayed, the rest executed again.` };
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
  const services = await openServices({ durability: 'dbos', events: progressReporterFor(progressOut, cli.env), env: cli.env });
  let interrupted = false;
  try {
    await services.runner.launch();
    const { handle, line } = await begin(services);
    progressOut.write(`${line}\n`);
    const startedAt = Date.now();
    const report = await untilInterrupted(settleReport(handle), cli.interrupted);
    if (report === INTERRUPTED) {
      interrupted = true;
      cli.stderr.write(`\ncasare: interrupted; run ${handle.runId} stays pending: "casare recover" resumes it (${command})\n`);
      return ExitCode.interrupted;
    }
    if (json) printReportJson(cli.stdout, report);
    else printReport(cli.stdout, report, Date.now() - startedAt);
    return exitCodeOf(report);
  } finally {
    if (!interrupted) await services.close();
  }
}

/** Runs `action`; a run id the runner does not know becomes a usage error naming the id. */
async function knownRun<T>(action: () => Promise<T>, runId: string, command: string): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'RUN_NOT_FOUND') {
      throw new UsageError(`no run with id ${runId} (see "casare runs list")`, command);
    }
    throw error;
  }
}

function printRun(out: OutputStream, run: RunSummary, steps: readonly StepRow[]): void {
  const finished = run.status !== 'pending' && run.status !== 'enqueued';
  const lines: [string, string][] = [
    ['Run', run.runId],
    ['Status', run.status],
    ['Workflow', run.workflowName],
    ['Executor', `${run.executorId ?? '-'}${run.applicationVersion ? `  (version ${run.applicationVersion})` : ''}`],
    ['Created', formatTimestamp(run.createdAt)],
    [finished ? 'Ended' : 'Updated', `${formatTimestamp(run.updatedAt)}  (${formatDuration(run.updatedAt - run.createdAt)} after creation)`],
  ];
  if (run.resumedAt !== undefined) lines.push(['Resumed', `${formatTimestamp(run.resumedAt)}  (steps completed before this were replayed from their checkpoints)`]);
  if (run.error !== undefined) lines.push(['Error', run.error]);
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
      return [[String(step.index), nodeLabelOf(step), status(step.status), formatDuration(step.durationMs ?? undefined), step.attempts === null ? '-' : String(step.attempts), oneLine(step.error ?? '', 80)]];
    }
    return step.nodes.map((node, position) => [
      position === 0 ? String(step.index) : '',
      position === 0 ? node.nodeId : `  ${position === step.nodes.length - 1 ? '└' : '├'} ${node.nodeId}`,
      status(node.status),
      formatDuration((position === 0 ? step.durationMs : node.durationMs) ?? undefined),
      String(node.attempts),
      oneLine(node.error ?? '', 80),
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
