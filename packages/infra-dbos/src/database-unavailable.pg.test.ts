import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { withDatabaseName } from './database-url.js';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { DatabaseUnavailableError } from './errors.js';
import { isPostgresReachable, TestSystemDatabase, testServerUrl } from './testing/test-database.js';

const database = new TestSystemDatabase('unavailable');
const available = requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL');

const runnerAt = (databaseUrl: string): DbosDurableRunner =>
  new DbosDurableRunner(dbosRunnerConfigFromEnv({}, { databaseUrl, executorId: 'unavailable-test', logLevel: 'silent' }));

async function launchError(databaseUrl: string): Promise<DatabaseUnavailableError> {
  const runner = runnerAt(databaseUrl);
  runner.register('noop', () => Promise.resolve(null));
  const error = await runner.launch().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DatabaseUnavailableError);
  return error as DatabaseUnavailableError;
}

describe.runIf(available)('when PostgreSQL is not there for the runner', () => {
  afterAll(async () => {
    await database.drop();
  });

  it('fails launch with DatabaseUnavailableError naming the URL without its password (nothing listens)', async () => {
    const error = await launchError('postgres://casare:hunter2@127.0.0.1:1/casare');
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', url: 'postgres://casare:***@127.0.0.1:1/casare', reason: 'ECONNREFUSED' });
    expect(error.message).not.toContain('hunter2');
  });

  it('fails launch with DatabaseUnavailableError when the server refuses the credentials', async () => {
    const refused = new URL(withDatabaseName(testServerUrl(), 'casare'));
    refused.username = 'casare_no_such_role';
    refused.password = 'hunter2';
    const error = await launchError(refused.toString());
    expect(error.reason).toMatch(/^28/);
    expect(error.message).toContain('casare_no_such_role:***@');
    expect(error.message).not.toContain('hunter2');
  });

  it('creates a missing system database and launches after a failed attempt', async () => {
    await launchError('postgres://127.0.0.1:1/casare');
    const runner = runnerAt(database.url);
    runner.register('answer', () => Promise.resolve(42));
    await runner.launch();
    try {
      expect(await (await runner.start('answer', null)).result()).toBe(42);
    } finally {
      await runner.shutdown();
    }
  });
});
