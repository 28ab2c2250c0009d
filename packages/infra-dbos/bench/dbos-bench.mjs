// DBOS adapter benchmark (`npm run bench`): per-node cost of DbosDurableRunner against a raw DBOS loop
// of the same DBOS.runStep calls and against the in-memory runner, the whole engine on both adapters,
// bytes checkpointed per step with 1 MB of variables, and the time a killed run takes to resume in a
// fresh process. Runs on built dist/; prints a table and writes bench-results/dbos.json.
// The in-memory runner is imported here only: infra packages never import each other in src/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DBOS } from '@dbos-inc/dbos-sdk';
import { ExecuteWorkflowUseCase } from '@casare-rpa/application';
import { compileProgram, createTestNodeCatalog, MapSecretProvider, MemoryLedger } from '@casare-rpa/testkit';
import { InMemoryDurableRunner } from '@casare-rpa/infra-memory';
import { DbosDurableRunner, dbosRunnerConfigFromEnv } from '../dist/index.js';
import { builtTestingScript, runNodeScript } from '../dist/testing/child-process.js';
import { TestSystemDatabase } from '../dist/testing/test-database.js';
import { median, round, writeBenchResults } from '../../../scripts/bench-kit.mjs';

const SIZES = [10, 100, 1000];
const ROUNDS = { 10: 40, 100: 16, 1000: 5 };
const RECOVERY_REPEATS = 5;

const trivialStep = ({ index }) => Promise.resolve({ i: index });
const addStatement = { kind: 'add', variable: 'a', add: 1, failTimes: 0, maxAttempts: 1, log: false };
const silentEvents = { emit() {} };

/** A v1 document whose run executes `n` trivial TestAddNode steps, plus a loop start per iteration. */
const loopDocument = (n) => compileProgram({ body: [{ kind: 'for', count: n, body: [addStatement] }], stopOnError: true, retryCount: 0 });

async function timeRun(start) {
  const started = performance.now();
  await start();
  return performance.now() - started;
}

/** Wall time and this process's CPU time (what the adapter itself adds) of one run, ms. */
async function measureRun(start) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await start();
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
}

/** 1 MB of text that does not compress: PostgreSQL would squeeze repeated characters to a few KB. */
function incompressible(bytes) {
  let state = 0x9e3779b9;
  const chars = [];
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    chars.push(String.fromCharCode(33 + (state % 94)));
  }
  return chars.join('');
}

async function main() {
  const database = new TestSystemDatabase('bench');
  await database.create();
  let runId = 0;
  const nextId = (label) => `${label}-${process.pid}-${runId++}`;
  const results = {
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    perNode: [],
    engine: [],
    bytesPerStep: {},
    recovery: {},
  };

  // One DBOS launch hosts the raw loop, the adapter's trivial body and the engine, so every
  // measurement shares the pool, the database and the moment.
  const rawWorkflow = DBOS.registerWorkflow(
    async (n) => {
      for (let i = 0; i < n; i++) await DBOS.runStep(() => Promise.resolve({ i: DBOS.stepID }), { name: `node_${i}` });
      return n;
    },
    { name: 'bench.raw' },
  );
  const dbos = new DbosDurableRunner(
    dbosRunnerConfigFromEnv({}, { databaseUrl: database.url, executorId: 'bench', applicationVersion: 'bench', logLevel: 'error' }),
  );
  const memory = new InMemoryDurableRunner();
  for (const runner of [dbos, memory]) {
    runner.register('bench.adapter', async (ctx, { n }) => {
      for (let i = 0; i < n; i++) await ctx.step(`node_${i}`, trivialStep);
      return n;
    });
    new ExecuteWorkflowUseCase(createTestNodeCatalog({ ledger: new MemoryLedger() }), silentEvents, new MapSecretProvider({})).registerWith(runner);
  }
  await dbos.launch();
  await memory.launch();
  try {
    // Warm up connections, JIT and DBOS's caches before anything is timed.
    for (let i = 0; i < 3; i++) {
      await (await DBOS.startWorkflow(rawWorkflow, { workflowID: nextId('warm-raw') })(20)).getResult();
      await (await dbos.start('bench.adapter', { n: 20 }, { runId: nextId('warm-adapter') })).result();
      await (await memory.start('bench.adapter', { n: 20 })).result();
    }

    for (const n of SIZES) {
      const samples = { raw: [], adapter: [], memory: [] };
      const pairedRatios = [];
      for (let r = 0; r < ROUNDS[n]; r++) {
        // Alternate the order so neither side always runs on a warmer (or busier) machine, and
        // compare each adapter run with the raw run next to it: the machine is shared.
        const order = r % 2 === 0 ? ['raw', 'adapter'] : ['adapter', 'raw'];
        const pair = {};
        for (const kind of order) {
          pair[kind] =
            kind === 'raw'
              ? await measureRun(async () => (await DBOS.startWorkflow(rawWorkflow, { workflowID: nextId('raw') })(n)).getResult())
              : await measureRun(async () => (await dbos.start('bench.adapter', { n }, { runId: nextId('adapter') })).result());
          samples[kind].push(pair[kind]);
        }
        pairedRatios.push(pair.adapter.wall / pair.raw.wall);
        samples.memory.push(await measureRun(async () => (await memory.start('bench.adapter', { n })).result()));
      }
      const perNode = (kind, what) => median(samples[kind].map((sample) => sample[what])) / n;
      results.perNode.push({
        nodes: n,
        rounds: ROUNDS[n],
        rawDbosMsPerNode: round(perNode('raw', 'wall'), 3),
        adapterMsPerNode: round(perNode('adapter', 'wall'), 3),
        inMemoryMsPerNode: round(perNode('memory', 'wall'), 5),
        adapterOverRawDbos: round(perNode('adapter', 'wall') / perNode('raw', 'wall'), 3),
        pairedMedianRatio: round(median(pairedRatios), 3),
        cpuMsPerNodeRaw: round(perNode('raw', 'cpu'), 3),
        cpuMsPerNodeAdapter: round(perNode('adapter', 'cpu'), 3),
        adapterOverInMemory: round(perNode('adapter', 'wall') / perNode('memory', 'wall'), 1),
      });
    }

    // The whole engine (ExecuteWorkflowUseCase, test nodes, orchestrator) on each adapter.
    const useCase = new ExecuteWorkflowUseCase(createTestNodeCatalog({ ledger: new MemoryLedger() }), silentEvents, new MapSecretProvider({}));
    for (const n of SIZES) {
      const document = loopDocument(n);
      const timings = { dbos: [], memory: [] };
      let steps = 0;
      for (let r = 0; r < Math.max(2, Math.floor(ROUNDS[n] / 3)); r++) {
        const id = nextId('engine');
        timings.dbos.push(await timeRun(async () => (await useCase.start(dbos, { document }, { runId: id })).result()));
        steps = (await dbos.steps(id)).length;
        timings.memory.push(await timeRun(async () => (await useCase.start(memory, { document })).result()));
      }
      results.engine.push({
        loopIterations: n,
        steps,
        dbosMsPerStep: round(median(timings.dbos) / steps, 3),
        inMemoryMsPerStep: round(median(timings.memory) / steps, 5),
        dbosOverInMemory: round(median(timings.dbos) / median(timings.memory), 1),
      });
    }

    // Checkpoint bytes per step: the same 20 steps with tiny and with 1 MB variables.
    for (const [label, value] of [
      ['tinyVariables', 'x'],
      ['oneMegabyteVariables', incompressible(1_000_000)],
    ]) {
      const id = nextId(`bytes-${label}`);
      await (await useCase.start(dbos, { document: loopDocument(10), inputs: { big: value } }, { runId: id })).result();
      const [row] = await database.query(
        `SELECT sum(coalesce(octet_length(output), 0) + coalesce(octet_length(error), 0)) AS payload, sum(pg_column_size(o.*)) AS row_bytes, count(*) AS steps
           FROM dbos.operation_outputs o WHERE workflow_uuid = $1`,
        [id],
      );
      const [input] = await database.query(`SELECT sum(octet_length(inputs)) AS bytes FROM dbos.workflow_input WHERE workflow_uuid = $1`, [id]);
      results.bytesPerStep[label] = {
        steps: Number(row.steps),
        outputBytesPerStep: round(Number(row.payload) / Number(row.steps), 1),
        rowBytesPerStep: round(Number(row.row_bytes) / Number(row.steps), 1),
        workflowInputBytesOnce: Number(input?.bytes ?? 0),
      };
    }
  } finally {
    await dbos.shutdown();
    await memory.shutdown();
  }

  // Recovery: a child process is killed after its third step; a fresh one launches and resumes the run.
  const work = mkdtempSync(join(tmpdir(), 'casare-bench-'));
  const env = { CASARE_DATABASE_URL: database.url, CASARE_EXECUTOR_ID: 'bench-recovery', CASARE_APP_VERSION: 'bench', CASARE_DBOS_LOG_LEVEL: 'error' };
  const script = builtTestingScript('crash-child.js');
  const samples = [];
  for (let r = 0; r < RECOVERY_REPEATS; r++) {
    const id = nextId('recovery');
    const ledgerPath = join(work, `${id}.jsonl`);
    const request = (mode, kill) =>
      JSON.stringify({
        mode,
        runId: id,
        input: { nodes: ['a', 'b', 'c', 'd', 'e'] },
        ledgerPath,
        resultPath: join(work, `${id}-${mode}.json`),
        ...(kill ? { kill } : {}),
      });
    const crashed = await runNodeScript(script, [request('start', { node: 2, phase: 'after-step' })], env);
    if (crashed.signal !== 'SIGKILL') throw new Error(`the crashing child was not killed: ${crashed.stderr}`);
    const spawnedAt = Date.now();
    const recovered = await runNodeScript(script, [request('recover')], env);
    if (recovered.code !== 0) throw new Error(`recovery failed: ${recovered.stderr}`);
    const entries = readFileSync(ledgerPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const resumed = entries.find((entry) => entry.node === 'd');
    const launched = JSON.parse(readFileSync(join(work, `${id}-recover.json`), 'utf8'));
    samples.push({
      processStartToResumeMs: resumed.at - resumed.processStartedAt,
      processStartToLaunchedMs: launched.launchedAfterMs,
      spawnToResumeMs: resumed.at - spawnedAt,
    });
  }
  rmSync(work, { recursive: true, force: true });
  results.recovery = {
    repeats: RECOVERY_REPEATS,
    medianProcessStartToResumeMs: round(median(samples.map((s) => s.processStartToResumeMs)), 0),
    medianProcessStartToLaunchedMs: round(median(samples.map((s) => s.processStartToLaunchedMs)), 0),
    medianSpawnToResumeMs: round(median(samples.map((s) => s.spawnToResumeMs)), 0),
    note: 'launch() re-enqueues the pending run on DBOS\'s internal queue, which is polled every second: most of the gap between "launched" and "resumed" is that poll.',
    samples,
  };
  await database.drop();

  printTable(results);
  writeBenchResults('dbos', { at: new Date().toISOString(), ...results });
}

function printTable(results) {
  console.log('\nDBOS adapter: per-node cost (median of rounds; one run of N trivial nodes)');
  console.table(results.perNode);
  console.log('Whole engine (ExecuteWorkflowUseCase + test nodes), per durable step');
  console.table(results.engine);
  console.log('Checkpoint size per step (operation_outputs: recorded output bytes and whole row), 10 loop iterations');
  console.table(results.bytesPerStep);
  console.log('Recovery after SIGKILL (fresh process)');
  const { samples: _samples, ...recovery } = results.recovery;
  console.table([recovery]);
  const worst = Math.max(...results.perNode.map((row) => row.pairedMedianRatio));
  console.log(`adapter over raw DBOS (median of paired runs): worst ${worst} (target <= 1.10) ${worst <= 1.1 ? 'OK' : 'ABOVE TARGET'}`);
}

await main();
