// SQLite adapter benchmark (`npm run bench`): per-step cost of a durable step of nothing on
// SqliteDurableRunner (synchronous FULL and NORMAL), DBOS and the in-memory runner side by side
// (10, 100, 1,000 steps per run), and the time from process start to the resumed step after a
// SIGKILL, SQLite against DBOS. Runs on built dist/; prints tables and writes bench-results/sqlite.json.
// The in-memory and DBOS runners are imported here only: infra packages never import each other in src/.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryDurableRunner } from '@casare-rpa/infra-memory';
import { SqliteDurableRunner } from '../dist/index.js';
import { builtTestingScript, runNodeScript } from '../dist/testing/child-process.js';
import { median, round, writeBenchResults } from '../../../scripts/bench-kit.mjs';

const SIZES = [10, 100, 1000];
const ROUNDS = { 10: 40, 100: 16, 1000: 5 };
const RECOVERY_REPEATS = 5;
const SQLITE_TARGET_MS = 0.1;
const RECOVERY_TARGET_MS = 300;

const trivialStep = ({ index }) => Promise.resolve({ i: index });

/** DBOS on a throwaway system database, or undefined (with the reason printed) when PostgreSQL is not there. */
async function openDbos() {
  try {
    const { DbosDurableRunner, dbosRunnerConfigFromEnv } = await import('@casare-rpa/infra-dbos');
    const dbosRoot = dirname(fileURLToPath(import.meta.resolve('@casare-rpa/infra-dbos')));
    const { TestSystemDatabase } = await import(join(dbosRoot, 'testing', 'test-database.js'));
    const database = new TestSystemDatabase('sqlite-bench');
    await database.create();
    const runner = new DbosDurableRunner(
      dbosRunnerConfigFromEnv({}, { databaseUrl: database.url, executorId: 'bench', applicationVersion: 'bench', logLevel: 'error' }),
    );
    return { runner, database, crashChild: join(dbosRoot, 'testing', 'crash-child.js') };
  } catch (error) {
    console.log(`DBOS left out of the comparison: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'casare-sqlite-bench-'));
  const results = { machine: { node: process.version, cpus: cpus().length }, perStep: [], recovery: {} };
  const runners = {
    sqliteFull: new SqliteDurableRunner({ path: join(work, 'full.db'), executorId: 'bench', synchronous: 'FULL' }),
    sqliteNormal: new SqliteDurableRunner({ path: join(work, 'normal.db'), executorId: 'bench', synchronous: 'NORMAL' }),
    memory: new InMemoryDurableRunner(),
  };
  const dbos = await openDbos();
  if (dbos) runners.dbos = dbos.runner;
  for (const runner of Object.values(runners)) {
    runner.register('bench.steps', async (ctx, { n }) => {
      for (let i = 0; i < n; i++) await ctx.step(`node_${i}`, trivialStep);
      return n;
    });
    await runner.launch();
  }
  let counter = 0;
  const runOnce = async (kind, n) => {
    const started = performance.now();
    await (await runners[kind].start('bench.steps', { n }, { runId: `bench-${kind}-${counter++}` })).result();
    return performance.now() - started;
  };
  try {
    for (const kind of Object.keys(runners)) for (let i = 0; i < 3; i++) await runOnce(kind, 20);
    for (const n of SIZES) {
      const samples = Object.fromEntries(Object.keys(runners).map((kind) => [kind, []]));
      const rounds = dbos ? ROUNDS[n] : ROUNDS[n] * 2;
      for (let r = 0; r < (n === 1000 && dbos ? 3 : rounds); r++) {
        const kinds = Object.keys(runners);
        // Rotate the order so no runner always goes first on a warmer (or busier) machine.
        for (const kind of [...kinds.slice(r % kinds.length), ...kinds.slice(0, r % kinds.length)]) samples[kind].push(await runOnce(kind, n));
      }
      const perStep = (kind) => (samples[kind] ? round(median(samples[kind]) / n, 4) : null);
      results.perStep.push({
        steps: n,
        sqliteFullMs: perStep('sqliteFull'),
        sqliteNormalMs: perStep('sqliteNormal'),
        dbosMs: perStep('dbos'),
        inMemoryMs: perStep('memory'),
        dbosOverSqlite: dbos ? round(perStep('dbos') / perStep('sqliteFull'), 1) : null,
      });
    }
  } finally {
    for (const runner of Object.values(runners)) await runner.shutdown();
  }

  // Recovery: a child is SIGKILLed right after its third step; a fresh one launches and resumes the run.
  results.recovery.sqlite = await sqliteRecovery(work);
  if (dbos) results.recovery.dbos = await dbosRecovery(work, dbos);
  await dbos?.database.drop();
  rmSync(work, { recursive: true, force: true });

  console.log('\nDurable step of nothing, ms per step (median of rounds; one run of N steps)');
  console.table(results.perStep);
  console.log('Recovery after SIGKILL: process start to the first resumed step (median of repeats), ms');
  console.table(Object.entries(results.recovery).map(([adapter, { samples: _samples, ...rest }]) => ({ adapter, ...rest })));
  const worst = Math.max(...results.perStep.map((row) => row.sqliteFullMs));
  console.log(`SQLite (synchronous=FULL) per step: worst ${worst} ms (target <= ${SQLITE_TARGET_MS}) ${worst <= SQLITE_TARGET_MS ? 'OK' : 'ABOVE TARGET'}`);
  const recovery = results.recovery.sqlite.medianProcessStartToResumeMs;
  console.log(
    `SQLite recovery: ${recovery} ms from process start to resumed step (target <= ${RECOVERY_TARGET_MS}) ${recovery <= RECOVERY_TARGET_MS ? 'OK' : 'ABOVE TARGET'}`,
  );
  writeBenchResults('sqlite', { at: new Date().toISOString(), ...results });
}

function summary(samples) {
  return {
    repeats: samples.length,
    medianProcessStartToResumeMs: round(median(samples.map((s) => s.processStartToResumeMs)), 0),
    medianSpawnToResumeMs: round(median(samples.map((s) => s.spawnToResumeMs)), 0),
    samples,
  };
}

async function sqliteRecovery(work) {
  const script = builtTestingScript('crash-child.js');
  const env = { CASARE_SQLITE_PATH: join(work, 'recovery.db'), CASARE_EXECUTOR_ID: 'bench-recovery' };
  const samples = [];
  for (let r = 0; r < RECOVERY_REPEATS; r++) {
    const runId = `recovery-${r}`;
    const ledger = join(work, `${runId}.jsonl`);
    const crashed = await runNodeScript(script, ['start', runId, ledger, '5', '2'], env);
    if (crashed.signal !== 'SIGKILL') throw new Error(`the crashing child was not killed: ${crashed.stderr}`);
    const spawnedAt = Date.now();
    const recovered = await runNodeScript(script, ['recover', runId, ledger, '5'], env);
    if (recovered.code !== 0) throw new Error(`recovery failed: ${recovered.stderr}`);
    const resumed = readFileSync(ledger, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((entry) => entry.node === 3);
    samples.push({ processStartToResumeMs: resumed.at - resumed.processStartedAt, spawnToResumeMs: resumed.at - spawnedAt });
  }
  return summary(samples);
}

async function dbosRecovery(work, dbos) {
  if (!existsSync(dbos.crashChild)) throw new Error(`${dbos.crashChild} is missing: build infra-dbos first`);
  const env = { CASARE_DATABASE_URL: dbos.database.url, CASARE_EXECUTOR_ID: 'bench-recovery', CASARE_APP_VERSION: 'bench', CASARE_DBOS_LOG_LEVEL: 'error' };
  const samples = [];
  for (let r = 0; r < RECOVERY_REPEATS; r++) {
    const id = `dbos-recovery-${process.pid}-${r}`;
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
    const crashed = await runNodeScript(dbos.crashChild, [request('start', { node: 2, phase: 'after-step' })], env);
    if (crashed.signal !== 'SIGKILL') throw new Error(`the crashing DBOS child was not killed: ${crashed.stderr}`);
    const spawnedAt = Date.now();
    const recovered = await runNodeScript(dbos.crashChild, [request('recover')], env);
    if (recovered.code !== 0) throw new Error(`DBOS recovery failed: ${recovered.stderr}`);
    const resumed = readFileSync(ledgerPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((entry) => entry.node === 'd');
    samples.push({ processStartToResumeMs: resumed.at - resumed.processStartedAt, spawnToResumeMs: resumed.at - spawnedAt });
  }
  return summary(samples);
}

await main();
