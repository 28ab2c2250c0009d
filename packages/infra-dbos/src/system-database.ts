import { createHash } from 'node:crypto';
import { errorCodeOf } from '@casare-rpa/application';
import pg from 'pg';
import { databaseNameOf, withDatabaseName } from './database-url.js';
import { DatabaseUnavailableError } from './errors.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** How long a process waits for another one's database creation and DBOS migrations before giving up. */
const SETUP_LOCK_TIMEOUT_MS = 120_000;
/** SQLSTATE of `lock_timeout` expiring. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs `setup` (creating the system database, DBOS's migrations inside `DBOS.launch()`) while this
 * process holds a session advisory lock on the server's `postgres` database, keyed by the system
 * database's name. Processes that start together on a database with no schema yet would otherwise
 * race in `CREATE DATABASE` and in DBOS's migrations (`deadlock detected`, `tuple concurrently
 * updated`, duplicate `dbos_migrations_pkey`). Advisory locks are scoped to the database they are
 * taken in, so every process must take it in the same one: `postgres`, which exists on every server.
 * A session lock dies with its connection, so a process killed while holding it blocks nobody.
 * When the `postgres` database cannot be used (no such database, no right to connect), `setup` runs
 * unlocked, as before.
 */
export async function withSystemDatabaseSetupLock<T>(databaseUrl: string, setup: () => Promise<T>): Promise<T> {
  const name = databaseNameOf(databaseUrl);
  const client = new pg.Client({ connectionString: withDatabaseName(databaseUrl, 'postgres'), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    const code = errorCodeOf(error);
    // No `postgres` database or no right to it: nothing to serialise on; DBOS's own errors follow.
    if (code === '3D000' || code === '42501' || code === '28000') return setup();
    throw unavailable(databaseUrl, error);
  }
  try {
    try {
      await client.query(`SET lock_timeout = ${SETUP_LOCK_TIMEOUT_MS}`);
      await client.query('SELECT pg_advisory_lock($1)', [setupLockKey(name).toString()]);
    } catch (error) {
      if (errorCodeOf(error) === LOCK_NOT_AVAILABLE) {
        throw new DatabaseUnavailableError(
          databaseUrl,
          new Error(`another process has been creating or migrating database "${name}" for more than ${SETUP_LOCK_TIMEOUT_MS / 1000} s`, { cause: error }),
        );
      }
      throw unavailable(databaseUrl, error);
    }
    return await setup();
  } finally {
    // Ending the session releases the lock; no explicit unlock that could fail on a lost connection.
    await client.end().catch(() => {});
  }
}

/** Advisory lock key of one system database's setup: 8 bytes of SHA-256, as a signed bigint. */
function setupLockKey(databaseName: string): bigint {
  return createHash('sha256').update(`casare-rpa.system-database-setup.${databaseName}`).digest().readBigInt64BE(0);
}

/**
 * Makes sure the system database exists and answers, creating it when missing. DBOS would create
 * it too, but it swallows the reason a server refuses us; checking first turns a down server or a
 * wrong password into one `DatabaseUnavailableError` instead of a retry loop.
 */
export async function prepareSystemDatabase(databaseUrl: string): Promise<void> {
  try {
    await withClient(databaseUrl, async () => {});
  } catch (error) {
    if (errorCodeOf(error) !== '3D000') throw unavailable(databaseUrl, error);
    await createDatabase(databaseUrl);
  }
}

/** Drops the database the URL names (tests: each file owns a throwaway system database). */
export async function dropSystemDatabase(databaseUrl: string): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  await withClient(withDatabaseName(databaseUrl, 'postgres'), async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  }).catch((error: unknown) => {
    throw unavailable(databaseUrl, error);
  });
}

async function createDatabase(databaseUrl: string): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  try {
    await withClient(withDatabaseName(databaseUrl, 'postgres'), async (client) => {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    });
  } catch (error) {
    // Another process created it between our check and our CREATE: that is what we wanted.
    if (errorCodeOf(error) === '42P04') return;
    throw unavailable(databaseUrl, error);
  }
}

async function withClient(databaseUrl: string, use: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An 'error' event without a listener would take the process down if the server goes away.
  client.on('error', () => {});
  try {
    await client.connect();
    await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function unavailable(databaseUrl: string, error: unknown): DatabaseUnavailableError {
  return new DatabaseUnavailableError(databaseUrl, error);
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
