// Fleet benchmark (`npm run bench`): throughput of `casare worker` processes draining a DBOS queue,
// beside raw DBOS driving the same load in the same run (issue 12). Load: 10 concurrent runs of 100
// world nodes (HTTP POSTs to a local server) in `every-node` mode, with 1, 2 and 4 workers; the
// typical mix (3 pure Log nodes per POST) in `effects` mode with 1 worker; and the time from a
// worker's SIGKILL to its runs resuming elsewhere. Runs on built dist/; each phase on its own
// system database; writes bench-results/workers.json. Fleet figures are timed by DBOS's records
// (first dequeue to last end); raw DBOS by wall clock around its 10 workflows, twice: in this
// process beside the HTTP server, and in a child process of its own as a worker is.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { dropSystemDatabase, prepareSystemDatabase } from '@casare-rpa/infra-dbos';
import pg from 'pg';
import { median, repoRoot, round, writeBenchResults } from '../../../scripts/bench-kit.mjs';
import { runCli } from '../dist/main.js';

const BIN = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const RUNS = 10;
const NODES = 100;
const WORKER_COUNTS = [1, 2, 4];
const TAKEOVER_AFTER_S = 5;
/** Batches of the timed load run before the clock starts, by raw DBOS and by each fleet alike. */
const WARMUP_BATCHES = 2;
/** Timed batches; a figure is the median batch's (one batch lasts a second or two: one sample moves a lot). */
const TIMED_BATCHES = 3;
const base = `postgres://postgres@127.0.0.1:5432/casare_bench_workers_${process.pid}`;
let databases = 0;

async function main() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const workdir = mkdtempSync(join(tmpdir(), 'casare-workers-bench-'));
  writeFileSync(join(workdir, 'world.json'), JSON.stringify(worldDocument(url, 'every-node')));
  writeFileSync(join(workdir, 'mix.json'), JSON.stringify(mixDocument(url)));
  const results = {
    machine: { node: process.version, cpus: cpus().length, loadavg: loadavg().map((v) => round(v, 2)) },
    rawDbosStepsPerSecond: 0,
    rawDbosOwnProcessStepsPerSecond: 0,
    everyNode: [],
    effectsMix: {},
    takeoverMs: undefined,
  };
  try {
    results.rawDbosStepsPerSecond = await rawDbos(url);
    console.log(
      `raw DBOS: ${round(results.rawDbosStepsPerSecond)} steps/s (${RUNS} concurrent runs of ${NODES} POST steps, in this process beside the server)`,
    );
    results.rawDbosOwnProcessStepsPerSecond = await rawDbosOwnProcess(url);
    const ownProcess = results.rawDbosOwnProcessStepsPerSecond;
    console.log(`raw DBOS in a process of its own, as a worker is: ${round(ownProcess)} steps/s`);
    for (const workers of WORKER_COUNTS) {
      const nodesPerSecond = await fleet(workdir, 'world.json', workers, RUNS * NODES);
      const vsRawDbos = round(nodesPerSecond / results.rawDbosStepsPerSecond, 2);
      const vsOwnProcess = round(nodesPerSecond / ownProcess, 2);
      results.everyNode.push({ workers, nodesPerSecond: round(nodesPerSecond), vsRawDbos, vsRawDbosOwnProcess: vsOwnProcess });
      console.log(`${workers} worker(s), every-node: ${round(nodesPerSecond)} nodes/s (${vsRawDbos}x raw DBOS, ${vsOwnProcess}x in its own process)`);
    }
    const mix = await fleet(workdir, 'mix.json', 1, RUNS * NODES);
    results.effectsMix = {
      workers: 1,
      nodesPerSecond: round(mix),
      vsRawDbosSteps: round(mix / results.rawDbosStepsPerSecond, 2),
      vsRawDbosOwnProcessSteps: round(mix / ownProcess, 2),
    };
    console.log(
      `1 worker, effects, typical mix: ${round(mix)} nodes/s (${results.effectsMix.vsRawDbosSteps}x raw DBOS steps/s, ${results.effectsMix.vsRawDbosOwnProcessSteps}x in its own process)`,
    );
    results.takeoverMs = await takeover(workdir);
    console.log(`SIGKILL to runs resuming on another worker (--takeover-after ${TAKEOVER_AFTER_S} s): ${results.takeoverMs} ms`);
  } finally {
    server.close();
    rmSync(workdir, { recursive: true, force: true });
  }
  writeBenchResults('workers', results);
}

/** 100 HTTP POST nodes in a chain. */
function worldDocument(url, checkpoint) {
  let builder = workflowDoc().name('world').settings({ checkpoint }).start();
  const chain = ['start'];
  for (let i = 0; i < NODES; i++) {
    builder = builder.node(`post_${i}`, 'HTTPSuperNode', { action: 'POST', url, body: `{{$run.id}}#${i}` });
    chain.push(`post_${i}`);
  }
  return builder
    .end()
    .chain(...chain, 'end')
    .build();
}

/** The typical mix: 3 pure Log nodes before each POST, 100 nodes, `effects` checkpoints. */
function mixDocument(url) {
  let builder = workflowDoc().name('mix').settings({ checkpoint: 'effects' }).start();
  const chain = ['start'];
  for (let i = 0; i < NODES; i++) {
    const id = `n_${i}`;
    builder =
      i % 4 === 3
        ? builder.node(id, 'HTTPSuperNode', { action: 'POST', url, body: `{{$run.id}}#${i}` })
        : builder.node(id, 'LogNode', { message: `item ${i}` });
    chain.push(id);
  }
  return builder
    .end()
    .chain(...chain, 'end')
    .build();
}

async function freshDatabase() {
  const url = `${base}_${databases++}`;
  await prepareSystemDatabase(url);
  return url;
}

/** Raw DBOS: 10 concurrent workflows of 100 steps, each step the same POST. */
async function rawDbos(url) {
  const databaseUrl = await freshDatabase();
  DBOS.setConfig({ name: 'bench-raw', systemDatabaseUrl: databaseUrl, applicationVersion: 'bench', executorID: 'bench-raw' });
  const workflow = DBOS.registerWorkflow(
    async (n) => {
      for (let i = 0; i < n; i++) {
        await DBOS.runStep(async () => (await fetch(url, { method: 'POST', body: `${DBOS.workflowID}#${i}` })).status, { name: `post_${i}` });
      }
      return n;
    },
    { name: 'bench.raw' },
  );
  await DBOS.launch();
  try {
    // Warm-up: the timed load run before the clock starts, as for the fleet.
    for (let batch = 0; batch < WARMUP_BATCHES; batch++) {
      await Promise.all(
        Array.from({ length: RUNS }, async (_, i) => (await DBOS.startWorkflow(workflow, { workflowID: `warm-${batch}-${i}` })(NODES)).getResult()),
      );
    }
    const rates = [];
    for (let batch = 0; batch < TIMED_BATCHES; batch++) {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: RUNS }, async (_, i) => (await DBOS.startWorkflow(workflow, { workflowID: `raw-${batch}-${i}` })(NODES)).getResult()),
      );
      rates.push((RUNS * NODES) / ((performance.now() - started) / 1000));
    }
    return median(rates);
  } finally {
    await DBOS.shutdown({ deregister: true });
    await dropSystemDatabase(databaseUrl);
  }
}

/**
 * Raw DBOS as a worker runs: in a child process of its own, the server staying in this one, so its
 * requests cross processes as the fleet's do. The child is this file with `--raw-child <url>`.
 */
async function rawDbosOwnProcess(url) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--raw-child', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const code = await new Promise((ok) => child.on('close', ok));
  const line = out.split('\n').find((text) => text.startsWith('{"stepsPerSecond"'));
  if (code !== 0 || line === undefined) throw new Error(`raw DBOS child exited ${code}: ${out.slice(-500)}`);
  return JSON.parse(line).stepsPerSecond;
}

function startWorker(databaseUrl, executorId, extra = []) {
  const child = spawn(process.execPath, [BIN, 'worker', '--executor-id', executorId, '--concurrency', String(RUNS), ...extra], {
    env: { ...process.env, CASARE_DATABASE_URL: databaseUrl, CASARE_DBOS_LOG_LEVEL: 'error', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!waiter.pattern.test(line)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const ended = new Promise((ok) => child.on('close', ok));
  return {
    child,
    ended,
    waitFor: (pattern) =>
      new Promise((ok, fail) => {
        const seen = lines.find((line) => pattern.test(line));
        if (seen) return ok(seen);
        waiters.push({ pattern, resolve: ok });
        ended.then(() => fail(new Error(`worker ${executorId} exited before printing ${pattern}`)));
      }),
  };
}

async function submit(workdir, databaseUrl, file, runId) {
  const code = await runCli({
    argv: ['submit', file, '--run-id', runId],
    stdout: { write: () => true },
    stderr: { write: (text) => process.stderr.write(text.startsWith('Run ') ? '' : text) },
    env: { CASARE_DATABASE_URL: databaseUrl, CASARE_DBOS_LOG_LEVEL: 'error' },
    cwd: workdir,
    interrupted: new Promise(() => {}),
  });
  if (code !== 0) throw new Error(`casare submit ${file} exited ${code}`);
}

async function untilSucceeded(databaseUrl, count, timeoutMs = 300_000) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query(
        `SELECT count(*) FILTER (WHERE status = 'SUCCESS') AS ok, count(*) FILTER (WHERE status = 'ERROR') AS failed FROM dbos.workflow_status`,
      );
      if (Number(rows[0].failed) > 0) throw new Error(`${rows[0].failed} run(s) failed`);
      if (Number(rows[0].ok) >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${rows[0].ok} of ${count} runs succeeded in ${timeoutMs} ms`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    await client.end();
  }
}

/** From the first run's start (DBOS's dequeue) to the last one's end, of the runs whose ids start with `prefix`, ms. */
async function executionWindowMs(databaseUrl, prefix) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT max(updated_at) - min(started_at_epoch_ms) AS window FROM dbos.workflow_status WHERE workflow_uuid LIKE $1`, [
      `${prefix}%`,
    ]);
    return Number(rows[0].window);
  } finally {
    await client.end();
  }
}

/** Nodes per second of `workers` workers draining RUNS submitted runs of `file`. */
async function fleet(workdir, file, workers, nodes) {
  const databaseUrl = await freshDatabase();
  const fleet = Array.from({ length: workers }, (_, i) => startWorker(databaseUrl, `bench-w${i}`));
  try {
    await Promise.all(fleet.map((worker) => worker.waitFor(/^Worker /)));
    // Warm-up: the timed load through the fleet before the clock starts. A worker is a long-lived
    // process: what counts is its rate once V8 has compiled the hot path, not its first thousand
    // nodes (measured here at about 1.7 times the CPU per node of the third thousand).
    for (let batch = 0; batch < WARMUP_BATCHES; batch++) {
      await Promise.all(Array.from({ length: RUNS }, (_, i) => submit(workdir, databaseUrl, file, `warm-${batch}-${i}`)));
      await untilSucceeded(databaseUrl, (batch + 1) * RUNS);
    }
    // Each batch submitted together; timed by DBOS's own records, from the batch's first dequeue to
    // its last run's end, so the submitting process's cost is not counted as the fleet's.
    const rates = [];
    for (let batch = 0; batch < TIMED_BATCHES; batch++) {
      await Promise.all(Array.from({ length: RUNS }, (_, i) => submit(workdir, databaseUrl, file, `run-${batch}-${i}`)));
      await untilSucceeded(databaseUrl, (WARMUP_BATCHES + batch + 1) * RUNS);
      rates.push(nodes / ((await executionWindowMs(databaseUrl, `run-${batch}-`)) / 1000));
    }
    return median(rates);
  } finally {
    for (const worker of fleet) worker.child.kill('SIGKILL');
    await Promise.all(fleet.map((worker) => worker.ended));
    await dropSystemDatabase(databaseUrl);
  }
}

/** Time from SIGKILL of the worker holding the runs to another worker's takeover line. */
async function takeover(workdir) {
  const databaseUrl = await freshDatabase();
  const slow = join(workdir, 'slow.json');
  writeFileSync(slow, JSON.stringify(workflowDoc().name('slow').start().node('hold', 'WaitNode', { seconds: 30 }).end().chain('start', 'hold', 'end').build()));
  const flags = ['--takeover-after', String(TAKEOVER_AFTER_S), '--heartbeat', '1'];
  const first = startWorker(databaseUrl, 'bench-victim', flags);
  let second;
  try {
    await first.waitFor(/^Worker /);
    await submit(workdir, databaseUrl, 'slow.json', 'held');
    await new Promise((ok) => setTimeout(ok, 1_500));
    second = startWorker(databaseUrl, 'bench-taker', flags);
    await second.waitFor(/^Worker /);
    const took = second.waitFor(/^Took over executor bench-victim /);
    first.child.kill('SIGKILL');
    const killed = performance.now();
    await took;
    return Math.round(performance.now() - killed);
  } finally {
    first.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
    await Promise.all([first.ended, second?.ended]);
    await dropSystemDatabase(databaseUrl);
  }
}

if (process.argv[2] === '--raw-child') {
  const stepsPerSecond = await rawDbos(process.argv[3]);
  console.log(JSON.stringify({ stepsPerSecond }));
  process.exit(0);
} else {
  await main();
}
