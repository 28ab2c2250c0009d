import { RunCancelledError, RunNotFoundError, type DurableContext } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabaseName } from './database-url.js';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { DbosRunInspector } from './dbos-run-inspector.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { DatabaseUnavailableError } from './errors.js';
import { isPostgresReachable, TestSystemDatabase, testServerUrl } from './testing/test-database.js';

const database = new TestSystemDatabase('inspector');
const available = requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL');
const configFor = (databaseUrl: string) => dbosRunnerConfigFromEnv({}, { databaseUrl, executorId: 'inspector-test', logLevel: 'silent' });

describe.runIf(available)('DbosRunInspector', () => {
  let runner: DbosDurableRunner;
  let inspector: DbosRunInspector;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let effects = 0;
  const count = (): Promise<number> => Promise.resolve(++effects);

  beforeAll(async () => {
    await database.create();
    runner = new DbosDurableRunner(configFor(database.url));
    runner.register('two-steps', async (ctx: DurableContext, input: { wait: boolean }) => {
      await ctx.step('first', count);
      if (input.wait) await ctx.step('blocked', () => gate.then(count));
      await ctx.step('last', count);
      return 'done';
    });
    runner.register('approval', async (ctx: DurableContext) => {
      await ctx.step('asked', count);
      return await ctx.waitForSignal('approval', { timeoutMs: 60_000 });
    });
    await runner.launch();
    inspector = await DbosRunInspector.open(configFor(database.url));
  });

  afterAll(async () => {
    await inspector?.close();
    await runner?.shutdown();
    await database.drop();
  });

  it('lists runs, shows one and its steps, as the runner records them', async () => {
    await (await runner.start('two-steps', { wait: false }, { runId: 'done-1' })).result();
    expect((await inspector.list({ workflowName: 'two-steps' })).map((run) => [run.runId, run.status])).toEqual([['done-1', 'succeeded']]);
    expect(await inspector.status('done-1')).toMatchObject({ runId: 'done-1', status: 'succeeded', executorId: 'inspector-test' });
    expect((await inspector.steps('done-1')).map((step) => [step.index, step.name, step.status])).toEqual([
      [0, 'first', 'completed'],
      [1, 'last', 'completed'],
    ]);
    expect(await inspector.steps('done-1')).toEqual(await runner.steps('done-1'));
  });

  it('cancels a run executing elsewhere without becoming its executor', async () => {
    const handle = await runner.start('two-steps', { wait: true }, { runId: 'waiting-1' });
    await expect.poll(async () => (await inspector.steps('waiting-1')).length).toBe(1);
    await inspector.cancel('waiting-1');
    release();
    await expect(handle.result()).rejects.toBeInstanceOf(RunCancelledError);
    expect((await inspector.status('waiting-1')).status).toBe('cancelled');
    expect((await inspector.steps('waiting-1')).map((step) => step.name)).toEqual(['first']);
  });

  it('delivers a signal to a run waiting elsewhere, once per signalId, and refuses runs that ended', async () => {
    const handle = await runner.start('approval', {}, { runId: 'approval-1' });
    await expect.poll(async () => (await inspector.steps('approval-1')).length).toBe(1);
    expect(await inspector.signal('approval-1', 'approval', { approved: true }, { signalId: 'task-1' })).toEqual({ delivered: true });
    expect(await inspector.signal('approval-1', 'approval', { approved: false }, { signalId: 'task-1' })).toEqual({ delivered: false, reason: 'duplicate' });
    expect(await handle.result()).toEqual({ kind: 'received', value: { approved: true } });
    expect((await inspector.steps('approval-1')).map((step) => [step.index, step.kind, step.name, step.output])).toEqual([
      [0, 'step', 'asked', expect.any(Number) as number],
      [1, 'wait', 'approval', { kind: 'received', value: { approved: true } }],
    ]);
    await expect(inspector.signal('approval-1', 'approval', 1)).rejects.toMatchObject({ code: 'RUN_ENDED' });
    await expect(inspector.signal('nope', 'approval', 1)).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it('reports unknown runs as RUN_NOT_FOUND', async () => {
    await expect(inspector.status('nope')).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(inspector.steps('nope')).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(inspector.cancel('nope')).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it('sees no runs in a system database that does not exist, and creates nothing', async () => {
    const missing = withDatabaseName(testServerUrl(), `casare_test_never_created_${process.pid}`);
    const empty = await DbosRunInspector.open(configFor(missing));
    try {
      expect(await empty.list()).toEqual([]);
      await expect(empty.status('any')).rejects.toBeInstanceOf(RunNotFoundError);
    } finally {
      await empty.close();
    }
    expect(await database.query('SELECT 1 FROM pg_database WHERE datname = $1', [`casare_test_never_created_${process.pid}`])).toEqual([]);
  });

  it('fails with DatabaseUnavailableError when PostgreSQL is not there', async () => {
    await expect(DbosRunInspector.open(configFor('postgres://casare:hunter2@127.0.0.1:1/casare'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});
