/** PostgreSQL the runner uses when `CASARE_DATABASE_URL` is not set: the local server, trust auth. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/casare';
/**
 * Application version stamped on every run. Pinned rather than derived from a code hash: DBOS
 * recovers only runs of its own version, and a rebuild must not strand the runs in flight.
 */
export const DEFAULT_APPLICATION_VERSION = 'casare-1';
/** Executor id of a single-machine deployment; each worker of a fleet sets its own. */
export const DEFAULT_EXECUTOR_ID = 'casare-local';
/** DBOS application name: scopes runs and queues in the system database. */
export const DEFAULT_APPLICATION_NAME = 'casare-rpa';

/** Levels of DBOS's own log lines that reach stderr. */
export type DbosLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** How `DbosDurableRunner` reaches PostgreSQL and identifies itself. */
export interface DbosRunnerConfig {
  /**
   * System database URL; the database is created when missing.
   * @default `CASARE_DATABASE_URL`, else 'postgres://postgres@127.0.0.1:5432/casare'
   */
  readonly databaseUrl: string;
  /**
   * Version stamped on runs; `launch()` recovers only pending runs of this version.
   * @default `CASARE_APP_VERSION`, else 'casare-1'
   */
  readonly applicationVersion: string;
  /**
   * Executor id; `launch()` recovers only pending runs of this executor.
   * @default `CASARE_EXECUTOR_ID`, else 'casare-local'
   */
  readonly executorId: string;
  /**
   * DBOS application name.
   * @default 'casare-rpa'
   */
  readonly applicationName: string;
  /**
   * Lowest level of DBOS's own log lines printed to stderr.
   * @default `CASARE_DBOS_LOG_LEVEL`, else 'warn'
   */
  readonly logLevel: DbosLogLevel;
  /** Queues this process dequeues from (a fleet worker); undefined: every queue, as DBOS does by default. */
  readonly listenQueues?: readonly string[];
}

const LOG_LEVELS: readonly DbosLogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/**
 * Configuration from the environment (`CASARE_DATABASE_URL`, `CASARE_APP_VERSION`,
 * `CASARE_EXECUTOR_ID`, `CASARE_DBOS_LOG_LEVEL`, `CASARE_LISTEN_QUEUES`), with defaults that work on a local PostgreSQL.
 */
export function dbosRunnerConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<DbosRunnerConfig> = {},
): DbosRunnerConfig {
  const logLevel = env['CASARE_DBOS_LOG_LEVEL'];
  return {
    databaseUrl: nonEmpty(env['CASARE_DATABASE_URL']) ?? DEFAULT_DATABASE_URL,
    applicationVersion: nonEmpty(env['CASARE_APP_VERSION']) ?? DEFAULT_APPLICATION_VERSION,
    executorId: nonEmpty(env['CASARE_EXECUTOR_ID']) ?? DEFAULT_EXECUTOR_ID,
    applicationName: DEFAULT_APPLICATION_NAME,
    logLevel: LOG_LEVELS.find((level) => level === logLevel) ?? 'warn',
    ...listenQueuesOf(env['CASARE_LISTEN_QUEUES']),
    ...overrides,
  };
}

/** `CASARE_LISTEN_QUEUES=a,b`: the queues a worker process dequeues from. */
function listenQueuesOf(value: string | undefined): Pick<DbosRunnerConfig, 'listenQueues'> {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length === 0 ? {} : { listenQueues: names };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
