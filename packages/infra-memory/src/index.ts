export { InMemoryDurableRunner, type InMemoryDurableRunnerOptions } from './in-memory-durable-runner.js';
export { InMemoryJournal, type JournalRun } from './in-memory-journal.js';
export { VirtualClock, type VirtualClockOptions } from './clock.js';
export { inMemoryModule } from './in-memory-module.js';
export { InMemoryTaskInbox } from './in-memory-task-inbox.js';
