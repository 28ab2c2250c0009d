import 'reflect-metadata';
import { DURABLE_RUNNER } from '@casare-rpa/application';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { dbosContainerModule } from './dbos-container-module.js';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { DBOS_RUNNER_CONFIG } from './tokens.js';

describe('dbosContainerModule', () => {
  it('binds DURABLE_RUNNER to one DbosDurableRunner built with the given configuration', async () => {
    const config = dbosRunnerConfigFromEnv({ CASARE_EXECUTOR_ID: 'di-test' });
    const container = new Container();
    await container.loadAsync(dbosContainerModule(config));
    const runner = container.get(DURABLE_RUNNER);
    expect(runner).toBeInstanceOf(DbosDurableRunner);
    expect(container.get(DURABLE_RUNNER)).toBe(runner);
    expect((runner as DbosDurableRunner).config).toBe(config);
    expect(container.get(DBOS_RUNNER_CONFIG)).toBe(config);
  });

  it('reads the environment when no configuration is given', async () => {
    const container = new Container();
    await container.loadAsync(dbosContainerModule());
    expect(container.get<DbosDurableRunner>(DURABLE_RUNNER).config).toEqual(dbosRunnerConfigFromEnv());
  });
});
