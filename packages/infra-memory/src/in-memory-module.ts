import { ContainerModule } from 'inversify';
import { DURABLE_RUNNER } from '@casare-rpa/application';
import { InMemoryDurableRunner } from './in-memory-durable-runner.js';

/** Binds `DURABLE_RUNNER` to one `InMemoryDurableRunner` on the system clock (runs are not crash-safe). */
export const inMemoryModule = new ContainerModule(({ bind }) => {
  bind(DURABLE_RUNNER)
    .toDynamicValue(() => new InMemoryDurableRunner())
    .inSingletonScope();
});
