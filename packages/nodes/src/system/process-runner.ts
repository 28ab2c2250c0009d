import type { NodeExecution } from '@casare-rpa/application';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Bytes of stdout and of stderr a script or command may leave in the run's state; the rest is cut. */
export const DEFAULT_OUTPUT_LIMIT_BYTES = 1024 * 1024;

/** A script, shell or system node could not run (forbidden by the workflow, timed out, not startable). */
export class ScriptRunError extends Error {
  constructor(
    /** Node that failed. */
    readonly nodeId: string,
    /** `SCRIPTS_FORBIDDEN`, `SCRIPT_TIMEOUT`, `SCRIPT_ABORTED` or `SCRIPT_START_FAILED`. */
    readonly code: 'SCRIPTS_FORBIDDEN' | 'SCRIPT_TIMEOUT' | 'SCRIPT_ABORTED' | 'SCRIPT_START_FAILED',
    message: string,
    options?: ErrorOptions,
  ) {
    super(`nodes.${nodeId}: ${message}`, options);
    this.name = 'ScriptRunError';
  }
}

/**
 * Refuses to run when the workflow says `settings.allow_scripts: false` (runs a webhook starts will
 * say so): scripts, shell commands and system probes run with the engine's rights on the server.
 */
export function assertScriptsAllowed(execution: NodeExecution): void {
  if (execution.settings?.allowScripts === false) {
    throw new ScriptRunError(
      execution.node.id,
      'SCRIPTS_FORBIDDEN',
      `${execution.node.type} is forbidden in this run (workflow setting allow_scripts is false)`,
    );
  }
}

/** What to start and under which limits. */
export interface ProcessRequest {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly timeoutSeconds: number;
  /** Written to the child's stdin, which is then closed. */
  readonly stdin?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Opens fd 3 as a pipe and returns what the child writes there (a result channel apart from stdout). */
  readonly resultChannel?: boolean;
  readonly outputLimitBytes?: number;
}

/** How the process ended and what it printed (each stream cut at the limit). */
export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly returnCode: number;
  readonly truncated: boolean;
  readonly result: string;
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs a process without a shell, in its own process group so a timeout or the step's abort kills
 * it and everything it started (SIGKILL to the group). Output is captured and bounded.
 */
export async function runProcess(execution: NodeExecution, request: ProcessRequest): Promise<ProcessResult> {
  const limit = request.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
  const stdout = new BoundedBuffer(limit);
  const stderr = new BoundedBuffer(limit);
  const result = new BoundedBuffer(limit);
  const nodeId = execution.node.id;
  if (execution.signal.aborted) throw new ScriptRunError(nodeId, 'SCRIPT_ABORTED', `${request.command} was not started: the step was aborted`);

  const child = spawn(request.command, request.args, {
    cwd: request.cwd,
    env: { ...process.env, ...request.env },
    stdio: request.resultChannel ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const channel = request.resultChannel ? child.stdio[3] : undefined;
  channel?.on('data', (chunk: Buffer) => result.push(chunk));
  child.stdin?.on('error', () => undefined); // a child that exits without reading its stdin is not an error
  child.stdin?.end(request.stdin ?? '');

  let stopped: 'timeout' | 'abort' | undefined;
  const killGroup = (reason: 'timeout' | 'abort') => {
    stopped ??= reason;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const timer = setTimeout(() => killGroup('timeout'), Math.round(request.timeoutSeconds * 1000));
  const onAbort = () => killGroup('abort');
  execution.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const returnCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : -1)));
    });
    if (stopped === 'timeout')
      throw new ScriptRunError(nodeId, 'SCRIPT_TIMEOUT', `${request.command} timed out after ${request.timeoutSeconds}s and was killed`);
    if (stopped === 'abort') throw new ScriptRunError(nodeId, 'SCRIPT_ABORTED', `${request.command} was killed: the step was aborted`);
    return {
      stdout: stdout.text(),
      stderr: stderr.text(),
      returnCode,
      truncated: stdout.truncated || stderr.truncated || result.truncated,
      result: result.text(),
    };
  } catch (error) {
    if (error instanceof ScriptRunError) throw error;
    throw new ScriptRunError(nodeId, 'SCRIPT_START_FAILED', `could not start ${request.command}: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    execution.signal.removeEventListener('abort', onAbort);
  }
}

/** The number of a signal, for the shell's `128 + n` exit status of a killed process. */
function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
