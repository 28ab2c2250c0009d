import { join, resolve } from 'node:path';
import type { SqliteSynchronous } from './sqlite-journal-store.js';

/** Executor id when `CASARE_EXECUTOR_ID` is not set (the same default as the DBOS adapter). */
export const DEFAULT_SQLITE_EXECUTOR_ID = 'casare-local';
/** Journal file under the current directory when `CASARE_SQLITE_PATH` is not set. */
export const DEFAULT_SQLITE_PATH = join('.casare', 'casare.db');

/** Everything `SqliteDurableRunner` needs. */
export interface SqliteRunnerConfig {
  /** Absolute path of the journal file (created with its directory when missing). */
  readonly path: string;
  /**
   * This process's executor id: `launch()` recovers the pending runs of this executor.
   * @default 'casare-local' (`DEFAULT_SQLITE_EXECUTOR_ID`)
   */
  readonly executorId: string;
  /**
   * `synchronous` pragma: `FULL` survives a power loss, `NORMAL` only a process crash.
   * @default 'FULL'
   */
  readonly synchronous: SqliteSynchronous;
  /**
   * How long a write waits for another process's lock, ms.
   * @default 5000
   */
  readonly busyTimeoutMs: number;
  /**
   * How often a process reads the file for what other processes did (ended runs, cancels), ms.
   * @default 100
   */
  readonly pollIntervalMs: number;
}

/**
 * The configuration from an environment: `CASARE_SQLITE_PATH` (relative to `cwd`; default
 * `.casare/casare.db` under it), `CASARE_EXECUTOR_ID`, `CASARE_SQLITE_SYNCHRONOUS` (FULL or NORMAL),
 * `CASARE_SQLITE_BUSY_TIMEOUT_MS`; `overrides` win.
 */
export function sqliteRunnerConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  overrides: Partial<SqliteRunnerConfig> = {},
): SqliteRunnerConfig {
  const synchronous = (env['CASARE_SQLITE_SYNCHRONOUS'] ?? 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error(`CASARE_SQLITE_SYNCHRONOUS must be FULL or NORMAL, not "${synchronous}"`);
  const busy = Number(env['CASARE_SQLITE_BUSY_TIMEOUT_MS'] ?? 5000);
  if (!Number.isInteger(busy) || busy < 0)
    throw new Error(`CASARE_SQLITE_BUSY_TIMEOUT_MS must be a whole number of ms, not "${env['CASARE_SQLITE_BUSY_TIMEOUT_MS']}"`);
  return {
    path: resolve(cwd, env['CASARE_SQLITE_PATH'] || DEFAULT_SQLITE_PATH),
    executorId: env['CASARE_EXECUTOR_ID'] || DEFAULT_SQLITE_EXECUTOR_ID,
    synchronous,
    busyTimeoutMs: busy,
    pollIntervalMs: 100,
    ...overrides,
  };
}
