import type { OutputStream } from './format.js';

/** Everything a command may touch of its process, so tests can run commands in-process. */
export interface CliEnvironment {
  /** Arguments after `casare`. */
  readonly argv: readonly string[];
  /** Where results go (`--json` output, tables, reports). */
  readonly stdout: OutputStream;
  /** Where errors, notes and, with `--json`, progress go. */
  readonly stderr: OutputStream;
  /** Configuration (`CASARE_*`) and secrets (`CASARE_SECRET_*`); not necessarily `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative file paths (the workflow file, file nodes) resolve against. */
  readonly cwd: string;
  /** Resolves when the user asks to stop (Ctrl-C); long-running commands such as demo-site wait on it. */
  readonly interrupted: Promise<void>;
}
