import {
  AnswerTaskUseCase,
  hasErrorCode,
  TaskAnswerInvalidError,
  type HumanTaskRecord,
  type HumanTaskStatus,
  type RawTaskAnswer,
  type TaskInbox,
} from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { parseCommandArgs } from '../cli-args.js';
import { answerSealerOf, openRunInspector, openTaskInbox } from '../container.js';
import { chooseDurability } from '../durability.js';
import { ExitCode, UsageError } from '../errors.js';
import { formatTable, formatTimestamp, oneLine, writeJson } from '../format.js';
import { HELP } from '../help.js';
import type { CliEnvironment } from '../cli-environment.js';

const STATUSES: readonly (HumanTaskStatus | 'all')[] = ['open', 'answered', 'timed_out', 'all'];

/** `casare tasks <list|show|answer>`: the human tasks of dialog nodes, across runs (docs/human-tasks.md). */
export async function tasksCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'list':
      return listTasks(rest, cli);
    case 'show':
      return showTask(rest, cli);
    case 'answer':
      return answerTask(rest, cli);
    case undefined:
    case '--help':
    case '-h':
      (subcommand === undefined ? cli.stderr : cli.stdout).write(HELP.tasks);
      return subcommand === undefined ? ExitCode.usage : ExitCode.success;
    default:
      throw new UsageError(`unknown subcommand "tasks ${subcommand}": use list, show or answer`, 'tasks');
  }
}

/** Tasks are where the runs are: PostgreSQL when CASARE_DATABASE_URL is set, else the SQLite file. */
async function withInbox<T>(cli: CliEnvironment, work: (inbox: TaskInbox) => Promise<T>): Promise<T> {
  const inbox = await openTaskInbox(cli.env, chooseDurability(undefined, cli.env, 'tasks').durability, cli.cwd);
  try {
    return await work(inbox);
  } finally {
    await inbox.close();
  }
}

async function listTasks(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs(
    'tasks list',
    argv,
    { status: { type: 'string' }, run: { type: 'string' }, json: { type: 'boolean' } },
    { names: [], required: 0 },
  );
  if (args.help) return help(cli, 'tasks list');
  const status = args.string('status') ?? 'open';
  if (!STATUSES.includes(status as HumanTaskStatus)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, not "${status}"`, 'tasks list');
  const runId = args.string('run');
  const tasks = await withInbox(cli, (inbox) =>
    inbox.listTasks({ ...(status === 'all' ? {} : { status: status as HumanTaskStatus }), ...(runId === undefined ? {} : { runId }) }),
  );
  if (args.flag('json')) {
    writeJson(cli.stdout, tasks.map(taskJsonOf));
    return ExitCode.success;
  }
  if (tasks.length === 0) {
    cli.stdout.write(status === 'open' ? 'No open tasks.\n' : `No ${status === 'all' ? '' : `${status} `}tasks.\n`);
    return ExitCode.success;
  }
  const rows = tasks.map((task) => [
    task.taskId,
    task.status,
    task.nodeType,
    oneLine(task.title, 40),
    task.deadlineAt === null ? '-' : formatTimestamp(task.deadlineAt),
    task.fields.map((field) => field.name).join(', ') || '-',
  ]);
  cli.stdout.write(formatTable(['task id', 'status', 'node', 'title', 'deadline', 'fields'], rows));
  return ExitCode.success;
}

async function showTask(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('tasks show', argv, { json: { type: 'boolean' } }, { names: ['taskId'], required: 1 });
  if (args.help) return help(cli, 'tasks show');
  const taskId = args.positionals[0] ?? '';
  const task = await withInbox(cli, (inbox) => inbox.getTask(taskId));
  if (!task) {
    cli.stderr.write(`casare: no task ${taskId} (casare tasks list shows the open ones)\n`);
    return ExitCode.usage;
  }
  if (args.flag('json')) {
    writeJson(cli.stdout, taskJsonOf(task));
    return ExitCode.success;
  }
  const lines = [
    `Task ${task.taskId}: ${task.status}${task.closedAt === null ? '' : ` at ${formatTimestamp(task.closedAt)}`}`,
    `  run        ${task.runId} (node ${task.nodeId}, ${task.nodeType})`,
    `  title      ${task.title}`,
    ...(task.message === '' ? [] : [`  message    ${task.message.split('\n').join('\n             ')}`]),
    `  opened     ${formatTimestamp(task.createdAt)}`,
    `  deadline   ${task.deadlineAt === null ? 'none' : formatTimestamp(task.deadlineAt)} (on timeout: ${task.onTimeout === 'error' ? 'the node fails' : 'its defaults'})`,
    '  fields',
  ];
  if (task.fields.length === 0) lines.push("    (none: answer with --json '{}')");
  for (const field of task.fields) {
    const details = [
      field.type,
      field.required ? 'required' : 'optional',
      ...(field.choices ? [`choices: ${field.choices.join(', ')}`] : []),
      ...(field.default === undefined ? [] : [`default: ${JSON.stringify(field.default)}`]),
      ...(field.maxLength === undefined ? [] : [`at most ${field.maxLength} characters`]),
    ];
    lines.push(`    ${field.name.padEnd(12)} ${field.label === field.name ? '' : `${field.label}: `}${details.join(', ')}`);
  }
  if (task.status === 'open') {
    const example = task.fields.length === 1 ? `--value ${task.fields[0]?.choices?.[0] ?? 'V'}` : `--json '{...}'`;
    lines.push('', `Answer: casare tasks answer ${task.taskId} ${example}`);
  }
  cli.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.success;
}

async function answerTask(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('tasks answer', argv, { value: { type: 'string' }, json: { type: 'string' } }, { names: ['taskId'], required: 1 });
  if (args.help) return help(cli, 'tasks answer');
  const taskId = args.positionals[0] ?? '';
  const raw = rawAnswerOf(args.string('value'), args.string('json'));
  const durability = chooseDurability(undefined, cli.env, 'tasks').durability;
  const inspector = await openRunInspector(cli.env, durability, cli.cwd);
  try {
    const answered = await withInbox(cli, (inbox) => new AnswerTaskUseCase(inbox, inspector, answerSealerOf(cli.env, durability, cli.cwd)).answer(taskId, raw));
    cli.stdout.write(`Answered task ${answered.taskId}: run ${answered.runId} continues (if no process runs it, casare recover resumes it).\n`);
    return ExitCode.success;
  } catch (error) {
    if (error instanceof TaskAnswerInvalidError) {
      cli.stderr.write(`casare: answer to task ${taskId} refused, nothing was delivered:\n`);
      for (const issue of error.issues) cli.stderr.write(`  ${issue.field}: ${issue.message}\n`);
      return ExitCode.usage;
    }
    if (hasErrorCode(error, 'TASK_NOT_FOUND') || hasErrorCode(error, 'TASK_CLOSED') || hasErrorCode(error, 'RUN_ENDED')) {
      cli.stderr.write(`casare: ${error instanceof Error ? error.message : String(error)}\n`);
      return ExitCode.usage;
    }
    throw error;
  } finally {
    await inspector.close();
  }
}

function rawAnswerOf(value: string | undefined, json: string | undefined): RawTaskAnswer {
  if ((value === undefined) === (json === undefined))
    throw new UsageError('give the answer with exactly one of --value V or --json \'{"field": ...}\'', 'tasks answer');
  if (value !== undefined) return { value };
  try {
    return { json: JSON.parse(json ?? '') as Json };
  } catch (error) {
    throw new UsageError(`--json is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, 'tasks answer');
  }
}

/** A task as `--json` prints it. */
function taskJsonOf(task: HumanTaskRecord): Json {
  return JSON.parse(JSON.stringify(task)) as Json;
}

function help(cli: CliEnvironment, topic: 'tasks list' | 'tasks show' | 'tasks answer'): ExitCode {
  cli.stdout.write(HELP[topic]);
  return ExitCode.success;
}
