export { DbosDurableRunner } from './dbos-durable-runner.js';
export { DbosDurableContext } from './dbos-durable-context.js';
export { DbosRunInspector } from './dbos-run-inspector.js';
export { DbosTaskInbox } from './dbos-task-inbox.js';
export { DbosRunRecordReader, type DbosRunRecord, type DbosRunRecordFilter } from './dbos-run-record-reader.js';
export { dbosContainerModule } from './dbos-container-module.js';
export { DBOS_RUNNER_CONFIG } from './tokens.js';
export {
  dbosRunnerConfigFromEnv,
  DEFAULT_DATABASE_URL,
  DEFAULT_APPLICATION_VERSION,
  DEFAULT_EXECUTOR_ID,
  DEFAULT_APPLICATION_NAME,
  type DbosRunnerConfig,
  type DbosLogLevel,
} from './dbos-runner-config.js';
export { DatabaseUnavailableError, SystemDatabaseSetupError } from './errors.js';
export { redactDatabaseUrl } from './database-url.js';
export { prepareSystemDatabase, dropSystemDatabase, withSystemDatabaseSetupLock } from './system-database.js';
export { DbosWorkerFleet, type DbosQueueSettings, type WorkerRecord, type Takeover, type ForeignVersionRuns } from './dbos-worker-fleet.js';
export { DbosQueueSubmitter } from './dbos-queue-submitter.js';
