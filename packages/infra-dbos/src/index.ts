export { DbosDurableRunner } from './dbos-durable-runner.js';
export { DbosRunInspector } from './dbos-run-inspector.js';
export { DbosRunRecordReader, type DbosRunRecord, type DbosRunRecordFilter } from './dbos-run-record-reader.js';
export { dbosContainerModule } from './dbos-container-module.js';
export * from './config.js';
export { DatabaseUnavailableError, SystemDatabaseSetupError } from './errors.js';
export { prepareSystemDatabase, dropSystemDatabase } from './system-database.js';
export { DbosWorkerFleet, type DbosQueueSettings, type WorkerRecord, type Takeover, type ForeignVersionRuns } from './dbos-worker-fleet.js';
export { DbosQueueSubmitter } from './dbos-queue-submitter.js';
