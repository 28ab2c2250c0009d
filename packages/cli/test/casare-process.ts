import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '@casare-rpa/domain';
import { dropSystemDatabase } from '@casare-rpa/infra-dbos';

// Drives the built `casare` binary as a user would: a child process per command, with its own
// environment and working directory. `npm test` builds dist/ first.

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root. */
export const REPO_ROOT = join(here, '..', '..', '..');
/** The built `casare` executable. */
export const BIN = join(REPO_ROOT, 'packages', 'cli', 'dist', 'bin.js');

/** Throws a message that says what to do when the binary has not been built. */
export function requireBuiltBinary(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npm test builds; or npx tsc -b packages/cli)`);
}

/** How a `casare` process ended. */
export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a child: this process's, minus every `CASARE_*` variable a developer may have
 * set (tests say exactly what they want), plus `extra`. DBOS's own logs stay quiet, colours off.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('CASARE_')) env[name] = value;
  }
  return { ...env, NO_COLOR: '1', CASARE_DBOS_LOG_LEVEL: 'error', ...extra };
}

/** A running `casare` command. */
export class CasareProcess {
  readonly child: ChildProcess;
  readonly ended: Promise<Ended>;
  private stdoutText = '';
  private stderrText = '';
  private readonly lineWaiters: Array<{ stream: 'stdout' | 'stderr'; pattern: RegExp; resolve: (line: string) => void }> = [];

  constructor(args: readonly string[], options: { readonly cwd: string; readonly env: Record<string, string>; readonly timeoutMs?: number }) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = this.child[stream];
      if (!readable) continue;
      readable.setEncoding('utf8');
      readable.on('data', (chunk: string) => {
        if (stream === 'stdout') this.stdoutText += chunk;
        else this.stderrText += chunk;
      });
      createInterface({ input: readable }).on('line', (line) => this.onLine(stream, line));
    }
    const timeoutMs = options.timeoutMs ?? 90_000;
    this.ended = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`casare ${args.join(' ')} did not end within ${timeoutMs} ms\nstdout:\n${this.stdoutText}\nstderr:\n${this.stderrText}`));
      }, timeoutMs);
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdoutText, stderr: this.stderrText });
      });
    });
  }

  /** Resolves with the first line (from now on) of `stream` that matches `pattern`. */
  waitForLine(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<string> {
    return new Promise((resolve) => this.lineWaiters.push({ stream, pattern, resolve }));
  }

  /** SIGKILL: the process dies between two instructions, as in a crash. */
  async kill(): Promise<Ended> {
    this.child.kill('SIGKILL');
    return this.ended;
  }

  private onLine(stream: 'stdout' | 'stderr', line: string): void {
    for (const waiter of [...this.lineWaiters]) {
      if (waiter.stream !== stream || !waiter.pattern.test(line)) continue;
      this.lineWaiters.splice(this.lineWaiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }
}

/** A scratch working directory for one test file, removed by `dispose()`. */
export class Workspace {
  private constructor(readonly dir: string) {}

  static async create(label: string): Promise<Workspace> {
    return new Workspace(await mkdtemp(join(tmpdir(), `casare-cli-${label}-`)));
  }

  /** Writes a file (JSON when `content` is not a string) and returns its name relative to the workspace. */
  async write(name: string, content: unknown): Promise<string> {
    await writeFile(join(this.dir, name), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
    return name;
  }

  /** Starts `casare <args>` in this directory. */
  start(args: readonly string[], env: Record<string, string>, timeoutMs?: number): CasareProcess {
    return new CasareProcess(args, { cwd: this.dir, env, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  }

  /** Runs `casare <args>` in this directory to its end. */
  run(args: readonly string[], env: Record<string, string>, timeoutMs?: number): Promise<Ended> {
    return this.start(args, env, timeoutMs).ended;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** True when a PostgreSQL accepts connections on the local default port. */
export function localPostgresAnswers(): boolean {
  return spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']).status === 0;
}

/**
 * A throwaway DBOS system database and executor id for one test file: runs of other files and of
 * developers never mix in, and `drop()` removes everything.
 */
export class TestDatabase {
  readonly url: string;
  readonly executorId: string;

  constructor(label: string) {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
    this.url = `postgres://postgres@127.0.0.1:5432/casare_cli_${label}_${suffix}`;
    this.executorId = `cli-${label}-${suffix}`;
  }

  /** The environment of a child that records its runs here. */
  env(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return childEnv({ CASARE_DATABASE_URL: this.url, CASARE_EXECUTOR_ID: this.executorId, ...extra });
  }

  async drop(): Promise<void> {
    await dropSystemDatabase(this.url);
  }
}

/** Parses the one JSON object `--json` prints on stdout; fails the test with stderr when it is not. */
export function jsonOf<T = JsonObject>(ended: Ended): T {
  try {
    return JSON.parse(ended.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON object (exit ${ended.code})\nstdout:\n${ended.stdout}\nstderr:\n${ended.stderr}`);
  }
}
