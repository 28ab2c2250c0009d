import { ContainerModule } from 'inversify';
import { DURABLE_RUNNER } from '@casare-rpa/application';
import { SqliteDurableRunner } from './sqlite-durable-runner.js';
import type { SqliteRunnerConfig } from './sqlite-runner-config.js';

/** Binds `DURABLE_RUNNER` to one `SqliteDurableRunner` on the configured file. */
export function sqliteContainerModule(config: SqliteRunnerConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(DURABLE_RUNNER)
      .toDynamicValue(() => new SqliteDurableRunner(config))
      .inSingletonScope();
  });
}
