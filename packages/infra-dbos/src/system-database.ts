import pg from 'pg';
import { databaseNameOf, withDatabaseName } from './database-url.js';
import { DatabaseUnavailableError } from './errors.js';

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Makes sure the system database exists and answers, creating it when missing. DBOS would create
 * it too, but it swallows the reason a server refuses us; checking first turns a down server or a
 * wrong password into one `DatabaseUnavailableError` instead of a retry loop.
 */
export async function prepareSystemDatabase(databaseUrl: string): Promise<void> {
  try {
    await withClient(databaseUrl, async () => {});
  } catch (error) {
    if ((error as { code?: unknown }).code !== '3D000') throw unavailable(databaseUrl, error);
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
    if ((error as { code?: unknown }).code === '42P04') return;
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
