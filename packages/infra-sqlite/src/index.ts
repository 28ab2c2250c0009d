export { SqliteDurableRunner, type SqliteDurableRunnerOptions } from './sqlite-durable-runner.js';
export {
  SqliteJournalStore,
  SQLITE_APPLICATION_ID,
  SQLITE_SCHEMA_VERSION,
  type SqliteJournalStoreOptions,
  type SqliteSynchronous,
} from './sqlite-journal-store.js';
export { SqliteRunInspector } from './sqlite-run-inspector.js';
export { SqliteTaskInbox } from './sqlite-task-inbox.js';
export { sqliteContainerModule } from './sqlite-container-module.js';
export { sqliteRunnerConfigFromEnv, DEFAULT_SQLITE_PATH, DEFAULT_SQLITE_EXECUTOR_ID, type SqliteRunnerConfig } from './sqlite-runner-config.js';
export { SqliteJournalError, type SqliteJournalErrorCode } from './errors.js';
