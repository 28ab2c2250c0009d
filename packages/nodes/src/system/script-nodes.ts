import type { NodeExecution } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { parse as parseShellWords } from 'shell-quote';
import { z } from 'zod';
import {
  anyValue,
  boolean,
  dict,
  integer,
  isJsonArray,
  isJsonObject,
  nonEmptyText,
  number,
  optionalText,
  text,
  tryParseJson,
} from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { resolveInside } from '../files/working-directory.js';
import { assertScriptsAllowed, runProcess } from './process-runner.js';

// Python scripts and shell commands. Each runs as a child process in the run's working directory
// (or a directory inside it), with a timeout, killed with its process group on timeout or abort,
// stdout/stderr cut at `max_output_bytes`, and only when the workflow allows scripts.

/** The Python interpreter when the node does not name one. */
export const DEFAULT_PYTHON = 'python3';

// Runs the user's code with the given variables in its namespace and reports `result` (or the
// exception) as JSON on fd 3, so what the script prints on stdout stays its own.
const PYTHON_WRAPPER = `
import json, os, sys, traceback
payload = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__", "result": None}
namespace.update(payload["variables"])
error = ""
try:
    exec(compile(payload["code"], "<script>", "exec"), namespace)
except SystemExit as stop:
    if stop.code not in (None, 0):
        error = "SystemExit: " + str(stop.code)
except BaseException as failure:
    error = type(failure).__name__ + ": " + str(failure)
    traceback.print_exc()
sys.stdout.flush()
channel = os.fdopen(3, "w")
try:
    channel.write(json.dumps({"result": namespace.get("result"), "error": error}, default=str))
except Exception as failure:
    channel.write(json.dumps({"result": None, "error": "result is not JSON: " + str(failure)}))
channel.close()
`;

const limits = {
  timeout: number(60),
  max_output_bytes: integer(1024 * 1024),
  allow_outside_working_dir: boolean(false),
};

function checkLimits(config: { timeout: number; max_output_bytes: number }): void {
  if (!(config.timeout > 0)) throw new ConfigFieldError('timeout', 'must be a positive number of seconds');
  if (config.max_output_bytes < 1) throw new ConfigFieldError('max_output_bytes', 'must be at least 1');
}

/** The directory a node runs in: the working directory, or `working_dir` inside it. */
async function runDirectory(execution: NodeExecution, workingDir: string | undefined, allowOutside: boolean): Promise<string> {
  return workingDir ? resolveInside(execution.workingDirectory, workingDir, 'working_dir', allowOutside) : execution.workingDirectory;
}

/** v1 `args`: a list of values, or one text split into words. */
function argumentList(args: Json, field: string, split: (text: string) => string[]): string[] {
  if (args === null || args === '') return [];
  if (isJsonArray(args)) return args.map((arg) => textOf(arg));
  if (typeof args === 'string') return split(args);
  throw new ConfigFieldError(field, 'expected a list of arguments or one text');
}

/** Shell-like word splitting without a shell: quotes group words, operators stay literal text. */
function shellWords(text: string): string[] {
  return parseShellWords(text, (name) => `$${name}`).map((entry) => {
    if (typeof entry === 'string') return entry;
    if ('op' in entry && entry.op === 'glob') return entry.pattern;
    if ('op' in entry) return entry.op;
    return entry.comment;
  });
}

const runPythonScriptNode = defineNode({
  types: ['RunPythonScriptNode'],
  config: z.looseObject({ code: nonEmptyText(), variables: dict(), isolated: boolean(true), python_path: text(DEFAULT_PYTHON), ...limits }),
  ports: { inputs: ['code', 'variables'], outputs: ['result', 'output', 'success', 'error'] },
  run: async (config, execution) => {
    assertScriptsAllowed(execution);
    checkLimits(config);
    const run = await runProcess(execution, {
      command: config.python_path,
      args: ['-c', PYTHON_WRAPPER],
      cwd: execution.workingDirectory,
      timeoutSeconds: config.timeout,
      stdin: JSON.stringify({ code: config.code, variables: config.variables }),
      env: { PYTHONIOENCODING: 'utf-8', PYTHONUNBUFFERED: '1' },
      resultChannel: true,
      outputLimitBytes: config.max_output_bytes,
    });
    const reported = tryParseJson(run.result);
    const answer = isJsonObject(reported) ? reported : undefined;
    const error = answer ? textOf(answer['error'] ?? '') : run.stderr.trim() || `python exited with ${run.returnCode} before reporting a result`;
    return {
      outputs: { result: answer?.['result'] ?? null, output: run.stdout.trim(), success: error === '', error, truncated: run.truncated },
    };
  },
});

const runPythonFileNode = defineNode({
  types: ['RunPythonFileNode'],
  config: z.looseObject({ file_path: nonEmptyText(), args: anyValue(), working_dir: optionalText(), python_path: text(DEFAULT_PYTHON), ...limits }),
  ports: { inputs: ['file_path', 'args', 'working_dir'], outputs: ['stdout', 'stderr', 'return_code', 'success'] },
  run: async (config, execution) => {
    assertScriptsAllowed(execution);
    checkLimits(config);
    const file = await resolveInside(execution.workingDirectory, config.file_path, 'file_path', config.allow_outside_working_dir);
    const run = await runProcess(execution, {
      command: config.python_path,
      // v1 splits a text of arguments on whitespace for this node.
      args: [file, ...argumentList(config.args, 'args', (words) => words.split(/\s+/).filter((word) => word !== ''))],
      cwd: await runDirectory(execution, config.working_dir, config.allow_outside_working_dir),
      timeoutSeconds: config.timeout,
      env: { PYTHONIOENCODING: 'utf-8' },
      outputLimitBytes: config.max_output_bytes,
    });
    return { outputs: { stdout: run.stdout, stderr: run.stderr, return_code: run.returnCode, success: run.returnCode === 0, truncated: run.truncated } };
  },
});

// v1's RunCommandNode guard, kept as it was: these programs and (with shell: true) these characters
// are refused unless the node sets allow_dangerous: true.
const BLOCKED_COMMANDS = new Set([
  'rm',
  'del',
  'format',
  'fdisk',
  'mkfs',
  'wget',
  'curl',
  'invoke-webrequest',
  'nc',
  'netcat',
  'ncat',
  'powershell',
  'pwsh',
  'cmd',
  'reg',
  'regedit',
  'net',
  'sc',
  'shutdown',
  'reboot',
]);
const DANGEROUS_CHARACTERS = ['|', '&', ';', '$', '`', '(', ')', '{', '}', '<', '>', '\n', '\r'];

const runCommandNode = defineNode({
  types: ['RunCommandNode'],
  config: z.looseObject({
    command: nonEmptyText(),
    args: anyValue(),
    shell: boolean(false),
    working_dir: optionalText(),
    capture_output: boolean(true),
    allow_dangerous: boolean(false),
    ...limits,
  }),
  ports: { inputs: ['command', 'args'], outputs: ['stdout', 'stderr', 'return_code', 'success'] },
  run: async (config, execution) => {
    assertScriptsAllowed(execution);
    checkLimits(config);
    const program = (config.command.trim().split(/\s+/)[0] ?? '').toLowerCase().replace(/\.(exe|cmd|bat)$/, '');
    if (!config.allow_dangerous) {
      if (BLOCKED_COMMANDS.has(program)) throw new ConfigFieldError('command', `"${program}" is blocked; set allow_dangerous: true on the node to allow it`);
      const argsText = typeof config.args === 'string' ? config.args : '';
      const found = config.shell ? DANGEROUS_CHARACTERS.find((char) => config.command.includes(char) || argsText.includes(char)) : undefined;
      if (found)
        throw new ConfigFieldError('command', `${JSON.stringify(found)} with shell: true could inject commands; use shell: false or set allow_dangerous: true`);
    }
    const args = argumentList(config.args, 'args', shellWords);
    const [command, ...commandArgs] = config.shell ? ['/bin/sh', '-c', [config.command, ...args].join(' ')] : [...shellWords(config.command), ...args];
    if (!command) throw new ConfigFieldError('command', 'must not be empty');
    const run = await runProcess(execution, {
      command,
      args: commandArgs,
      cwd: await runDirectory(execution, config.working_dir, config.allow_outside_working_dir),
      timeoutSeconds: config.timeout,
      outputLimitBytes: config.max_output_bytes,
    });
    const captured = config.capture_output;
    return {
      outputs: {
        stdout: captured ? run.stdout : '',
        stderr: captured ? run.stderr : '',
        return_code: run.returnCode,
        success: run.returnCode === 0,
        truncated: captured && run.truncated,
      },
    };
  },
});

const runBatchScriptNode = defineNode({
  types: ['RunBatchScriptNode'],
  config: z.looseObject({ script: nonEmptyText(), working_dir: optionalText(), ...limits }),
  ports: { inputs: ['script', 'working_dir'], outputs: ['stdout', 'stderr', 'return_code', 'success'] },
  run: async (config, execution) => {
    assertScriptsAllowed(execution);
    checkLimits(config);
    // v1 wrote the script to a temporary .sh file run by bash; bash reading it from stdin is the same without the file.
    const run = await runProcess(execution, {
      command: '/bin/bash',
      args: ['-s'],
      stdin: config.script,
      cwd: await runDirectory(execution, config.working_dir, config.allow_outside_working_dir),
      timeoutSeconds: config.timeout,
      outputLimitBytes: config.max_output_bytes,
    });
    return { outputs: { stdout: run.stdout, stderr: run.stderr, return_code: run.returnCode, success: run.returnCode === 0, truncated: run.truncated } };
  },
});

/** Script nodes: RunPythonScriptNode, RunPythonFileNode, RunCommandNode, RunBatchScriptNode. */
export const scriptNodeHandlers: readonly CatalogNodeHandler[] = [runPythonScriptNode, runPythonFileNode, runCommandNode, runBatchScriptNode];
