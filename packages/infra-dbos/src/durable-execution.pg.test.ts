import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecuteWorkflowUseCase, settleRun, type ExecuteWorkflowInput } from '@casare-rpa/application';
import {
  compileProgram,
  createTestNodeCatalog,
  DirectContext,
  EventRecorder,
  MapSecretProvider,
  MemoryLedger,
  readLedgerFile,
  requireExternalService,
  runReference,
  type CrashPoint,
  type DurableRunnerHarness,
  type IncarnationReport,
  type Statement,
} from '@casare-rpa/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { createDbosContractHarness } from './testing/dbos-contract-harness.js';
import { isPostgresReachable, TestSystemDatabase } from './testing/test-database.js';

// The seed plan's durable execution, with the real engine: ExecuteWorkflowUseCase and the testkit's
// test nodes on DBOS, every incarnation a child process, the crashes real SIGKILLs.
const available = requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL');

const add = (variable: 'a' | 'b', amount: number, failTimes = 0): Statement => ({
  kind: 'add',
  variable,
  add: amount,
  failTimes,
  maxAttempts: failTimes + 1,
  log: true,
});
/** Six nodes, a loop and a retried node: a small flow whose state depends on every step. */
const document = compileProgram({
  body: [add('a', 1), add('b', 2), { kind: 'for', count: 2, body: [add('a', 10)] }, add('b', 3, 1), add('a', 100)],
  stopOnError: true,
  retryCount: 0,
  // One DBOS step per node, so each assertion can name the step of a node; steps that end at
  // effects run on DBOS in the contract suite and the invoice robot's crash test.
  checkpoint: 'every-node',
});
const input: ExecuteWorkflowInput = { document, source: 'durable-execution', checkpoint: 'every-node' };

describe.runIf(available)('durable execution of workflows on DBOS (child processes, SIGKILL)', { timeout: 240_000 }, () => {
  let harness: DurableRunnerHarness;
  const workDir = mkdtempSync(join(tmpdir(), 'casare-durable-'));

  beforeAll(async () => {
    harness = await createDbosContractHarness({ label: 'durable' });
  });

  afterAll(async () => {
    await harness?.dispose?.();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs incarnations of one run until it ends, dying at each crash in turn. */
  async function runWithCrashes(runId: string, crashes: readonly CrashPoint[]): Promise<{ reports: IncarnationReport[]; ledgerPath: string }> {
    const ledgerPath = join(workDir, `${runId}.jsonl`);
    const reports: IncarnationReport[] = [];
    for (let incarnation = 0; ; incarnation++) {
      const report = await harness.runIncarnation({
        storeId: runId,
        incarnation,
        mode: incarnation === 0 ? 'start' : 'recover',
        runId,
        input,
        secrets: {},
        crash: crashes[incarnation],
        ledgerPath,
      });
      reports.push(report);
      if (!report.crashed) return { reports, ledgerPath };
    }
  }

  /** How often each attempt of each step ran (`<key>#<attempt>`): a retried node has one entry per attempt. */
  const attemptCounts = (ledgerPath: string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const { key, attempt } of readLedgerFile(ledgerPath)) counts.set(`${key}#${attempt}`, (counts.get(`${key}#${attempt}`) ?? 0) + 1);
    return counts;
  };

  it('kill mid-run, restart, resume from the checkpoint with the state restored exactly', async () => {
    const runId = 'killed-in-step';
    const { reports, ledgerPath } = await runWithCrashes(runId, [{ atNodeExecution: 4, phase: 'after-effect' }]);
    const [crashed, recovered] = reports as [IncarnationReport, IncarnationReport];
    expect(crashed.crashed).toMatchObject({ atNodeExecution: 4, phase: 'after-effect', attempt: 1 });

    // Same ending as a run that was never interrupted: variables, outputs, logs.
    const reference = await runReference({ runId, input, secrets: {}, crashes: [] });
    expect(recovered.ending).toEqual(reference);
    expect(recovered.ending).toMatchObject({ kind: 'result', result: { status: 'completed', variables: { a: 121, b: 5 } } });

    // Completed nodes never re-ran; the one in flight ran again with the same idempotency key.
    const inFlightKey = `${runId}:${crashed.crashed!.stepIndex}`;
    const inFlight = `${inFlightKey}#${crashed.crashed!.attempt}`;
    for (const [attempt, count] of attemptCounts(ledgerPath)) expect([attempt, count]).toEqual([attempt, attempt === inFlight ? 2 : 1]);
    const reruns = readLedgerFile(ledgerPath).filter((entry) => entry.key === inFlightKey);
    expect(reruns.map((entry) => [entry.nodeId, entry.incarnation])).toEqual([
      [crashed.crashed!.nodeId, 0],
      [crashed.crashed!.nodeId, 1],
    ]);

    // Recovery replays the recorded nodes (events say so) and resumes at the one in flight.
    expect(recovered.events[0]).toMatchObject({ type: 'run.recovered', runId });
    const replayed = recovered.events.filter((event) => event.type === 'node.completed' && event.replayed);
    expect(replayed.map((event) => event.type === 'node.completed' && event.stepIndex)).toEqual(
      crashed.events.filter((event) => event.type === 'node.completed').map((event) => event.type === 'node.completed' && event.stepIndex),
    );
    expect(recovered.events.some((event) => event.type === 'node.started' && event.stepIndex < crashed.crashed!.stepIndex)).toBe(false);

    // Every node execution is one DBOS step named by its node id.
    const { steps } = await harness.inspect(runId, runId);
    const started = [...crashed.events, ...recovered.events].flatMap((event) =>
      event.type === 'node.completed' || event.type === 'node.failed' ? [event] : [],
    );
    expect(steps.map((step) => [step.index, step.name])).toEqual([
      ...new Map(started.map((event) => [event.stepIndex, [event.stepIndex, event.nodeId] as const])).values(),
    ]);
  });

  for (const phase of ['before-effect', 'after-record'] as const) {
    it(`kill ${phase} of a node: nothing runs twice`, async () => {
      const runId = `killed-${phase}`;
      const { reports, ledgerPath } = await runWithCrashes(runId, [{ atNodeExecution: 3, phase }]);
      expect(reports).toHaveLength(2);
      expect(reports[1]!.ending).toEqual(await runReference({ runId, input, secrets: {}, crashes: [] }));
      expect([...attemptCounts(ledgerPath)].filter(([, count]) => count !== 1)).toEqual([]);
    });
  }

  it('a retried node killed between attempts resumes its retries with the same key', async () => {
    const runId = 'killed-between-retries';
    // The `b += 3` node fails its first attempt; the crash hits its second, wherever the run reaches it.
    const probe = new MemoryLedger();
    await new ExecuteWorkflowUseCase(createTestNodeCatalog({ ledger: probe }), new EventRecorder(), new MapSecretProvider({})).execute(
      new DirectContext('probe'),
      input,
    );
    const secondAttempt = probe.entries.findIndex((entry) => entry.attempt === 2);
    expect(secondAttempt).toBeGreaterThan(0);
    const { reports, ledgerPath } = await runWithCrashes(runId, [{ atNodeExecution: secondAttempt, phase: 'before-effect' }]);
    expect(reports[0]!.crashed).toMatchObject({ attempt: 2 });
    expect(reports[1]!.ending).toEqual(await runReference({ runId, input, secrets: {}, crashes: [] }));
    const key = `${runId}:${reports[0]!.crashed!.stepIndex}`;
    expect(
      readLedgerFile(ledgerPath)
        .filter((entry) => entry.key === key)
        .map((entry) => [entry.attempt, entry.ok]),
    ).toEqual([
      [1, false],
      [1, false],
      [2, true],
    ]);
  });

  it('a second launch after recovery runs nothing twice and reports the same ending', async () => {
    const runId = 'relaunched';
    const { reports, ledgerPath } = await runWithCrashes(runId, [{ atNodeExecution: 2, phase: 'after-effect' }]);
    const before = readLedgerFile(ledgerPath);
    const again = await harness.runIncarnation({
      storeId: runId,
      incarnation: reports.length,
      mode: 'recover',
      runId,
      input,
      secrets: {},
      crash: undefined,
      ledgerPath,
    });
    expect(again.ending).toEqual(reports.at(-1)!.ending);
    expect(again.events.filter((event) => event.type === 'node.started')).toEqual([]);
    expect(readLedgerFile(ledgerPath)).toEqual(before);
    const restarted = await harness.runIncarnation({
      storeId: runId,
      incarnation: reports.length + 1,
      mode: 'start',
      runId,
      input,
      secrets: {},
      crash: undefined,
      ledgerPath,
    });
    expect(restarted.ending).toEqual(reports.at(-1)!.ending);
    expect(readLedgerFile(ledgerPath)).toEqual(before);
  });
});

describe.runIf(available)('checkpoint size of DBOS runs', () => {
  const database = new TestSystemDatabase('checkpoint_size');
  let runner: DbosDurableRunner;
  const useCase = new ExecuteWorkflowUseCase(createTestNodeCatalog({ ledger: new MemoryLedger() }), new EventRecorder(), new MapSecretProvider({}));

  beforeAll(async () => {
    await database.create();
    runner = new DbosDurableRunner(dbosRunnerConfigFromEnv({}, { databaseUrl: database.url, executorId: 'checkpoint-size', logLevel: 'error' }));
    useCase.registerWith(runner);
    await runner.launch();
  });

  afterAll(async () => {
    await runner?.shutdown();
    await database.drop();
  });

  /** Bytes DBOS recorded per step of a run: the serialized outputs, and whole rows on disk. */
  async function bytesPerStep(runId: string, big: string): Promise<{ output: number; row: number; steps: number; input: number }> {
    const result = await settleRun(await useCase.start(runner, { ...input, inputs: { big } }, { runId }));
    expect(result.variables['big']).toHaveLength(big.length);
    const [outputs] = await database.query<{ output: string; row: string; steps: string }>(
      `SELECT sum(coalesce(octet_length(output), 0) + coalesce(octet_length(error), 0)) AS output, sum(pg_column_size(o.*)) AS row, count(*) AS steps
         FROM dbos.operation_outputs o WHERE workflow_uuid = $1`,
      [runId],
    );
    const [inputRow] = await database.query<{ bytes: string }>('SELECT sum(octet_length(inputs)) AS bytes FROM dbos.workflow_input WHERE workflow_uuid = $1', [
      runId,
    ]);
    const steps = Number(outputs!.steps);
    return { output: Number(outputs!.output) / steps, row: Number(outputs!.row) / steps, steps, input: Number(inputRow?.bytes ?? 0) };
  }

  it('writes step outcomes, not the state: bytes per step do not grow with 1 MB of variables', async () => {
    const tiny = await bytesPerStep('vars-tiny', 'x');
    // Random text, so that no compression hides a copy of it in a checkpoint.
    const large = await bytesPerStep('vars-1mb', randomBytes(750_000).toString('base64'));
    console.info(
      `bytes per step: ${tiny.output.toFixed(1)} output / ${tiny.row.toFixed(1)} row with tiny variables, ` +
        `${large.output.toFixed(1)} / ${large.row.toFixed(1)} with 1 MB (${large.steps} steps; the 1 MB input is written once: ${large.input} bytes)`,
    );
    expect(large.steps).toBe(tiny.steps);
    expect(large.output).toBe(tiny.output);
    // Same rows but for the run id, one character longer here.
    expect(Math.abs(large.row - tiny.row)).toBeLessThanOrEqual(8);
    expect(large.output).toBeLessThan(500);
    expect(large.input).toBeGreaterThan(1_000_000);
  });
});
