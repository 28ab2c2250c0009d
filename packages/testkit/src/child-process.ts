// Child processes for the harnesses of real adapters: each incarnation of a contract scenario (and
// each crash test) is a node process the harness may SIGKILL. Shared by every adapter's harness.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How a child process ended. */
export interface ChildExit {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it (`SIGKILL` after a planned crash), or null. */
  readonly signal: NodeJS.Signals | null;
  /** What it wrote to stderr (runner warnings, stack traces of unexpected failures). */
  readonly stderr: string;
  /** Wall time from spawn to exit, ms. */
  readonly elapsedMs: number;
}

/**
 * Built script `name` in `dist/testing/` of the package whose `src/testing/` or `dist/testing/`
 * module has URL `moduleUrl` (pass `import.meta.url`); fails clearly when the package is not built.
 */
export function builtTestingScript(moduleUrl: string, name: string): string {
  // The caller is src/testing/*.ts under vitest and dist/testing/*.js when built: both resolve to dist.
  const packageRoot = join(dirname(fileURLToPath(moduleUrl)), '..', '..');
  const script = join(packageRoot, 'dist', 'testing', name);
  if (!existsSync(script)) throw new Error(`${script} is missing: build the package first (npm test does)`);
  return script;
}

/** Runs `node <script> ...args` with `env` added to this process's environment and waits for it to end. */
export function runNodeScript(script: string, args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<ChildExit> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not end within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, elapsedMs: performance.now() - started });
    });
  });
}
