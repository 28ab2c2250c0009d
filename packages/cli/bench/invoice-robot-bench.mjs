// Invoice robot benchmark (`npm run bench`): the example robot enters 20 invoices on the demo site,
// on real Chromium, once durable (DBOS on PostgreSQL) and once in memory, alternating, in this one
// process and with the CLI's own composition root. Reports the wall time of each run and the ratio
// durable / in-memory (target: durable costs under 10% more). Says where the difference goes: the
// PostgreSQL round trips DBOS makes per step and how long each took, and the CPU time of this
// process, of Chromium and of PostgreSQL in each mode. Runs on built dist/; prints a table and
// writes bench-results/invoice-robot.json.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { dropSystemDatabase, prepareSystemDatabase } from '@casare-rpa/infra-dbos';
import { openServices } from '../dist/container.js';
import { DEMO_PASSWORD, startDemoSite } from '../dist/demo-site/index.js';
import { invoicesCsv, median, repoRoot, round, writeBenchResults } from '../../../scripts/bench-kit.mjs';

const robotDir = join(repoRoot, 'examples', 'invoice-robot');
const INVOICES = 20;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const TRIVIAL_WORKFLOW = 'bench.trivial-steps';

/**
 * Counts the SQL round trips of the PostgreSQL driver DBOS uses (its own `pg`, resolved from the
 * SDK) while `active`, and the time each took from send to answer as this process saw it.
 */
function watchRoundTrips() {
  const require = createRequire(createRequire(import.meta.url).resolve('@dbos-inc/dbos-sdk'));
  const { Client } = require('pg');
  const send = Client.prototype.query;
  const counter = { active: false, count: 0, ms: 0 };
  Client.prototype.query = function query(...args) {
    if (!counter.active) return send.apply(this, args);
    const started = performance.now();
    const done = () => {
      counter.count += 1;
      counter.ms += performance.now() - started;
    };
    // pg answers by callback when the last argument is one (pg-pool's `pool.query`), else by promise.
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last];
      args[last] = (...answer) => (done(), callback(...answer));
      return send.apply(this, args);
    }
    const answer = send.apply(this, args);
    if (answer && typeof answer.then === 'function') answer.then(done, done);
    return answer;
  };
  return counter;
}

/**
 * CPU time used so far, ms: this process, its reaped children (each run's Chromium, which is closed
 * at the end of the run), and each PostgreSQL process by pid (backends come and go with DBOS's pool,
 * so `cpuSpent` compares them pid by pid). Linux only (reads /proc); null elsewhere.
 */
function cpuTimes() {
  if (!existsSync('/proc/self/stat')) return null;
  const ticksMs = 10; // USER_HZ is 100 on Linux
  const fields = (stat) =>
    stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  const self = fields(readFileSync('/proc/self/stat', 'utf8'));
  const postgres = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) continue;
      const own = fields(stat);
      postgres.set(pid, (own[11] + own[12]) * ticksMs);
    } catch {
      // the process ended while we read it
    }
  }
  return { node: (self[11] + self[12]) * ticksMs, chromium: (self[13] + self[14]) * ticksMs, postgres };
}

/** CPU ms spent between two `cpuTimes()`; a PostgreSQL process that ended in between is not counted. */
function cpuSpent(before, after) {
  if (!before || !after) return null;
  let postgres = 0;
  for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
  return { node: after.node - before.node, chromium: after.chromium - before.chromium, postgres };
}

async function main() {
  const site = await startDemoSite({ port: 0 });
  const work = mkdtempSync(join(tmpdir(), 'casare-invoice-bench-'));
  copyFileSync(join(robotDir, 'invoice-robot.json'), join(work, 'invoice-robot.json'));
  writeFileSync(join(work, 'invoices.csv'), invoicesCsv(INVOICES));
  const document = JSON.parse(readFileSync(join(work, 'invoice-robot.json'), 'utf8'));
  // BENCH_PG_SOCKET=/var/run/postgresql measures over PostgreSQL's Unix socket instead of TCP.
  const socket = process.env['BENCH_PG_SOCKET'];
  const databaseUrl = socket
    ? `postgres://postgres@localhost/casare_bench_invoice_${process.pid}?host=${encodeURIComponent(socket)}`
    : `postgres://postgres@127.0.0.1:5432/casare_bench_invoice_${process.pid}`;
  await prepareSystemDatabase(databaseUrl);
  const env = {
    ...process.env,
    CASARE_DATABASE_URL: databaseUrl,
    CASARE_EXECUTOR_ID: `bench-invoice-${process.pid}`,
    CASARE_APP_VERSION: 'bench',
    CASARE_DBOS_LOG_LEVEL: 'error',
    CASARE_SECRET_DEMO_PASSWORD: DEMO_PASSWORD,
  };
  const silent = { emit() {} };
  // One container per durability, as `casare run --durability ...` builds it; DBOS launches once.
  const services = {
    dbos: await openServices({ durability: 'dbos', events: silent, env }),
    memory: await openServices({ durability: 'memory', events: silent, env }),
  };
  // What one durable step of nothing costs on this machine right now, through the same runner: the
  // floor of the robot's per-step overhead (the adapter adds nothing to DBOS's cost: see dbos-bench).
  services.dbos.runner.register(TRIVIAL_WORKFLOW, async (ctx, steps) => {
    for (let i = 0; i < steps; i++) await ctx.step(`trivial_${i % 16}`, () => Promise.resolve(i));
    return steps;
  });
  await services.dbos.runner.launch();
  await services.memory.runner.launch();

  let counter = 0;
  const roundTrips = watchRoundTrips();
  const runOnce = async (mode) => {
    const runId = `bench-${mode}-${process.pid}-${counter++}`;
    const cpuBefore = cpuTimes();
    const tripsBefore = { count: roundTrips.count, ms: roundTrips.ms };
    roundTrips.active = true;
    const started = performance.now();
    const handle = await services[mode].executeWorkflow.start(
      services[mode].runner,
      { document, inputs: { base_url: site.url }, workingDirectory: work, source: 'invoice-robot.json' },
      { runId },
    );
    const result = await handle.result();
    const ms = performance.now() - started;
    roundTrips.active = false;
    const cpu = cpuSpent(cpuBefore, cpuTimes());
    const trips = { count: roundTrips.count - tripsBefore.count, ms: roundTrips.ms - tripsBefore.ms };
    if (result.status !== 'completed') throw new Error(`${mode} run ${runId} ended ${result.status}: ${JSON.stringify(result.error)}`);
    const saved = site.submissions(`${runId}:`);
    if (saved.unique !== INVOICES || saved.raw !== INVOICES) throw new Error(`${mode} run ${runId} saved ${saved.unique} invoices in ${saved.raw} POSTs`);
    return { runId, ms, cpu, trips };
  };

  const trivialStepMs = async (steps) => {
    const started = performance.now();
    const handle = await services.dbos.runner.start(TRIVIAL_WORKFLOW, steps, { runId: `bench-trivial-${process.pid}-${counter++}` });
    await handle.result();
    return (performance.now() - started) / steps;
  };
  const trivialSamples = [];
  const samples = { dbos: [], memory: [] };
  const cpuSamples = { dbos: [], memory: [] };
  const tripSamples = [];
  let steps = 0;
  try {
    // Warm-up: JIT, DBOS's pool, Chromium's disk cache. Not timed.
    await runOnce('memory');
    await runOnce('dbos');
    for (let r = 0; r < ROUNDS; r++) {
      trivialSamples.push(await trivialStepMs(312));
      // Alternate the order so neither mode always runs on a warmer (or busier) machine.
      for (const mode of r % 2 === 0 ? ['dbos', 'memory'] : ['memory', 'dbos']) {
        const { runId, ms, cpu, trips } = await runOnce(mode);
        samples[mode].push(ms);
        if (cpu) cpuSamples[mode].push(cpu);
        if (mode === 'dbos') {
          steps = (await services.dbos.runner.steps(runId)).length;
          tripSamples.push(trips);
        }
      }
    }
  } finally {
    await services.dbos.close();
    await services.memory.close();
    await site.close();
    rmSync(work, { recursive: true, force: true });
    await dropSystemDatabase(databaseUrl).catch(() => undefined);
  }

  const dbosMs = median(samples.dbos);
  const memoryMs = median(samples.memory);
  const ratio = dbosMs / memoryMs;
  // Each round ran both modes back to back: the median of per-round ratios cancels slow drifts in
  // the machine's load better than the ratio of medians.
  const pairedRatio = median(samples.dbos.map((ms, r) => ms / samples.memory[r]));
  const medianCpu = (runs) =>
    runs.length === 0 ? null : Object.fromEntries(Object.keys(runs[0]).map((key) => [key, round(median(runs.map((run) => run[key])))]));
  const tripsPerStep = median(tripSamples.map((trips) => trips.count)) / steps;
  const msPerTrip = median(tripSamples.map((trips) => trips.ms / trips.count));
  const results = {
    at: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length },
    invoices: INVOICES,
    rounds: ROUNDS,
    stepsPerRun: steps,
    medianMs: { dbos: round(dbosMs), memory: round(memoryMs) },
    msPerInvoice: { dbos: round(dbosMs / INVOICES), memory: round(memoryMs / INVOICES) },
    msPerStep: { dbos: round(dbosMs / steps, 2), memory: round(memoryMs / steps, 2) },
    overheadMsPerStep: round((dbosMs - memoryMs) / steps, 2),
    trivialDurableStepMs: round(median(trivialSamples), 2),
    postgres: {
      roundTripsPerStep: round(tripsPerStep, 2),
      msPerRoundTrip: round(msPerTrip, 3),
      roundTripMsPerStep: round(tripsPerStep * msPerTrip, 2),
    },
    cpuMs: { dbos: medianCpu(cpuSamples.dbos), memory: medianCpu(cpuSamples.memory) },
    dbosOverMemory: round(ratio, 3),
    pairedMedianRatio: round(pairedRatio, 3),
    loadAverage: loadavg().map((load) => round(load, 2)),
    overheadPercent: round((ratio - 1) * 100),
    targetPercent: 10,
    samplesMs: { dbos: samples.dbos.map((ms) => round(ms)), memory: samples.memory.map((ms) => round(ms)) },
  };

  console.log(`\nInvoice robot, ${INVOICES} invoices on the demo site (Chromium), ${ROUNDS} rounds, median wall time per run`);
  console.table([
    {
      mode: 'dbos (PostgreSQL)',
      medianMs: results.medianMs.dbos,
      msPerInvoice: results.msPerInvoice.dbos,
      msPerStep: results.msPerStep.dbos,
      samplesMs: results.samplesMs.dbos.join(' '),
    },
    {
      mode: 'memory',
      medianMs: results.medianMs.memory,
      msPerInvoice: results.msPerInvoice.memory,
      msPerStep: results.msPerStep.memory,
      samplesMs: results.samplesMs.memory.join(' '),
    },
  ]);
  console.log(
    `durable cost per step: ${results.overheadMsPerStep} ms (a durable step of nothing costs ${results.trivialDurableStepMs} ms here now); PostgreSQL round trips per step: ${results.postgres.roundTripsPerStep}, ` +
      `${results.postgres.msPerRoundTrip} ms each as this process saw them (${results.postgres.roundTripMsPerStep} ms per step)`,
  );
  if (results.cpuMs.dbos && results.cpuMs.memory) {
    const line = (cpu) => `this process ${cpu.node}, Chromium ${cpu.chromium}, PostgreSQL ${cpu.postgres}`;
    console.log(`CPU ms per run (median): dbos: ${line(results.cpuMs.dbos)}; memory: ${line(results.cpuMs.memory)}`);
  }
  console.log(`paired median of per-round ratios: ${results.pairedMedianRatio}; load average ${results.loadAverage.join(' ')} on ${results.machine.cpus} CPUs`);
  console.log(
    `durable / in-memory: ${results.dbosOverMemory} (${results.overheadPercent >= 0 ? '+' : ''}${results.overheadPercent}% wall time, ${steps} steps per run; target < +10%) ${results.overheadPercent < 10 ? 'OK' : 'ABOVE TARGET'}`,
  );
  writeBenchResults('invoice-robot', results);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
