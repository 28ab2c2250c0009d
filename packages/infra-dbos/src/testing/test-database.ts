import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabaseName } from '../database-url.js';
import { DEFAULT_DATABASE_URL } from '../dbos-runner-config.js';
import { dropSystemDatabase, prepareSystemDatabase } from '../system-database.js';

/** Server the PostgreSQL tests use: `CASARE_TEST_DATABASE_URL`, else `CASARE_DATABASE_URL`, else the local default. */
export function testServerUrl(): string {
  return process.env['CASARE_TEST_DATABASE_URL'] ?? process.env['CASARE_DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
}

/**
 * A system database of its own for one test file: parallel test files sharing one database and one
 * executor id would recover each other's runs. Create it with `create()`, drop it with `drop()`.
 */
export class TestSystemDatabase {
  /** URL of the throwaway database. */
  readonly url: string;

  constructor(label: string) {
    const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
    this.url = withDatabaseName(testServerUrl(), `casare_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${suffix}`);
  }

  /** Creates the database (DBOS migrates it on launch). */
  async create(): Promise<void> {
    await prepareSystemDatabase(this.url);
  }

  /** Drops the database, closing whatever connections are left. */
  async drop(): Promise<void> {
    await dropSystemDatabase(this.url);
  }

  /** Runs one query on the database (measurements in tests: bytes of recorded outputs). */
  async query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }
}

/** True when the test server accepts a connection within two seconds. */
export async function isPostgresReachable(url: string = testServerUrl()): Promise<boolean> {
  const client = new pg.Client({ connectionString: withDatabaseName(url, 'postgres'), connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
