export { InMemoryDurableRunner, type InMemoryDurableRunnerOptions } from './in-memory-durable-runner.js';
export { WorkflowNotRegisteredError, RunnerStateError, type StepPhase, type StepPoint } from '@casare-rpa/application';
export { InMemoryJournal, type JournalRun, type JournalStep, type JournalStepKind, type JournalError } from './in-memory-journal.js';
export { VirtualClock, systemClock, type Clock, type VirtualClockOptions } from './clock.js';
export { inMemoryModule } from './in-memory-module.js';
export { InMemoryTaskInbox } from './in-memory-task-inbox.js';
