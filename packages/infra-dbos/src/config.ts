// The DBOS adapter's configuration, without DBOS: what a process needs to name its database or
// executor (`casare run` printing where a run is recorded) without importing DBOS Transact, which
// costs a large part of a process's start. `@casare-rpa/infra-dbos/config`.
export {
  dbosRunnerConfigFromEnv,
  DEFAULT_DATABASE_URL,
  DEFAULT_APPLICATION_VERSION,
  DEFAULT_EXECUTOR_ID,
  DEFAULT_APPLICATION_NAME,
  type DbosRunnerConfig,
  type DbosLogLevel,
} from './dbos-runner-config.js';
export { redactDatabaseUrl } from './database-url.js';
