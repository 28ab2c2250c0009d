import { requireExternalService } from '@casare-rpa/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import { childEnv, localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace, type CasareProcess } from './casare-process.js';
import { Ledger, ledgerFlow } from './ledger.js';

// A fleet of real `casare worker` processes on the local PostgreSQL (issue 12): runs submitted by
// `casare submit` are drained by 3 workers; one is SIGKILLed mid-run and its runs are taken over
// through DBOS's recovery for its executor id; the ledger (a local HTTP server) shows every item
// posted, and an item posted twice carries the same idempotency key both times; the killed worker
// restarted under its old id executes nothing again; SIGTERM ends a worker with exit 0.

const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');

const RUNS = 60;
const ITEMS = 3;
const TAKEOVER_AFTER_S = 5;
const PER_WORKER = 4;

describe.skipIf(!hasPostgres)('casare worker fleet', () => {
  let workspace: Workspace;
  let database: TestDatabase;
  let ledger: Ledger;
  const workers: CasareProcess[] = [];
  let db: pg.Client;

  const startWorker = (executorId: string, extra: readonly string[] = []): CasareProcess => {
    const worker = workspace.start(
      ['worker', '--executor-id', executorId, '--concurrency', String(PER_WORKER), '--takeover-after', String(TAKEOVER_AFTER_S), '--heartbeat', '1', ...extra],
      childEnv({ CASARE_DATABASE_URL: database.url }),
      180_000,
    );
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    requireBuiltBinary();
    workspace = await Workspace.create('fleet');
    database = new TestDatabase('fleet');
    ledger = await Ledger.start();
    await workspace.write('ledger.json', ledgerFlow(ledger.url, ITEMS));
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.ended.catch(() => undefined)));
    await db?.end().catch(() => {});
    await ledger?.close();
    await database?.drop().catch(() => {});
    await workspace?.dispose();
  });

  it('3 workers drain 60 submitted runs; a SIGKILLed worker is taken over once; its restart runs nothing twice; SIGTERM exits 0', async () => {
    const ids = ['w1', 'w2', 'w3'].map((name) => `${database.executorId}-${name}`);
    const [victimId] = ids as [string, string, string];
    const started = ids.map((id) => startWorker(id));
    await Promise.all(started.map((worker) => worker.waitForLine('stdout', /^Worker .* queues casare/)));

    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    // The victim is killed while it holds runs in flight, after it has completed two. The workers
    // drain while runs are submitted, so the moment is watched for between submissions: on a slow
    // machine the fleet keeps up with the submissions and may hold nothing once they are all in.
    const victim = started[0] as CasareProcess;
    let victimCompleted = 0;
    void (async () => {
      for (;;) {
        await victim.waitForLine('stdout', /^run\.completed /);
        victimCompleted += 1;
      }
    })();
    const victimPending = async (): Promise<string[]> =>
      (
        await db.query<{ workflow_uuid: string }>(`SELECT workflow_uuid FROM dbos.workflow_status WHERE executor_id = $1 AND status = 'PENDING'`, [victimId])
      ).rows.map((row) => row.workflow_uuid);
    const takeoverLines = started.slice(1).map((worker) => worker.waitForLine('stdout', new RegExp(`^Took over executor ${victimId} `)));
    // The ledger holds its answers for a moment first: every run the victim still holds is then
    // blocked on a POST and cannot complete between the look at its runs and the SIGKILL.
    let killedAt: number | undefined;
    let inFlightAtKill: string[] = [];
    const killIfHolding = async (): Promise<boolean> => {
      if (killedAt === undefined && victimCompleted >= 2 && (await victimPending()).length > 0) {
        ledger.hold();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const holding = await victimPending();
        if (holding.length > 0) {
          await victim.kill();
          killedAt = Date.now();
          // The runs it held then, and any it dequeued between that look and the kill.
          inFlightAtKill = await victimPending();
          expect(inFlightAtKill).toEqual(expect.arrayContaining(holding));
        }
        ledger.release();
      }
      return killedAt !== undefined;
    };

    // Submit through the command itself, in this process: 60 `casare submit` processes would take minutes here.
    const submitted: string[] = [];
    for (let index = 0; index < RUNS; index++) {
      const runId = `run-${String(index).padStart(2, '0')}`;
      const out: string[] = [];
      const code = await runCli({
        argv: ['submit', 'ledger.json', '--run-id', runId],
        stdout: { write: (text: string) => (out.push(text), true) },
        stderr: { write: () => true },
        env: { CASARE_DATABASE_URL: database.url, CASARE_DBOS_LOG_LEVEL: 'error' },
        cwd: workspace.dir,
        interrupted: new Promise(() => {}),
      });
      expect(code).toBe(0);
      expect(out.join('').trim()).toBe(runId);
      submitted.push(runId);
      await killIfHolding();
    }

    await waitFor(killIfHolding, 60_000, () => Promise.resolve(`victim completed ${victimCompleted} runs and never held one in flight`));
    expect(inFlightAtKill.length).toBeGreaterThan(0);

    const takeover = await Promise.race(takeoverLines);
    const takeoverMs = Date.now() - (killedAt ?? 0);
    console.log(`takeover of ${inFlightAtKill.length} run(s) ${takeoverMs} ms after SIGKILL (--takeover-after ${TAKEOVER_AFTER_S} s): ${takeover}`);
    expect(takeoverMs).toBeLessThanOrEqual((TAKEOVER_AFTER_S + 5) * 1000);
    // Exactly once across the fleet: one claim in the heartbeat table, by one worker.
    const claims = await db.query<{ taken_over_by: string }>(`SELECT taken_over_by FROM casare.workers WHERE executor_id = $1`, [victimId]);
    expect(claims.rows).toHaveLength(1);
    expect(ids.slice(1)).toContain(claims.rows[0]?.taken_over_by);

    await waitFor(
      async () => (await statusCounts(db)).SUCCESS === RUNS,
      120_000,
      async () => JSON.stringify(await statusCounts(db)),
    );
    // DBOS's ownership: every run the victim had in flight now belongs to another executor.
    const owners = await db.query<{ workflow_uuid: string; executor_id: string }>(
      `SELECT workflow_uuid, executor_id FROM dbos.workflow_status WHERE workflow_uuid = ANY($1)`,
      [inFlightAtKill],
    );
    for (const row of owners.rows) expect(row.executor_id).not.toBe(victimId);

    assertLedger(submitted, inFlightAtKill.length);
    const postsBeforeRestart = ledger.posted.length;

    // The killed worker comes back under its old id: DBOS's launch recovery looks for PENDING runs of
    // that id and finds none, so it executes nothing again.
    const back = startWorker(victimId);
    await back.waitForLine('stdout', /^Worker .* queues casare/);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(ledger.posted.length).toBe(postsBeforeRestart);
    expect((await db.query(`SELECT 1 FROM dbos.workflow_status WHERE executor_id = $1 AND status <> 'SUCCESS'`, [victimId])).rowCount).toBe(0);
    expect((await statusCounts(db)).SUCCESS).toBe(RUNS);

    const listed = await workspace.run(
      ['workers', 'list', '--json', '--takeover-after', String(TAKEOVER_AFTER_S)],
      childEnv({ CASARE_DATABASE_URL: database.url }),
    );
    const fleet = JSON.parse(listed.stdout) as { workers: Array<{ executorId: string; alive: boolean; runsInFlight: number }> };
    expect(fleet.workers.map((worker) => worker.executorId).sort()).toEqual([...ids].sort());
    for (const worker of fleet.workers) expect(worker).toMatchObject({ alive: true, runsInFlight: 0 });

    // SIGTERM: stop dequeuing, drain, exit 0.
    const live = [started[1], started[2], back] as CasareProcess[];
    for (const worker of live) worker.child.kill('SIGTERM');
    for (const ended of await Promise.all(live.map((worker) => worker.ended))) expect(ended.code, ended.stderr).toBe(0);
  }, 240_000);

  /** Every item of every run is in the ledger; an item posted twice carried the same key each time. */
  function assertLedger(runIds: readonly string[], inFlightAtKill: number): void {
    const keysOf = ledger.keysByItem();
    for (const runId of runIds)
      for (let item = 1; item <= ITEMS; item++) expect(keysOf.has(`${runId}#${item}`), `${runId}#${item} is missing from the ledger`).toBe(true);
    expect(keysOf.size).toBe(runIds.length * ITEMS);
    for (const [item, keys] of keysOf) {
      expect(keys.size, `${item} was posted with different keys`).toBe(1);
      expect([...keys][0], item).not.toBe('');
    }
    // Only the step in flight at the kill may repeat: at most one repeated post per run it held.
    const repeats = ledger.posted.length - keysOf.size;
    console.log(`ledger: ${ledger.posted.length} posts, ${keysOf.size} items, ${repeats} repeated (victim held ${inFlightAtKill} runs)`);
    expect(repeats).toBeLessThanOrEqual(inFlightAtKill);
  }
});

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
