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
});
