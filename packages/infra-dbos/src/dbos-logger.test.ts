import { afterEach, describe, expect, it, vi } from 'vitest';
import { DbosStderrLogger } from './dbos-logger.js';

describe('DbosStderrLogger', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('says a lost PostgreSQL once every 10 s, naming the database without its password, not once per DBOS loop', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const logger = new DbosStderrLogger('warn', 'postgres://casare:s3cret@127.0.0.1:5432/casare');
    const outage = [
      'Unexpected error in pool: error: terminating connection due to administrator command',
      'Error getting startable workflows for queue casare: connect ECONNREFUSED 127.0.0.1:5432',
      'Database connection failed: connect ECONNREFUSED 127.0.0.1:5432. Retrying in 0.78s (attempt 1)',
      'Dynamic scheduler: error listing schedules: the database system is shutting down',
    ];
    for (const line of outage) logger.warn(line);
    logger.warn('Workflow queue casare is not registered');
    vi.setSystemTime(1_010_001);
    logger.warn(outage[1]);
    expect(lines).toEqual([
      `[dbos warn] PostgreSQL at postgres://casare:***@127.0.0.1:5432/casare is not reachable; runs are paused and resume when it is back (${outage[0]})\n`,
      '[dbos warn] Workflow queue casare is not registered\n',
      `[dbos warn] PostgreSQL at postgres://casare:***@127.0.0.1:5432/casare is not reachable; runs are paused and resume when it is back (${outage[1]})\n`,
    ]);
  });
});
