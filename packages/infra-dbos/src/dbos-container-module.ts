import { DURABLE_RUNNER, TASK_INBOX } from '@casare-rpa/application';
import { ContainerModule } from 'inversify';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { DbosTaskInbox } from './dbos-task-inbox.js';
import { dbosRunnerConfigFromEnv, type DbosRunnerConfig } from './dbos-runner-config.js';
import { DBOS_RUNNER_CONFIG } from './tokens.js';

/**
 * Binds `DURABLE_RUNNER` to one `DbosDurableRunner` per container (DBOS is process-wide) and its
 * configuration, from the environment unless given; `TASK_INBOX` to the inbox in its system database.
 */
export function dbosContainerModule(config: DbosRunnerConfig = dbosRunnerConfigFromEnv()): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<DbosRunnerConfig>(DBOS_RUNNER_CONFIG).toConstantValue(config);
    bind(DbosDurableRunner).toSelf().inSingletonScope();
    bind(DURABLE_RUNNER).toService(DbosDurableRunner);
    bind(TASK_INBOX)
      .toDynamicValue(() => DbosTaskInbox.open(config))
      .inSingletonScope();
  });
}
