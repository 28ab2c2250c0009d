export {
  InMemoryDurableRunner,
  WorkflowNotRegisteredError,
  RunnerStateError,
  type InMemoryDurableRunnerOptions,
  type StepPhase,
  type StepPoint,
} from './in-memory-durable-runner.js';
export {
  InMemoryJournal,
  type JournalRun,
  type JournalStep,
  type JournalStepKind,
  type JournalError,
} from './in-memory-journal.js';
export { VirtualClock, systemClock, type Clock, type VirtualClockOptions } from './clock.js';
export { inMemoryModule } from './in-memory-module.js';
