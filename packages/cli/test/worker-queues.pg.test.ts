import { requireExternalService } from '@casare-rpa/testkit';
import { workflowDoc } from '@casare-rpa/domain/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import { childEnv, localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace, type CasareProcess } from './casare-process.js';

// The queue settings of `casare worker` and `casare submit` (issue 12) on the local PostgreSQL,
// with real worker processes: DBOS's priority (a lower number starts first), its rate limiter
// (no more than N starts in any S-second window), a --queue-config file with two queues of
// different settings, and a submission delay. Start times are DBOS's own `started_at_epoch_ms`,
// stamped by the database's clock when a worker claims the run.

const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');

/** Seconds the blocker holds the one slot of the priority worker: the submissions must fit in it. */
const BLOCKER_S = 3;
const RATE = { limit: 2, periodSeconds: 2 };
const RATED_RUNS = 6;
const DELAY_S = 2;
const QUEUE_CONFIG = {
  queues: {
    alpha: { concurrency: 1, pollIntervalSeconds: 0.2 },
    beta: { concurrency: 2, globalConcurrency: 3, rateLimit: { limit: 5, periodSeconds: 1 }, pollIntervalSeconds: 0.3 },
  },
};

interface RunRow {
  readonly workflow_uuid: string;
  readonly status: string;
  readonly executor_id: string;
  readonly created_at: string;
  readonly started_at_epoch_ms: string | null;
}

describe.skipIf(!hasPostgres)('casare worker queue settings', () => {
  let workspace: Workspace;
  let database: TestDatabase;
  let db: pg.Client;
  const workers = new Map<string, CasareProcess>();
  const startLines = new Map<string, string>();

  const executorOf = (name: string): string => `${database.executorId}-${name}`;

  /** `casare submit` in this process (a process per submission would take seconds each here); its stdout. */
  const submit = async (...argv: string[]): Promise<string> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli({
      argv: ['submit', ...argv],
      stdout: { write: (text: string) => ((stdout += text), true) },
      stderr: { write: (text: string) => ((stderr += text), true) },
      env: { CASARE_DATABASE_URL: database.url, CASARE_DBOS_LOG_LEVEL: 'error' },
      cwd: workspace.dir,
      interrupted: new Promise(() => {}),
    });
    expect(code, stderr).toBe(0);
    return stdout;
  };

  const runsOf = async (ids: readonly string[]): Promise<Map<string, RunRow>> => {
    const rows = await db.query<RunRow>(
      `SELECT workflow_uuid, status, executor_id, created_at, started_at_epoch_ms FROM dbos.workflow_status WHERE workflow_uuid = ANY($1)`,
      [[...ids]],
    );
    return new Map(rows.rows.map((row) => [row.workflow_uuid, row]));
  };

  /** Waits until every run succeeded; returns their rows. */
  const settled = async (ids: readonly string[], timeoutMs = 40_000): Promise<Map<string, RunRow>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await runsOf(ids);
      if (ids.every((id) => rows.get(id)?.status === 'SUCCESS')) return rows;
      if (Date.now() > deadline) throw new Error(`runs not all succeeded after ${timeoutMs} ms: ${JSON.stringify([...rows.values()])}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const startedAt = (row: RunRow | undefined): number => {
    expect(row?.started_at_epoch_ms, `${row?.workflow_uuid} has no start time`).not.toBeNull();
    return Number(row?.started_at_epoch_ms);
  };

  beforeAll(async () => {
    requireBuiltBinary();
    workspace = await Workspace.create('worker-queues');
    database = new TestDatabase('wqueues');
    const waitFlow = (name: string, seconds: number) =>
      workflowDoc().name(name).start().node('hold', 'WaitNode', { seconds }).end().chain('start', 'hold', 'end').build();
    await workspace.write('blocker.json', waitFlow('blocker', BLOCKER_S));
    await workspace.write('quick.json', waitFlow('quick', 0.05));
    await workspace.write('queues.json', QUEUE_CONFIG);

    // Three workers, started together (each takes seconds to launch on this machine), each with
    // its own queues: flags on two of them, the file on the third.
    const specs: Record<string, readonly string[]> = {
      prio: ['--queue', 'prio', '--concurrency', '1', '--poll-interval', '0.2'],
      rated: ['--queue', 'rated', '--rate-limit', `${RATE.limit}/${RATE.periodSeconds}`, '--poll-interval', '0.2'],
      config: ['--queue-config', 'queues.json'],
    };
    for (const [name, flags] of Object.entries(specs)) {
      workers.set(name, workspace.start(['worker', '--executor-id', executorOf(name), ...flags], childEnv({ CASARE_DATABASE_URL: database.url }), 120_000));
    }
    await Promise.all(
      [...workers].map(async ([name, worker]) => {
        const line = await Promise.race([
          worker.waitForLine('stdout', /^Worker .* queues /),
          worker.ended.then((end) => Promise.reject(new Error(`worker ${name} exited ${end.code}: ${end.stderr}`))),
        ]);
        startLines.set(name, line);
      }),
    );
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 90_000);

  afterAll(async () => {
    for (const worker of workers.values()) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await Promise.all([...workers.values()].map((worker) => worker.ended.catch(() => undefined)));
    await db?.end().catch(() => {});
    await database?.drop().catch(() => {});
    await workspace?.dispose();
  });

  it('the start lines say each queue and its settings', () => {
    expect(startLines.get('prio')).toContain('queues prio (concurrency 1 per worker, unlimited per queue, no rate limit, polled every 0.2 s or more)');
    expect(startLines.get('rated')).toContain(
      `queues rated (concurrency unlimited per worker, unlimited per queue, at most ${RATE.limit} started per ${RATE.periodSeconds} s, polled every 0.2 s or more)`,
    );
    expect(startLines.get('config')).toContain(
      'queues alpha (concurrency 1 per worker, unlimited per queue, no rate limit, polled every 0.2 s or more), ' +
        'beta (concurrency 2 per worker, 3 per queue, at most 5 started per 1 s, polled every 0.3 s or more)',
    );
  });

  it('--priority: while the one slot is busy, a priority-1 run submitted last starts before three priority-10 runs', async () => {
    await submit('blocker.json', '--queue', 'prio', '--run-id', 'blocker');
    // The blocker must hold the slot before the others are submitted, or nothing waits on priority.
    const deadline = Date.now() + 20_000;
    while ((await runsOf(['blocker'])).get('blocker')?.status !== 'PENDING') {
      if (Date.now() > deadline) throw new Error('the blocker never started');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const low = ['low-1', 'low-2', 'low-3'];
    for (const runId of low) await submit('quick.json', '--queue', 'prio', '--run-id', runId, '--priority', '10');
    const json = JSON.parse(await submit('quick.json', '--queue', 'prio', '--run-id', 'high', '--priority', '1', '--json')) as Record<string, unknown>;
    expect(json).toEqual({ runId: 'high', queue: 'prio', enqueued: true, priority: 1 });
    // Not vacuous: every run was still waiting behind the blocker when the last one was submitted.
    const waiting = await runsOf([...low, 'high', 'blocker']);
    expect(waiting.get('blocker')?.status, 'the blocker ended before the submissions did: make BLOCKER_S longer').toBe('PENDING');
    for (const runId of [...low, 'high']) expect(waiting.get(runId)?.status).toBe('ENQUEUED');

    const rows = await settled(['blocker', ...low, 'high']);
    for (const row of rows.values()) expect(row.executor_id).toBe(executorOf('prio'));
    const high = startedAt(rows.get('high'));
    expect(high).toBeGreaterThanOrEqual(startedAt(rows.get('blocker')));
    for (const runId of low) expect(startedAt(rows.get(runId)), `${runId} started before the priority-1 run`).toBeGreaterThan(high);
    // Equal priorities start in submission order.
    const lowStarts = low.map((runId) => startedAt(rows.get(runId)));
    expect([...lowStarts].sort((a, b) => a - b)).toEqual(lowStarts);
  }, 60_000);

  it(`--rate-limit ${RATE.limit}/${RATE.periodSeconds}: no ${RATE.limit + 1} of ${RATED_RUNS} runs submitted together start within ${RATE.periodSeconds} s, and all complete`, async () => {
    const ids = Array.from({ length: RATED_RUNS }, (_, index) => `rated-${index}`);
    for (const runId of ids) await submit('quick.json', '--queue', 'rated', '--run-id', runId);
    const rows = await settled(ids);
    for (const row of rows.values()) expect(row.executor_id).toBe(executorOf('rated'));
    const starts = ids.map((runId) => startedAt(rows.get(runId))).sort((a, b) => a - b);
    console.log(`rate-limited starts, ms after the first: ${starts.map((start) => start - (starts[0] ?? 0)).join(', ')}`);
    for (let index = 0; index + RATE.limit < starts.length; index++) {
      const window = (starts[index + RATE.limit] ?? 0) - (starts[index] ?? 0);
      expect(window, `runs ${index}..${index + RATE.limit} started within ${window} ms`).toBeGreaterThanOrEqual(RATE.periodSeconds * 1000);
    }
    // Not vacuous: 6 runs at 2 per 2 s take at least two more windows after the first starts.
    expect((starts.at(-1) ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(2 * RATE.periodSeconds * 1000);
  }, 60_000);

  it('--queue-config: one worker serves both queues of the file with their settings; workers list --json still works', async () => {
    // What DBOS stored for the fleet: each worker's settings reached the system database.
    const stored = await db.query<{ name: string }>(
      `SELECT name, concurrency, worker_concurrency, rate_limit_max, rate_limit_period_sec::float8, polling_interval_sec::float8
       FROM dbos.queues WHERE name = ANY($1) ORDER BY name`,
      [['alpha', 'beta', 'prio', 'rated']],
    );
    const columns = ['name', 'concurrency', 'worker_concurrency', 'rate_limit_max', 'rate_limit_period_sec', 'polling_interval_sec'];
    expect(stored.rows).toEqual(
      [
        ['alpha', null, 1, null, null, 0.2],
        ['beta', 3, 2, 5, 1, 0.3],
        ['prio', null, 1, null, null, 0.2],
        ['rated', null, null, RATE.limit, RATE.periodSeconds, 0.2],
      ].map((values) => Object.fromEntries(columns.map((column, index) => [column, values[index]]))),
    );

    const ids = ['alpha-1', 'alpha-2', 'beta-1', 'beta-2', 'beta-3'];
    for (const runId of ids) await submit('quick.json', '--queue', runId.split('-')[0] ?? '', '--run-id', runId);
    const rows = await settled(ids);
    for (const row of rows.values()) expect(row.executor_id).toBe(executorOf('config'));

    const listed = await workspace.run(['workers', 'list', '--json'], childEnv({ CASARE_DATABASE_URL: database.url }));
    expect(listed.code, listed.stderr).toBe(0);
    const fleet = JSON.parse(listed.stdout) as { workers: Array<{ executorId: string; queues: string[]; alive: boolean }> };
    expect(fleet.workers.map((worker) => [worker.executorId, worker.queues, worker.alive]).sort()).toEqual(
      [
        [executorOf('config'), ['alpha', 'beta'], true],
        [executorOf('prio'), ['prio'], true],
        [executorOf('rated'), ['rated'], true],
      ].sort(),
    );
  }, 60_000);

  it(`--delay ${DELAY_S}: the run starts no sooner than ${DELAY_S} s after its submission, then completes; SIGTERM ends the workers with 0`, async () => {
    const submittedAt = Date.now();
    const json = JSON.parse(await submit('quick.json', '--queue', 'alpha', '--run-id', 'delayed', '--delay', String(DELAY_S), '--json')) as Record<
      string,
      unknown
    >;
    expect(json).toEqual({ runId: 'delayed', queue: 'alpha', enqueued: true, delay: DELAY_S });
    const rows = await settled(['delayed']);
    const waited = startedAt(rows.get('delayed')) - submittedAt;
    console.log(`delayed run started ${waited} ms after its submission (--delay ${DELAY_S})`);
    expect(waited).toBeGreaterThanOrEqual(DELAY_S * 1000);
    expect(waited).toBeLessThan((DELAY_S + 10) * 1000);
    expect(rows.get('delayed')?.executor_id).toBe(executorOf('config'));

    for (const worker of workers.values()) worker.child.kill('SIGTERM');
    for (const ended of await Promise.all([...workers.values()].map((worker) => worker.ended))) expect(ended.code, ended.stderr).toBe(0);
  }, 60_000);
});
