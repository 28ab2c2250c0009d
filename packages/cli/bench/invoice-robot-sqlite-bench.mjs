// Invoice robot on SQLite against in-memory (`npm run bench`): the robot enters 20 invoices on the
// demo site on real Chromium, once durable on SQLite (a fresh .casare/casare.db, synchronous=FULL)
// and once in memory, alternating, in this one process and with the CLI's own composition root.
// Reports the median wall time of each mode and the paired ratio SQLite / in-memory (target <= 1.02).
// Runs on built dist/; prints a table and writes bench-results/invoice-robot-sqlite.json.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { openServices } from '../dist/container.js';
import { DEMO_PASSWORD, startDemoSite } from '../dist/demo-site/index.js';
import { invoicesCsv, median, repoRoot, round, writeBenchResults } from '../../../scripts/bench-kit.mjs';

const robotDir = join(repoRoot, 'examples', 'invoice-robot');
const INVOICES = 20;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const TARGET = 1.02;

async function main() {
  const site = await startDemoSite({ port: 0 });
  const work = mkdtempSync(join(tmpdir(), 'casare-invoice-sqlite-bench-'));
  copyFileSync(join(robotDir, 'invoice-robot.json'), join(work, 'invoice-robot.json'));
  writeFileSync(join(work, 'invoices.csv'), invoicesCsv(INVOICES));
  const document = JSON.parse(readFileSync(join(work, 'invoice-robot.json'), 'utf8'));
  const env = {
    ...process.env,
    CASARE_DATABASE_URL: '',
    CASARE_SQLITE_PATH: '',
    CASARE_EXECUTOR_ID: `bench-invoice-${process.pid}`,
    CASARE_SECRET_DEMO_PASSWORD: DEMO_PASSWORD,
  };
  const silent = { emit() {} };
  // One container per durability, as `casare run` builds it (sqlite: the default, .casare/casare.db under cwd).
  const services = {
    sqlite: await openServices({ durability: 'sqlite', events: silent, env, cwd: work }),
    memory: await openServices({ durability: 'memory', events: silent, env, cwd: work }),
  };
  await services.sqlite.runner.launch();
  await services.memory.runner.launch();
  let counter = 0;
  let steps = 0;
  const runOnce = async (mode) => {
    const runId = `bench-${mode}-${process.pid}-${counter++}`;
    const started = performance.now();
    const handle = await services[mode].executeWorkflow.start(
      services[mode].runner,
      { document, inputs: { base_url: site.url }, workingDirectory: work, source: 'invoice-robot.json' },
      { runId },
    );
    const result = await handle.result();
    const ms = performance.now() - started;
    if (result.status !== 'completed') throw new Error(`${mode} run ${runId} ended ${result.status}: ${JSON.stringify(result.error)}`);
    const saved = site.submissions(`${runId}:`);
    if (saved.unique !== INVOICES || saved.raw !== INVOICES) throw new Error(`${mode} run ${runId} saved ${saved.unique} invoices in ${saved.raw} POSTs`);
    if (mode === 'sqlite') steps = (await services.sqlite.runner.steps(runId)).length;
    return ms;
  };
  const samples = { sqlite: [], memory: [] };
  try {
    await runOnce('memory');
    await runOnce('sqlite');
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order so neither mode always runs on a warmer (or busier) machine.
      for (const mode of r % 2 === 0 ? ['sqlite', 'memory'] : ['memory', 'sqlite']) samples[mode].push(await runOnce(mode));
    }
  } finally {
    await services.sqlite.close();
    await services.memory.close();
    await site.close();
    rmSync(work, { recursive: true, force: true });
  }
  const sqliteMs = median(samples.sqlite);
  const memoryMs = median(samples.memory);
  const pairedRatio = median(samples.sqlite.map((ms, r) => ms / samples.memory[r]));
  const results = {
    invoices: INVOICES,
    rounds: ROUNDS,
    stepsPerRun: steps,
    medianMs: { sqlite: round(sqliteMs), memory: round(memoryMs) },
    msPerStep: { sqlite: round(sqliteMs / steps, 2), memory: round(memoryMs / steps, 2) },
    overheadMsPerStep: round((sqliteMs - memoryMs) / steps, 3),
    sqliteOverMemory: round(sqliteMs / memoryMs, 3),
    pairedMedianRatio: round(pairedRatio, 3),
    loadAverage: loadavg().map((value) => round(value, 2)),
    machine: { node: process.version, cpus: cpus().length },
    samplesMs: { sqlite: samples.sqlite.map((ms) => round(ms)), memory: samples.memory.map((ms) => round(ms)) },
  };
  console.log(`\nInvoice robot, ${INVOICES} invoices on the demo site (Chromium), ${ROUNDS} rounds, median wall time per run`);
  console.table([
    { mode: 'sqlite (FULL)', medianMs: results.medianMs.sqlite, msPerStep: results.msPerStep.sqlite, samplesMs: results.samplesMs.sqlite.join(' ') },
    { mode: 'memory', medianMs: results.medianMs.memory, msPerStep: results.msPerStep.memory, samplesMs: results.samplesMs.memory.join(' ') },
  ]);
  console.log(`load average ${results.loadAverage.join(' ')} on ${results.machine.cpus} CPUs; ${steps} steps per run`);
  console.log(
    `SQLite / in-memory, paired median of per-round ratios: ${results.pairedMedianRatio} (ratio of medians ${results.sqliteOverMemory}; target <= ${TARGET}) ${results.pairedMedianRatio <= TARGET ? 'OK' : 'ABOVE TARGET'}`,
  );
  writeBenchResults('invoice-robot-sqlite', { at: new Date().toISOString(), ...results });
}

await main();
