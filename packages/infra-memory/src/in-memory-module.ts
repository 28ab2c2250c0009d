import { ContainerModule } from 'inversify';
import { DURABLE_RUNNER, TASK_INBOX } from '@casare-rpa/application';
import { InMemoryDurableRunner } from './in-memory-durable-runner.js';
import { InMemoryTaskInbox } from './in-memory-task-inbox.js';

/** Binds `DURABLE_RUNNER` to one `InMemoryDurableRunner` on the system clock (runs are not crash-safe), and `TASK_INBOX` to an in-memory inbox. */
export const inMemoryModule = new ContainerModule(({ bind }) => {
  bind(DURABLE_RUNNER)
    .toDynamicValue(() => new InMemoryDurableRunner())
    .inSingletonScope();
  bind(TASK_INBOX)
    .toDynamicValue(() => new InMemoryTaskInbox())
    .inSingletonScope();
});
