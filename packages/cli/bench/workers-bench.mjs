// Fleet benchmark (`npm run bench`): throughput of `casare worker` processes draining a DBOS queue,
// beside raw DBOS driving the same load in the same run (issue 12). Load: 10 concurrent runs of 100
// world nodes (HTTP POSTs to a local server) in `every-node` mode, with 1, 2 and 4 workers; the
// typical mix (3 pure Log nodes per POST) in `effects` mode with 1 worker; and the time from a
// worker's SIGKILL to its runs resuming elsewhere. Runs on built dist/; each side on its own system
// database; writes bench-results/workers.json.
//
// The 1-worker figures are measured in rounds: in each round every side runs one batch, in turn (the
// order reversed every other round), so that a machine that slows down for a while slows all sides
// alike; a ratio is the median of the rounds' ratios. Raw DBOS runs three ways: in a process of its
// own as a worker runs, written as DBOS's docs write a step (`fetch`, DBOS's default serializer): the
// baseline of the ratios; the same in the bench's process, beside the HTTP server; and in a process
// of its own with the HTTP client and serializer casare's worker uses (undici's `request`, plain
// JSON), which leaves only the engine's own cost in the ratio. Fleet batches are timed by DBOS's
// records (first dequeue to last end), raw DBOS by wall clock around its 10 workflows.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { CASARE_DBOS_SERIALIZER, dropSystemDatabase, prepareSystemDatabase } from '@casare-rpa/infra-dbos';
import pg from 'pg';
import { request } from 'undici';
import { median, repoRoot, round, writeBenchResults } from '../../../scripts/bench-kit.mjs';
import { runCli } from '../dist/main.js';

const BIN = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const RUNS = 10;
const NODES = 100;
const WORKER_COUNTS = [2, 4];
const TAKEOVER_AFTER_S = 5;
/**
 * The workers poll their queue every 0.1 s, not DBOS's default 1 s: a batch's 10 submissions take a
 * few hundred ms, and with 1 s polls some batches would start in two groups a second apart, a gap
 * the timing window would count against the fleet.
 */
const POLL_INTERVAL_S = 0.1;
/** Batches of the timed load each side runs before the clock starts. */
const WARMUP_BATCHES = 2;
/** Rounds of the 1-worker comparison; timed batches of the 2- and 4-worker fleets. */
const ROUNDS = 5;
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
    method: `${WARMUP_BATCHES} warm-up batches per side, then ${ROUNDS} rounds of one batch per side; ratios are medians of the rounds' ratios`,
    rawDbos: {},
    oneWorker: {},
    everyNode: [],
    takeoverMs: undefined,
  };
  const sides = {};
  try {
    sides.raw = await rawDbosChild(url, 'as-documented');
    sides.rawInProcess = await rawDbosInProcess(url);
    sides.rawSameStack = await rawDbosChild(url, 'same-stack');
    const worker = await startFleet(workdir, 1);
    sides.world = { batch: () => worker.batch('world.json') };
    sides.mix = { batch: () => worker.batch('mix.json') };
    try {
      for (let batch = 0; batch < WARMUP_BATCHES; batch++) await worker.batch('world.json');
      for (let batch = 0; batch < WARMUP_BATCHES; batch++) await worker.batch('mix.json');
      const rates = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? Object.keys(sides) : Object.keys(sides).reverse();
        for (const name of order) rates[name].push(await sides[name].batch());
      }
      const ratio = (name, baseline) => round(median(rates[name].map((rate, i) => rate / rates[baseline][i])), 2);
      results.rawDbos = {
        ownProcessStepsPerSecond: round(median(rates.raw)),
        inBenchProcessStepsPerSecond: round(median(rates.rawInProcess)),
        sameStackStepsPerSecond: round(median(rates.rawSameStack)),
        rounds: {
          ownProcess: rates.raw.map((v) => round(v)),
          inBenchProcess: rates.rawInProcess.map((v) => round(v)),
          sameStack: rates.rawSameStack.map((v) => round(v)),
        },
      };
      console.log(
        `raw DBOS, as DBOS's docs write a step (fetch, default serializer), in a process of its own: ${results.rawDbos.ownProcessStepsPerSecond} steps/s (the baseline)`,
      );
      console.log(`raw DBOS, the same in the bench's process beside the server: ${results.rawDbos.inBenchProcessStepsPerSecond} steps/s`);
      console.log(
        `raw DBOS with casare's HTTP client and serializer (undici request, plain JSON), own process: ${results.rawDbos.sameStackStepsPerSecond} steps/s`,
      );
      for (const [name, label] of [
        ['world', 'every-node'],
        ['mix', 'effects, typical mix'],
      ]) {
        const figure = {
          nodesPerSecond: round(median(rates[name])),
          rounds: rates[name].map((v) => round(v)),
          vsRawDbos: ratio(name, 'raw'),
          vsRawDbosInBenchProcess: ratio(name, 'rawInProcess'),
          vsRawDbosSameStack: ratio(name, 'rawSameStack'),
        };
        results.oneWorker[name === 'world' ? 'everyNode' : 'effectsMix'] = figure;
        console.log(
          `1 worker, ${label}: ${figure.nodesPerSecond} nodes/s (${figure.vsRawDbos}x raw DBOS; ${figure.vsRawDbosInBenchProcess}x in the bench's process; ${figure.vsRawDbosSameStack}x with casare's client and serializer)`,
        );
      }
    } finally {
      await worker.close();
    }
    await closeSides(sides);
    const baseline = results.rawDbos.ownProcessStepsPerSecond;
    for (const workers of WORKER_COUNTS) {
      const fleet = await startFleet(workdir, workers);
      try {
        for (let batch = 0; batch < WARMUP_BATCHES; batch++) await fleet.batch('world.json');
        const rates = [];
        for (let batch = 0; batch < TIMED_BATCHES; batch++) rates.push(await fleet.batch('world.json'));
        const nodesPerSecond = median(rates);
        results.everyNode.push({ workers, nodesPerSecond: round(nodesPerSecond), vsRawDbos: round(nodesPerSecond / baseline, 2) });
        console.log(`${workers} workers, every-node: ${round(nodesPerSecond)} nodes/s (${round(nodesPerSecond / baseline, 2)}x raw DBOS's median)`);
      } finally {
        await fleet.close();
      }
    }
    results.takeoverMs = await takeover(workdir);
    console.log(`SIGKILL to runs resuming on another worker (--takeover-after ${TAKEOVER_AFTER_S} s): ${results.takeoverMs} ms`);
  } finally {
    await closeSides(sides);
    server.close();
    rmSync(workdir, { recursive: true, force: true });
  }
  writeBenchResults('workers', results);
}

/** Closes the sides that hold a process or a database, once. */
async function closeSides(sides) {
  for (const [name, side] of Object.entries(sides)) {
    delete sides[name];
    await side.close?.();
  }
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

/**
 * Raw DBOS: 10 concurrent workflows of 100 steps, each step the same POST, launched in this process.
 * `as-documented` sends with `fetch` and keeps DBOS's default serializer; `same-stack` sends with
 * undici's `request` and writes plain JSON, as casare's worker does. Warms up, then runs a batch
 * per `batch()`.
 */
async function launchRawDbos(url, variant) {
  const databaseUrl = await freshDatabase();
  const sameStack = variant === 'same-stack';
  DBOS.setConfig({
    name: 'bench-raw',
    systemDatabaseUrl: databaseUrl,
    applicationVersion: 'bench',
    executorID: 'bench-raw',
    ...(sameStack ? { serializer: CASARE_DBOS_SERIALIZER } : {}),
  });
  const post = sameStack
    ? async (body) => {
        const answer = await request(url, { method: 'POST', body });
        await answer.body.text();
        return answer.statusCode;
      }
    : async (body) => {
        const answer = await fetch(url, { method: 'POST', body });
        await answer.text();
        return answer.status;
      };
  const workflow = DBOS.registerWorkflow(
    async (n) => {
      for (let i = 0; i < n; i++) await DBOS.runStep(() => post(`${DBOS.workflowID}#${i}`), { name: `post_${i}` });
      return n;
    },
    { name: 'bench.raw' },
  );
  await DBOS.launch();
  let batches = 0;
  const batch = async () => {
    const id = batches++;
    const started = performance.now();
    await Promise.all(Array.from({ length: RUNS }, async (_, i) => (await DBOS.startWorkflow(workflow, { workflowID: `raw-${id}-${i}` })(NODES)).getResult()));
    return (RUNS * NODES) / ((performance.now() - started) / 1000);
  };
  for (let i = 0; i < WARMUP_BATCHES; i++) await batch();
  return {
    batch,
    close: async () => {
      await DBOS.shutdown({ deregister: true });
      await dropSystemDatabase(databaseUrl);
    },
  };
}

/** Raw DBOS as documented, in this process, beside the HTTP server. */
async function rawDbosInProcess(url) {
  return launchRawDbos(url, 'as-documented');
}

/**
 * Raw DBOS in a child process of its own, as a worker runs (the server stays in this one, so its
 * requests cross processes as the fleet's do). The child is this file with `--raw-child <url>
 * <variant>`: it prints `ready` once warm, then one JSON line per `batch` line it reads.
 */
async function rawDbosChild(url, variant) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--raw-child', url, variant], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ended = new Promise((ok) => child.on('close', ok));
  const next = async () => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`raw DBOS child (${variant}) exited with code ${await ended}`);
      if (value.startsWith('{') || value === 'ready') return value;
    }
  };
  if ((await next()) !== 'ready') throw new Error(`raw DBOS child (${variant}) did not start`);
  return {
    batch: async () => {
      child.stdin.write('batch\n');
      return JSON.parse(await next()).stepsPerSecond;
    },
    close: async () => {
      child.stdin.end();
      await ended;
    },
  };
}

async function rawChild(url, variant) {
  const raw = await launchRawDbos(url, variant);
  console.log('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'batch') console.log(JSON.stringify({ stepsPerSecond: await raw.batch() }));
  }
  await raw.close();
}

function startWorker(databaseUrl, executorId, extra = []) {
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--executor-id', executorId, '--concurrency', String(RUNS), '--poll-interval', String(POLL_INTERVAL_S), ...extra],
    {
      env: { ...process.env, CASARE_DATABASE_URL: databaseUrl, CASARE_DBOS_LOG_LEVEL: 'error', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
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

/**
 * `workers` workers on a database of their own. `batch(file)` submits RUNS runs of `file` together
 * and returns nodes per second, timed by DBOS's records from the batch's first dequeue to its last
 * run's end, so the submitting process's cost is not counted as the fleet's.
 */
async function startFleet(workdir, workers) {
  const databaseUrl = await freshDatabase();
  const fleet = Array.from({ length: workers }, (_, i) => startWorker(databaseUrl, `bench-w${i}`));
  await Promise.all(fleet.map((worker) => worker.waitFor(/^Worker /)));
  let batches = 0;
  return {
    batch: async (file) => {
      const prefix = `${file.replace(/\.json$/, '')}-${batches++}-`;
      await Promise.all(Array.from({ length: RUNS }, (_, i) => submit(workdir, databaseUrl, file, `${prefix}${i}`)));
      await untilSucceeded(databaseUrl, batches * RUNS);
      return (RUNS * NODES) / ((await executionWindowMs(databaseUrl, prefix)) / 1000);
    },
    close: async () => {
      for (const worker of fleet) worker.child.kill('SIGKILL');
      await Promise.all(fleet.map((worker) => worker.ended));
      await dropSystemDatabase(databaseUrl);
    },
  };
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
  await rawChild(process.argv[3], process.argv[4]);
  process.exit(0);
} else {
  await main();
}
