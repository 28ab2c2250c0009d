import { describe, expect, it } from 'vitest';
import { DEFAULT_APPLICATION_VERSION, DEFAULT_DATABASE_URL, DEFAULT_EXECUTOR_ID, dbosRunnerConfigFromEnv } from './dbos-runner-config.js';

describe('dbosRunnerConfigFromEnv', () => {
  it('works on a local PostgreSQL with no environment at all', () => {
    expect(dbosRunnerConfigFromEnv({})).toEqual({
      databaseUrl: DEFAULT_DATABASE_URL,
      applicationVersion: DEFAULT_APPLICATION_VERSION,
      executorId: DEFAULT_EXECUTOR_ID,
      applicationName: 'casare-rpa',
      logLevel: 'warn',
    });
  });

  it('reads the CASARE_ variables, ignoring blank ones and unknown log levels', () => {
    const config = dbosRunnerConfigFromEnv({
      CASARE_DATABASE_URL: ' postgres://db/prod ',
      CASARE_APP_VERSION: '',
      CASARE_EXECUTOR_ID: 'worker-3',
      CASARE_DBOS_LOG_LEVEL: 'loud',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://db/prod',
      applicationVersion: DEFAULT_APPLICATION_VERSION,
      executorId: 'worker-3',
      logLevel: 'warn',
    });
  });

  it('pins the application version: it never depends on the code', () => {
    expect(dbosRunnerConfigFromEnv({}).applicationVersion).toBe(dbosRunnerConfigFromEnv({}).applicationVersion);
    expect(dbosRunnerConfigFromEnv({ CASARE_APP_VERSION: 'v7' }).applicationVersion).toBe('v7');
  });

  it('reads the queues a worker listens to from CASARE_LISTEN_QUEUES, and none when it is blank', () => {
    expect(dbosRunnerConfigFromEnv({ CASARE_LISTEN_QUEUES: ' invoices, ,mail ' }).listenQueues).toEqual(['invoices', 'mail']);
    expect(dbosRunnerConfigFromEnv({ CASARE_LISTEN_QUEUES: ' ' })).not.toHaveProperty('listenQueues');
  });
});
