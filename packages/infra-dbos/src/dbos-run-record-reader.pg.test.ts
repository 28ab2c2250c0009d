import type { DurableContext } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabaseName } from './database-url.js';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { DbosRunRecordReader } from './dbos-run-record-reader.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { isPostgresReachable, TestSystemDatabase, testServerUrl } from './testing/test-database.js';

const database = new TestSystemDatabase('record_reader');
const available = requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL');
const configFor = (databaseUrl: string) => dbosRunnerConfigFromEnv({}, { databaseUrl, executorId: 'record-reader-test', logLevel: 'silent' });

describe.runIf(available)('DbosRunRecordReader', () => {
  let runner: DbosDurableRunner;
  let reader: DbosRunRecordReader;

  beforeAll(async () => {
    await database.create();
    runner = new DbosDurableRunner(configFor(database.url));
    runner.register('echo', async (ctx: DurableContext, input: { document: { name: string }; fail?: boolean }) => {
      await ctx.step('first', () => Promise.resolve(1));
      if (input.fail) throw new Error('asked to fail');
      return { echoed: input.document.name };
    });
    await runner.launch();
    reader = await DbosRunRecordReader.open(configFor(database.url));
  });

  afterAll(async () => {
    await reader?.close();
    await runner?.shutdown();
    await database.drop();
  });

  it('reads a run with the input it was started with and, once it succeeded, its output', async () => {
    await (await runner.start('echo', { document: { name: 'flow A' } }, { runId: 'echo-1' })).result();
    await expect((await runner.start('echo', { document: { name: 'flow B' }, fail: true }, { runId: 'echo-2' })).result()).rejects.toThrow('asked to fail');
    const one = await reader.record('echo-1');
    expect(one).toMatchObject({ summary: { runId: 'echo-1', status: 'succeeded' }, input: { document: { name: 'flow A' } }, output: { echoed: 'flow A' } });
    const failed = await reader.record('echo-2');
    expect(failed).toMatchObject({ summary: { runId: 'echo-2', status: 'failed' }, input: { document: { name: 'flow B' }, fail: true } });
    expect(failed?.output).toBeUndefined();
    expect(await reader.record('no-such-run')).toBeUndefined();
    const listed = await reader.list({ status: 'succeeded' });
    expect(listed.map((record) => [record.summary.runId, record.input])).toEqual([['echo-1', { document: { name: 'flow A' } }]]);
  });

  it('finds no runs in a database that does not exist, and creates none', async () => {
    const missing = await DbosRunRecordReader.open(configFor(withDatabaseName(testServerUrl(), `casare_missing_${process.pid}`)));
    try {
      expect(await missing.list()).toEqual([]);
      expect(await missing.record('anything')).toBeUndefined();
    } finally {
      await missing.close();
    }
  });
});
