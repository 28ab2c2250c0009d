import { ContainerModule } from 'inversify';
import { DURABLE_RUNNER, TASK_INBOX } from '@casare-rpa/application';
import { SqliteDurableRunner } from './sqlite-durable-runner.js';
import type { SqliteRunnerConfig } from './sqlite-runner-config.js';
import { SqliteTaskInbox } from './sqlite-task-inbox.js';

/** Binds `DURABLE_RUNNER` to one `SqliteDurableRunner` on the configured file, and `TASK_INBOX` to the inbox in that file. */
export function sqliteContainerModule(config: SqliteRunnerConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(DURABLE_RUNNER)
      .toDynamicValue(() => new SqliteDurableRunner(config))
      .inSingletonScope();
    bind(TASK_INBOX)
      .toDynamicValue(() => SqliteTaskInbox.open(config.path, { synchronous: config.synchronous, busyTimeoutMs: config.busyTimeoutMs }))
      .inSingletonScope();
  });
}
