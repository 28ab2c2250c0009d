import { DURABLE_RUNNER } from '@casare-rpa/application';
import { ContainerModule } from 'inversify';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv, type DbosRunnerConfig } from './dbos-runner-config.js';
import { DBOS_RUNNER_CONFIG } from './tokens.js';

/**
 * Binds `DURABLE_RUNNER` to one `DbosDurableRunner` per container (DBOS is process-wide) and its
 * configuration, from the environment unless given.
 */
export function dbosContainerModule(config: DbosRunnerConfig = dbosRunnerConfigFromEnv()): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<DbosRunnerConfig>(DBOS_RUNNER_CONFIG).toConstantValue(config);
    bind(DbosDurableRunner).toSelf().inSingletonScope();
    bind(DURABLE_RUNNER).toService(DbosDurableRunner);
  });
}
