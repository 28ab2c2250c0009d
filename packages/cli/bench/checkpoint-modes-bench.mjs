// Checkpoint modes benchmark (`npm run bench`, or `npm run bench -- checkpoint`): what durable steps
// that end at effects save against a step per node, on DBOS (PostgreSQL), with the CLI's own
// composition root. In one run, side by side:
// 1. the invoice robot (20 invoices, real Chromium, the demo site): in memory, durable with
//    `settings.checkpoint: "effects"` and durable with `"every-node"`; wall time, ratios against
//    memory, durable steps per run and per invoice, durable cost per node execution;
// 2. the data-processing example: durable cost per node execution in both modes;
// 3. replay: a finished run of about 1,000 node executions forked after its last step (every step
//    replayed from its checkpoint, nothing executed), both modes.
// Runs on built dist/; prints tables and writes bench-results/checkpoint-modes.json.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { dropSystemDatabase, prepareSystemDatabase } from '@casare-rpa/infra-dbos';
import { openServices } from '../dist/container.js';
import { DEMO_PASSWORD, startDemoSite } from '../dist/demo-site/index.js';
import { invoicesCsv, median, repoRoot, round, writeBenchResults } from '../../../scripts/bench-kit.mjs';

const INVOICES = 20;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const DATA_ROUNDS = Number(process.env['BENCH_DATA_ROUNDS'] ?? 15);
const MODES = ['effects', 'every-node'];

const withMode = (document, checkpoint) => ({ ...document, settings: { ...document.settings, checkpoint } });

/** Counts node executions that ran (not replayed) while a run goes. */
function nodeCounter() {
  const counter = { executed: 0, replayed: 0 };
  return {
    counter,
    events: {
      emit(event) {
        if (event.type !== 'node.completed' && event.type !== 'node.failed') return;
        if (event.replayed) counter.replayed += 1;
        else counter.executed += 1;
      },
    },
  };
}

/** About 1,000 node executions: a loop of pure nodes with one clock read (a world node) per iteration. */
function replayWorkflow(iterations) {
  const node = (id, type, config = {}) => ({ node_id: id, node_type: type, config, position: [0, 0] });
  const exec = (source, target, port = 'exec_out') => ({ source_node: source, source_port: port, target_node: target, target_port: 'exec_in' });
  return {
    metadata: { name: 'replay-1000', description: '', version: '1' },
    nodes: {
      start: node('start', 'StartNode'),
      loop: node('loop', 'ForLoopStartNode', { items: Array.from({ length: iterations }, (_, i) => i) }),
      a: node('a', 'IncrementVariableNode', { variable_name: 'count', increment: 1 }),
      b: node('b', 'MathOperationNode', { a: '{{count}}', b: 2, operation: 'multiply' }),
      clock: node('clock', 'GetTimestampNode'),
      log: node('log', 'LogNode', { message: 'item {{loop.current_item}} at {{clock.timestamp}}' }),
      next: node('next', 'ForLoopEndNode', { paired_start_id: 'loop' }),
      end: node('end', 'EndNode'),
    },
    connections: [
      exec('start', 'loop'),
      exec('loop', 'a', 'body'),
      exec('a', 'b'),
      exec('b', 'clock'),
      exec('clock', 'log'),
      exec('log', 'next'),
      exec('loop', 'end', 'completed'),
    ],
    variables: { count: { type: 'Integer', default_value: 0 } },
    settings: { stop_on_error: true, retry_count: 0 },
  };
}

async function main() {
  const site = await startDemoSite({ port: 0 });
  const work = mkdtempSync(join(tmpdir(), 'casare-modes-bench-'));
  const robot = JSON.parse(readFileSync(join(repoRoot, 'examples', 'invoice-robot', 'invoice-robot.json'), 'utf8'));
  writeFileSync(join(work, 'invoices.csv'), invoicesCsv(INVOICES));
  const dataProcessing = JSON.parse(readFileSync(join(repoRoot, 'examples', 'data-processing', 'data-processing.json'), 'utf8'));
  mkdirSync(join(work, 'examples', 'data-processing'), { recursive: true });
  copyFileSync(join(repoRoot, 'examples', 'data-processing', 'orders.json'), join(work, 'examples', 'data-processing', 'orders.json'));
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/casare_bench_modes_${process.pid}`;
  await prepareSystemDatabase(databaseUrl);
  const env = {
    ...process.env,
    CASARE_DATABASE_URL: databaseUrl,
    CASARE_EXECUTOR_ID: `bench-modes-${process.pid}`,
    CASARE_APP_VERSION: 'bench',
    CASARE_DBOS_LOG_LEVEL: 'error',
    CASARE_SECRET_DEMO_PASSWORD: DEMO_PASSWORD,
  };
  const counting = nodeCounter();
  const services = {
    dbos: await openServices({ durability: 'dbos', events: counting.events, env }),
    memory: await openServices({ durability: 'memory', events: counting.events, env }),
  };
  await services.dbos.runner.launch();
  await services.memory.runner.launch();
  let counter = 0;

  /** One run: wall time, node executions, durable steps. `durability` memory ignores the mode. */
  const runOnce = async (durability, document, inputs, label) => {
    const runId = `bench-${label}-${process.pid}-${counter++}`;
    const { runner, executeWorkflow } = services[durability];
    const before = counting.counter.executed;
    const started = performance.now();
    const handle = await executeWorkflow.start(runner, { document, inputs, workingDirectory: work, source: `${label}.json` }, { runId });
    const result = await handle.result();
    const ms = performance.now() - started;
    if (result.status !== 'completed') throw new Error(`${label} run ${runId} ended ${result.status}: ${JSON.stringify(result.error)}`);
    const nodes = counting.counter.executed - before;
    const steps = durability === 'dbos' ? (await runner.steps(runId)).filter((step) => step.kind === 'step').length : 0;
    return { runId, ms, nodes, steps };
  };

  const results = { at: new Date().toISOString(), machine: { node: process.version, cpus: cpus().length } };
  try {
    // 1. The invoice robot.
    const robotRun = async (variant) => {
      const document = variant === 'memory' ? robot : withMode(robot, variant);
      const run = await runOnce(variant === 'memory' ? 'memory' : 'dbos', document, { base_url: site.url, invoices_file: 'invoices.csv' }, `robot-${variant}`);
      const saved = site.submissions(`${run.runId}:`);
      if (saved.unique !== INVOICES || saved.raw !== INVOICES) throw new Error(`${variant} robot run saved ${saved.unique} invoices in ${saved.raw} POSTs`);
      return run;
    };
    const variants = ['memory', ...MODES];
    for (const variant of variants) await robotRun(variant); // warm-up
    const robotSamples = Object.fromEntries(variants.map((variant) => [variant, []]));
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order so no variant always runs on a warmer (or busier) machine.
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(r + i) % variants.length];
        robotSamples[variant].push(await robotRun(variant));
      }
    }
    results.invoiceRobot = summarize(robotSamples, INVOICES);
    results.invoiceRobot.rounds = ROUNDS;

    // 2. The data-processing example.
    const dataRun = (variant) =>
      runOnce(variant === 'memory' ? 'memory' : 'dbos', variant === 'memory' ? dataProcessing : withMode(dataProcessing, variant), {}, `data-${variant}`);
    for (const variant of variants) await dataRun(variant);
    const dataSamples = Object.fromEntries(variants.map((variant) => [variant, []]));
    for (let r = 0; r < DATA_ROUNDS; r++) {
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(r + i) % variants.length];
        dataSamples[variant].push(await dataRun(variant));
      }
    }
    results.dataProcessing = summarize(dataSamples, undefined);
    results.dataProcessing.rounds = DATA_ROUNDS;

    // 3. Replay of a finished ~1,000-node run, forked after its last step: everything replays.
    results.replay = {};
    for (const mode of MODES) {
      const source = await runOnce('dbos', withMode(replayWorkflow(166), mode), {}, `replay-${mode}`);
      const steps = (await services.dbos.runner.steps(source.runId)).length;
      const samples = [];
      for (let r = 0; r < 3; r++) {
        const replayedBefore = counting.counter.replayed;
        const executedBefore = counting.counter.executed;
        const started = performance.now();
        const fork = await services.dbos.runner.fork(source.runId, steps, { runId: `${source.runId}-fork-${r}` });
        await fork.result();
        samples.push(performance.now() - started);
        if (counting.counter.executed !== executedBefore)
          throw new Error(`replaying ${source.runId} executed ${counting.counter.executed - executedBefore} nodes`);
        if (counting.counter.replayed - replayedBefore !== source.nodes)
          throw new Error(`replaying ${source.runId} replayed ${counting.counter.replayed - replayedBefore} of ${source.nodes} nodes`);
      }
      results.replay[mode] = { nodeExecutions: source.nodes, recordedOperations: steps, firstRunMs: round(source.ms, 1), replayMs: round(median(samples), 1) };
    }
  } finally {
    await services.dbos.close();
    await services.memory.close();
    await site.close();
    rmSync(work, { recursive: true, force: true });
    await dropSystemDatabase(databaseUrl).catch(() => undefined);
  }
  results.loadAverage = loadavg().map((load) => round(load, 2));

  const robotTable = tableOf(results.invoiceRobot);
  console.log(`\nInvoice robot, ${INVOICES} invoices on the demo site (Chromium), ${ROUNDS} rounds, DBOS on PostgreSQL`);
  console.table(robotTable);
  console.log(
    `durable steps per invoice: effects ${results.invoiceRobot.effects.stepsPerInvoice}, every-node ${results.invoiceRobot['every-node'].stepsPerInvoice} (target <= 5); ` +
      `durable cost per node, effects / every-node: ${results.invoiceRobot.costPerNodeRatio} (target <= 0.35); effects / memory: ${results.invoiceRobot.effects.overMemory} (target <= 1.05)`,
  );
  console.log(`\ndata-processing example, ${DATA_ROUNDS} rounds`);
  console.table(tableOf(results.dataProcessing));
  console.log(`durable cost per node, effects / every-node: ${results.dataProcessing.costPerNodeRatio} (target <= 0.35)`);
  console.log('\nReplay of a finished run, forked after its last step (every step replayed from its checkpoint)');
  console.table(MODES.map((mode) => ({ mode, ...results.replay[mode] })));
  console.log(`load average ${results.loadAverage.join(' ')} on ${results.machine.cpus} CPUs`);
  writeBenchResults('checkpoint-modes', results);
}

/** Medians per variant, ratios against memory, and durable cost per node execution for each mode. */
function summarize(samples, invoices) {
  const memoryMs = median(samples.memory.map((run) => run.ms));
  const summary = { memory: { medianMs: round(memoryMs, 1), nodeExecutions: samples.memory[0].nodes } };
  for (const mode of MODES) {
    const runs = samples[mode];
    const ms = median(runs.map((run) => run.ms));
    const nodes = runs[0].nodes;
    const steps = runs[0].steps;
    summary[mode] = {
      medianMs: round(ms, 1),
      overMemory: round(ms / memoryMs, 3),
      pairedOverMemory: round(median(runs.map((run, r) => run.ms / samples.memory[r].ms)), 3),
      nodeExecutions: nodes,
      stepsPerRun: steps,
      ...(invoices ? { stepsPerInvoice: round(steps / invoices, 2) } : {}),
      durableCostPerNodeMs: round((ms - memoryMs) / nodes, 3),
    };
  }
  summary.costPerNodeRatio = round(summary.effects.durableCostPerNodeMs / summary['every-node'].durableCostPerNodeMs, 3);
  return summary;
}

function tableOf(summary) {
  return ['memory', ...MODES].map((variant) => ({ mode: variant === 'memory' ? 'memory' : `dbos, ${variant}`, ...summary[variant] }));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
