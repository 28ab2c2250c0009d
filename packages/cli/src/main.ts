import { WorkflowValidationError } from '@casare-rpa/domain';
import { checkDatabaseUrlEnv } from './database-url-check.js';
import { ExitCode, UsageError } from './errors.js';
import type { CliEnvironment } from './cli-environment.js';
import { HELP, type HelpTopic } from './help.js';
import { printValidationIssues } from './validation-output.js';

/** The version printed by `casare --version`. */
export const CLI_VERSION = '0.1.0';

/**
 * Runs one `casare` command line and returns its exit code. Errors become messages on stderr:
 * usage errors and invalid workflows exit 2, anything else exits 1. It never throws, and never
 * exits the process: `dist/bin.js` does, with the code this returns.
 *
 * @example
 * ```ts
 * import 'reflect-metadata'; // before the DBOS adapter loads
 * const out: string[] = [];
 * const code = await runCli({
 *   argv: ['run', 'flow.json', '--json', '--durability', 'memory'],
 *   stdout: { write: (text) => out.push(text) },
 *   stderr: process.stderr,
 *   env: process.env,
 *   cwd: process.cwd(),
 *   interrupted: new Promise(() => {}), // never: no Ctrl-C in a test
 * });
 * // code: ExitCode.success (0), runFailed (1), usage (2) or interrupted (130)
 * ```
 */
export async function runCli(cli: CliEnvironment): Promise<ExitCode> {
  const [command, ...rest] = cli.argv;
  try {
    const topic = helpTopicOf(command, rest);
    if (topic !== undefined) {
      cli.stdout.write(HELP[topic]);
      return ExitCode.success;
    }
    switch (command) {
      case undefined:
        cli.stderr.write(HELP.casare);
        return ExitCode.usage;
      case 'help':
      case '--help':
      case '-h':
        cli.stdout.write(HELP.casare);
        return ExitCode.success;
      case '--version':
      case '-v':
        cli.stdout.write(`${CLI_VERSION}\n`);
        return ExitCode.success;
      // Commands load on demand: `casare --help` must not pay for DBOS and Playwright.
      case 'run':
        checkDatabaseUrlEnv(cli.env, 'run');
        return await (await import('./commands/run.js')).runCommand(rest, cli);
      case 'validate':
        return await (await import('./commands/validate.js')).validateCommand(rest, cli);
      case 'runs':
        checkDatabaseUrlEnv(cli.env);
        return await (await import('./commands/runs.js')).runsCommand(rest, cli);
      case 'tasks':
        checkDatabaseUrlEnv(cli.env);
        return await (await import('./commands/tasks.js')).tasksCommand(rest, cli);
      case 'recover':
        checkDatabaseUrlEnv(cli.env, 'recover');
        return await (await import('./commands/recover.js')).recoverCommand(rest, cli);
      case 'demo-site':
        return await (await import('./commands/demo-site.js')).demoSiteCommand(rest, cli);
      case 'serve':
        return await (await import('./commands/serve.js')).serveCommand(rest, cli);
      case 'console':
        return await (await import('./commands/console.js')).consoleCommand(rest, cli);
      case 'worker':
        return await (await import('./commands/worker.js')).workerCommand(rest, cli);
      case 'submit':
        return await (await import('./commands/submit.js')).submitCommand(rest, cli);
      case 'workers':
        return await (await import('./commands/workers.js')).workersCommand(rest, cli);
      default:
        throw new UsageError(
          command.startsWith('-') ? `unknown option ${command}: options come after the command, e.g. casare run <file> --json` : `unknown command "${command}"`,
        );
    }
  } catch (error) {
    return reportError(cli, error);
  }
}

const RUNS_SUBCOMMANDS = ['list', 'show', 'cancel', 'resume', 'fork'] as const;
const TASKS_SUBCOMMANDS = ['list', 'show', 'answer'] as const;

/**
 * The help a command line asks for with `--help`/`-h`, answered before the command's module loads
 * (DBOS and Playwright are slow to import). Undefined when no help is asked for, or the command is
 * unknown (its own error then says so).
 */
function helpTopicOf(command: string | undefined, rest: readonly string[]): HelpTopic | undefined {
  // Anything after `--` is an argument, not an option.
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (!options.includes('--help') && !options.includes('-h')) return undefined;
  switch (command) {
    case 'run':
    case 'validate':
    case 'recover':
    case 'demo-site':
    case 'serve':
    case 'console':
    case 'worker':
    case 'submit':
    case 'workers':
      return command;
    case 'runs': {
      const sub = RUNS_SUBCOMMANDS.find((name) => name === rest[0]);
      return sub === undefined ? 'runs' : `runs ${sub}`;
    }
    case 'tasks': {
      const sub = TASKS_SUBCOMMANDS.find((name) => name === rest[0]);
      return sub === undefined ? 'tasks' : `tasks ${sub}`;
    }
    default:
      return undefined;
  }
}

function reportError(cli: CliEnvironment, error: unknown): ExitCode {
  if (error instanceof UsageError) {
    const help = error.command ? `casare ${error.command} --help` : 'casare --help';
    cli.stderr.write(`casare: ${error.message}\nRun "${help}" for usage and an example.\n`);
    return ExitCode.usage;
  }
  if (error instanceof WorkflowValidationError) {
    printValidationIssues(cli.stderr, error);
    return ExitCode.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  cli.stderr.write(`casare: ${message}\n`);
  if (cli.env['CASARE_DEBUG'] && error instanceof Error && error.stack) cli.stderr.write(`${error.stack}\n`);
  return ExitCode.runFailed;
}
