// Invoice robot benchmark (`npm run bench`): the example robot enters 20 invoices on the demo site,
// on real Chromium, once durable (DBOS on PostgreSQL) and once in memory, alternating, in this one
// process and with the CLI's own composition root. Reports the wall time of each run and the ratio
// durable / in-memory (target: durable costs under 10% more). Runs on built dist/; prints a table
// and writes bench-results/invoice-robot.json.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropSystemDatabase, prepareSystemDatabase } from '@casare-rpa/infra-dbos';
import { openServices } from '../dist/container.js';
import { DEMO_PASSWORD, startDemoSite } from '../dist/demo-site/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const robotDir = join(repoRoot, 'examples', 'invoice-robot');
const INVOICES = 20;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const CURRENCIES = ['EUR', 'USD', 'GBP'];
const CUSTOMERS = ['Acme Corporation', 'Globex, Inc.', 'Initech', 'Umbrella Ltd', 'Stark Industries', 'Wayne Enterprises', 'Hooli'];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value, digits = 1) => Number(value.toFixed(digits));

/** 20 invoices, deterministic, with a quoted customer name among them. */
function invoicesCsv() {
  const rows = ['invoice_number,customer,amount,currency,paid'];
  for (let i = 0; i < INVOICES; i++) {
    const customer = CUSTOMERS[i % CUSTOMERS.length];
    const amount = (100 + i * 37.25).toFixed(2);
    rows.push(`INV-${2001 + i},${customer.includes(',') ? `"${customer}"` : customer},${amount},${CURRENCIES[i % 3]},${i % 4 === 0 ? 'yes' : 'no'}`);
  }
  return `${rows.join('\n')}\n`;
}

async function main() {
  const site = await startDemoSite({ port: 0 });
  const work = mkdtempSync(join(tmpdir(), 'casare-invoice-bench-'));
  copyFileSync(join(robotDir, 'invoice-robot.json'), join(work, 'invoice-robot.json'));
  writeFileSync(join(work, 'invoices.csv'), invoicesCsv());
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
  await services.dbos.runner.launch();
  await services.memory.runner.launch();

  let counter = 0;
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
    return { runId, ms };
  };

  const samples = { dbos: [], memory: [] };
  let steps = 0;
  try {
    // Warm-up: JIT, DBOS's pool, Chromium's disk cache. Not timed.
    await runOnce('memory');
    await runOnce('dbos');
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order so neither mode always runs on a warmer (or busier) machine.
      for (const mode of r % 2 === 0 ? ['dbos', 'memory'] : ['memory', 'dbos']) {
        const { runId, ms } = await runOnce(mode);
        samples[mode].push(ms);
        if (mode === 'dbos') steps = (await services.dbos.runner.steps(runId)).length;
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
  const results = {
    at: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length },
    invoices: INVOICES,
    rounds: ROUNDS,
    stepsPerRun: steps,
    medianMs: { dbos: round(dbosMs), memory: round(memoryMs) },
    msPerInvoice: { dbos: round(dbosMs / INVOICES), memory: round(memoryMs / INVOICES) },
    msPerStep: { dbos: round(dbosMs / steps, 2), memory: round(memoryMs / steps, 2) },
    dbosOverMemory: round(ratio, 3),
    pairedMedianRatio: round(pairedRatio, 3),
    loadAverage: loadavg().map((load) => round(load, 2)),
    overheadPercent: round((ratio - 1) * 100),
    targetPercent: 10,
    samplesMs: { dbos: samples.dbos.map((ms) => round(ms)), memory: samples.memory.map((ms) => round(ms)) },
  };

  console.log(`\nInvoice robot, ${INVOICES} invoices on the demo site (Chromium), ${ROUNDS} rounds, median wall time per run`);
  console.table([
    { mode: 'dbos (PostgreSQL)', medianMs: results.medianMs.dbos, msPerInvoice: results.msPerInvoice.dbos, msPerStep: results.msPerStep.dbos, samplesMs: results.samplesMs.dbos.join(' ') },
    { mode: 'memory', medianMs: results.medianMs.memory, msPerInvoice: results.msPerInvoice.memory, msPerStep: results.msPerStep.memory, samplesMs: results.samplesMs.memory.join(' ') },
  ]);
  console.log(`paired median of per-round ratios: ${results.pairedMedianRatio}; load average ${results.loadAverage.join(' ')} on ${results.machine.cpus} CPUs`);
  console.log(
    `durable / in-memory: ${results.dbosOverMemory} (${results.overheadPercent >= 0 ? '+' : ''}${results.overheadPercent}% wall time, ${steps} steps per run; target < +10%) ${results.overheadPercent < 10 ? 'OK' : 'ABOVE TARGET'}`,
  );
  const outDir = join(repoRoot, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'invoice-robot.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written: ${join('bench-results', 'invoice-robot.json')}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
