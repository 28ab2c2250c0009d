import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireExternalService } from '@casare-rpa/testkit';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import { childEnv, localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace, type CasareProcess } from './casare-process.js';

// Queue limits are DBOS's own and hold across the fleet: with --global-concurrency 2, two workers
// that could each take 4 never have more than 2 runs of the queue executing at once.

const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');

const RUNS = 8;
const GLOBAL = 2;

describe.skipIf(!hasPostgres)('queue limits across workers', () => {
  let workspace: Workspace;
  let database: TestDatabase;
  let server: Server;
  const workers: CasareProcess[] = [];
  let executing = 0;
  let most = 0;
  let ended = 0;

  beforeAll(async () => {
    requireBuiltBinary();
    workspace = await Workspace.create('queue-limits');
    database = new TestDatabase('qlimits');
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        if (body.endsWith('#begin')) most = Math.max(most, ++executing);
        else if (body.endsWith('#end')) {
          executing--;
          ended++;
        }
        response.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await workspace.write(
      'span.json',
      workflowDoc()
        .name('span')
        .start()
        .node('begin', 'HTTPSuperNode', { action: 'POST', url, body: '{{$run.id}}#begin' })
        .node('hold', 'WaitNode', { seconds: 0.8 })
        .node('finish', 'HTTPSuperNode', { action: 'POST', url, body: '{{$run.id}}#end' })
        .end()
        .chain('start', 'begin', 'hold', 'finish', 'end')
        .build(),
    );
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.ended.catch(() => undefined)));
    await new Promise((resolve) => server?.close(resolve));
    await database?.drop().catch(() => {});
    await workspace?.dispose();
  });

  it(`never more than ${GLOBAL} runs of the queue at once`, async () => {
    for (const name of ['a', 'b']) {
      workers.push(
        workspace.start(
          ['worker', '--queue', 'limited', '--concurrency', '4', '--global-concurrency', String(GLOBAL), '--executor-id', `${database.executorId}-${name}`],
          childEnv({ CASARE_DATABASE_URL: database.url }),
          120_000,
        ),
      );
    }
    await Promise.all(
      workers.map((worker) =>
        Promise.race([
          worker.waitForLine('stdout', /^Worker .* queues limited/),
          worker.ended.then((end) => Promise.reject(new Error(`worker exited ${end.code}: ${end.stderr}`))),
        ]),
      ),
    );
    for (let index = 0; index < RUNS; index++) {
      const code = await runCli({
        argv: ['submit', 'span.json', '--queue', 'limited', '--run-id', `span-${index}`],
        stdout: { write: () => true },
        stderr: { write: () => true },
        env: { CASARE_DATABASE_URL: database.url, CASARE_DBOS_LOG_LEVEL: 'error' },
        cwd: workspace.dir,
        interrupted: new Promise(() => {}),
      });
      expect(code).toBe(0);
    }
    const deadline = Date.now() + 90_000;
    while (ended < RUNS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ended).toBe(RUNS);
    console.log(`most runs executing at once: ${most} (global concurrency ${GLOBAL})`);
    expect(most).toBeLessThanOrEqual(GLOBAL);
    expect(most).toBe(GLOBAL);
  }, 150_000);

  it('runs list --queue lists the runs of that queue only, with their statuses', async () => {
    // In this process, as `casare` would run them: a process per command takes seconds each on a loaded machine.
    const casare = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli({
        argv,
        stdout: { write: (text: string) => (out.push(text), true) },
        stderr: { write: (text: string) => (err.push(text), true) },
        env: { CASARE_DATABASE_URL: database.url, CASARE_DBOS_LOG_LEVEL: 'error' },
        cwd: workspace.dir,
        interrupted: new Promise(() => {}),
      });
      return { code, stdout: out.join(''), stderr: err.join('') };
    };
    // No worker listens on "parked": its runs stay enqueued.
    for (const runId of ['parked-1', 'parked-2']) {
      const submitted = await casare('submit', 'span.json', '--queue', 'parked', '--run-id', runId);
      expect(submitted.code, submitted.stderr).toBe(0);
    }
    const limited = JSON.parse((await casare('runs', 'list', '--queue', 'limited', '--json')).stdout) as Array<{ runId: string; status: string }>;
    expect(limited.map((run) => run.runId).sort()).toEqual(Array.from({ length: RUNS }, (_, index) => `span-${index}`).sort());
    expect(new Set(limited.map((run) => run.status))).toEqual(new Set(['succeeded']));
    const parked = JSON.parse((await casare('runs', 'list', '--queue', 'parked', '--json')).stdout) as Array<{ runId: string; status: string }>;
    expect(parked.map((run) => [run.runId, run.status])).toEqual([
      ['parked-2', 'enqueued'],
      ['parked-1', 'enqueued'],
    ]);
    const table = await casare('runs', 'list', '--queue', 'parked');
    expect(table.stdout).toMatch(/^parked-2\s+enqueued\s/m);
    expect(table.stdout).not.toContain('span-');
    expect((await casare('runs', 'list', '--queue', 'parked', '--status', 'succeeded')).stdout).toBe('No succeeded runs on queue parked.\n');
    expect((await casare('runs', 'list', '--queue', 'nobody-submits-here')).stdout).toBe('No runs on queue nobody-submits-here.\n');
  }, 120_000);
});
