import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDurableRunner } from './sqlite-durable-runner.js';
import { sqliteRunnerConfigFromEnv } from './sqlite-runner-config.js';

const dir = mkdtempSync(join(tmpdir(), 'casare-sqlite-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite configuration', () => {
  it('defaults to .casare/casare.db under the working directory, FULL, executor casare-local', () => {
    expect(sqliteRunnerConfigFromEnv({}, '/work/robots')).toMatchObject({
      path: '/work/robots/.casare/casare.db',
      executorId: 'casare-local',
      synchronous: 'FULL',
      busyTimeoutMs: 5000,
    });
  });

  it('reads CASARE_SQLITE_PATH (relative to the working directory), CASARE_EXECUTOR_ID, CASARE_SQLITE_SYNCHRONOUS and the busy timeout', () => {
    const config = sqliteRunnerConfigFromEnv(
      { CASARE_SQLITE_PATH: 'data/runs.db', CASARE_EXECUTOR_ID: 'worker-2', CASARE_SQLITE_SYNCHRONOUS: 'normal', CASARE_SQLITE_BUSY_TIMEOUT_MS: '250' },
      '/work/robots',
    );
    expect(config).toMatchObject({ path: '/work/robots/data/runs.db', executorId: 'worker-2', synchronous: 'NORMAL', busyTimeoutMs: 250 });
    expect(sqliteRunnerConfigFromEnv({ CASARE_SQLITE_PATH: '/abs/x.db' }, '/work').path).toBe('/abs/x.db');
  });

  it('refuses a synchronous mode or a busy timeout it does not know, naming the variable', () => {
    expect(() => sqliteRunnerConfigFromEnv({ CASARE_SQLITE_SYNCHRONOUS: 'OFF' }, '/w')).toThrow(/CASARE_SQLITE_SYNCHRONOUS must be FULL or NORMAL/);
    expect(() => sqliteRunnerConfigFromEnv({ CASARE_SQLITE_BUSY_TIMEOUT_MS: 'soon' }, '/w')).toThrow(/CASARE_SQLITE_BUSY_TIMEOUT_MS/);
  });

  it('opens the file in WAL mode with the synchronous mode asked for', async () => {
    for (const [synchronous, level] of [
      ['FULL', 2],
      ['NORMAL', 1],
    ] as const) {
      const path = join(dir, `${synchronous}.db`);
      const runner = new SqliteDurableRunner({ path, synchronous });
      const reader = new Database(path, { readonly: true });
      expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
      reader.close();
      // `synchronous` is per connection: read it on the runner's own.
      expect((runner.journal as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(level);
      await runner.shutdown();
    }
  });
});
