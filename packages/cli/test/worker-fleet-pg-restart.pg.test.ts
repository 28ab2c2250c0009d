import { requireExternalService } from '@casare-rpa/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import { childEnv, requireBuiltBinary, Workspace, type CasareProcess } from './casare-process.js';
import { Ledger, ledgerFlow } from './ledger.js';
import { PrivatePostgres, privatePostgresMissing } from './private-postgres.js';

// A PostgreSQL restart while 3 real `casare worker` processes drain a queue (issue 12). The server
// is a private cluster of this test's own (the machine's one is shared with every other test), so a
// fast restart cuts every connection of the fleet mid-drain. Every run completes, the ledger is
// exact (every item posted, an item posted twice carries the same key), and no worker dies.

const missing = privatePostgresMissing();
const available = requireExternalService('a private PostgreSQL cluster', missing === undefined, missing ?? '');

const RUNS = 30;
const ITEMS = 3;
const PER_WORKER = 4;
const TAKEOVER_AFTER_S = 3;
/** Longer than --takeover-after: every heartbeat is stale when the server comes back, yet every worker is alive. */
const DOWN_MS = 4_500;

describe.skipIf(!available)('a PostgreSQL restart while a worker fleet drains its queue', () => {
  let cluster: PrivatePostgres;
  let workspace: Workspace;
  let ledger: Ledger;
  let databaseUrl: string;
  const workers: CasareProcess[] = [];
  let db: pg.Client | undefined;

  beforeAll(async () => {
    requireBuiltBinary();
    cluster = await PrivatePostgres.start();
    databaseUrl = cluster.url('casare_fleet_restart');
    workspace = await Workspace.create('fleet-restart');
    ledger = await Ledger.start();
    await workspace.write('ledger.json', ledgerFlow(ledger.url, ITEMS));
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.ended.catch(() => undefined)));
    await db?.end().catch(() => {});
    await ledger?.close();
    await cluster?.dispose();
    await workspace?.dispose();
  });

  it('every run completes, the ledger is exact and every worker survives the outage', async () => {
    const env = childEnv({ CASARE_DATABASE_URL: databaseUrl, CASARE_DBOS_LOG_LEVEL: 'warn' });
    const ids = ['w1', 'w2', 'w3'].map((name) => `restart-${name}`);
    for (const id of ids)
      workers.push(
        workspace.start(
          ['worker', '--executor-id', id, '--concurrency', String(PER_WORKER), '--heartbeat', '1', '--takeover-after', String(TAKEOVER_AFTER_S)],
          env,
          150_000,
        ),
      );
    await Promise.all(workers.map((worker) => worker.waitForLine('stdout', /^Worker .* queues casare/)));

    // One after the other: DBOS clients created together in one process trip over each other.
    for (let index = 0; index < RUNS; index++) {
      const err: string[] = [];
      const code = await runCli({
        argv: ['submit', 'ledger.json', '--run-id', runIdOf(index)],
        stdout: { write: () => true },
        stderr: { write: (text: string) => (err.push(text), true) },
        env: { CASARE_DATABASE_URL: databaseUrl, CASARE_DBOS_LOG_LEVEL: 'error' },
        cwd: workspace.dir,
        interrupted: new Promise(() => {}),
      });
      expect(code, err.join('')).toBe(0);
    }

    // Restart once the fleet is busy (at least a quarter of the posts done), runs holding steps in flight.
    await waitFor(
      () => Promise.resolve(ledger.posted.length >= (RUNS * ITEMS) / 4),
      60_000,
      () => Promise.resolve(`${ledger.posted.length} posts`),
    );
    const before = await serverStartedAt(databaseUrl);
    const inFlight = await pendingRuns(databaseUrl);
    const postsBefore = ledger.posted.length;
    await cluster.restart(DOWN_MS);
    const restartedAt = await serverStartedAt(databaseUrl);
    expect(restartedAt).toBeGreaterThan(before);
    console.log(`PostgreSQL down ${DOWN_MS} ms after ${postsBefore} of ${RUNS * ITEMS} posts, ${inFlight} runs in flight`);
    expect(inFlight).toBeGreaterThan(0);

    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const client = db;
    await waitFor(
      async () => (await statusCounts(client)).SUCCESS === RUNS,
      90_000,
      async () => JSON.stringify(await statusCounts(client)),
    );
    expect(ledger.posted.length).toBeGreaterThan(postsBefore);

    // Exact: every item of every run, each under one key; a repeat is a step whose POST was in
    // flight when its connection was cut (at most one per run).
    const keysOf = ledger.keysByItem();
    for (let index = 0; index < RUNS; index++)
      for (let item = 1; item <= ITEMS; item++) expect(keysOf.has(`${runIdOf(index)}#${item}`), `${runIdOf(index)}#${item}`).toBe(true);
    expect(keysOf.size).toBe(RUNS * ITEMS);
    for (const [item, keys] of keysOf) expect(keys.size, `${item} was posted with different keys`).toBe(1);
    const repeats = ledger.posted.length - keysOf.size;
    console.log(`ledger: ${ledger.posted.length} posts, ${keysOf.size} items, ${repeats} repeated`);
    expect(repeats).toBeLessThanOrEqual(inFlight);

    // No worker died on the outage and none was taken for dead: the outage stopped every heartbeat
    // alike, so a worker back from it gives the others time to beat again before judging them.
    for (const worker of workers) expect(worker.child.exitCode, await stderrOf(worker)).toBeNull();
    const claims = await client.query(`SELECT executor_id FROM casare.workers WHERE taken_over_by IS NOT NULL`);
    expect(claims.rows).toEqual([]);
    for (const worker of workers) worker.child.kill('SIGTERM');
    const ended = await Promise.all(workers.map((worker) => worker.ended));
    for (const end of ended) expect(end.code, end.stderr).toBe(0);
    // Each said what happened, naming the database, in a few lines rather than one per DBOS loop and tick.
    const paused = `PostgreSQL at ${databaseUrl} is not reachable; runs are paused`;
    for (const end of ended) {
      expect(end.stderr).toContain(`casare worker: heartbeat failed on PostgreSQL at ${databaseUrl}`);
      expect(end.stderr).toMatch(/^casare worker: heartbeat recorded again after \d+\.\d s; no takeover for 3 s while the other workers reconnect$/m);
      expect(end.stderr.split('\n').filter((line) => line.includes(paused)).length, end.stderr).toBeLessThanOrEqual(2);
      expect(end.stderr.split('\n').filter((line) => line.startsWith('[dbos')).length, end.stderr).toBeLessThanOrEqual(4);
    }
    console.log(`${ids[0]} stderr:\n${ended[0]?.stderr ?? ''}`);
  }, 150_000);
});

function runIdOf(index: number): string {
  return `run-${String(index).padStart(2, '0')}`;
}

async function stderrOf(worker: CasareProcess): Promise<string> {
  return worker.child.exitCode === null ? '' : (await worker.ended).stderr;
}

async function pendingRuns(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM dbos.workflow_status WHERE status = 'PENDING'`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function serverStartedAt(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ started: Date }>('SELECT pg_postmaster_start_time() AS started');
    return (rows[0] as { started: Date }).started.getTime();
  } finally {
    await client.end();
  }
}

async function statusCounts(db: pg.Client): Promise<Record<string, number>> {
  const rows = await db.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM dbos.workflow_status GROUP BY status`);
  return Object.fromEntries(rows.rows.map((row) => [row.status, Number(row.n)]));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
