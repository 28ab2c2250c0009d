import type { Json, JsonObject } from '@casare-rpa/domain';
import type BetterSqlite3 from 'better-sqlite3';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import type { PlaceholderStyle } from './sql-template.js';

/** The SQL servers the database nodes speak to. */
export type SqlDriver = 'sqlite' | 'postgresql' | 'mysql';

/** What one statement returned, as JSON. */
export interface SqlResult {
  /** Result rows, column name to value (empty for statements without a result set). */
  readonly rows: readonly JsonObject[];
  /** Column names of the result set, in order. */
  readonly columns: readonly string[];
  /** Rows changed by INSERT/UPDATE/DELETE (0 when the server does not say). */
  readonly rowsAffected: number;
  /** Id of the last inserted row where the server reports one (SQLite, MySQL), else null. */
  readonly lastInsertId: number | string | null;
}

/** One open connection to a SQL server. Lives in the handler for one run, never in a checkpoint. */
export interface SqlSession {
  /** Which server it speaks to. */
  readonly driver: SqlDriver;
  /** How its statements spell positional parameters. */
  readonly placeholders: PlaceholderStyle;
  /** Runs one statement with bound values. */
  execute(text: string, values: readonly Json[]): Promise<SqlResult>;
  /** Starts a transaction. */
  begin(): Promise<void>;
  /** Commits the open transaction. */
  commit(): Promise<void>;
  /** Rolls the open transaction back. */
  rollback(): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Where and as whom to connect; the password is given apart, resolved from its secret. */
export interface SqlTarget {
  /** Server kind. */
  readonly driver: SqlDriver;
  /** Host name (PostgreSQL, MySQL). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Database name, or the SQLite file's absolute path. */
  readonly database: string;
  /** User name. */
  readonly username: string;
  /** A connection URL without its password, when the workflow gave one. */
  readonly connectionString?: string | undefined;
  /** Connect timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Whether to ask for TLS. */
  readonly ssl: boolean;
}

/** Default port of each server kind. */
export const DEFAULT_PORTS: Record<SqlDriver, number> = { sqlite: 0, postgresql: 5432, mysql: 3306 };

/** Turns a driver value into JSON: dates as ISO text, bytes as base64, big integers as numbers when exact. */
function jsonOf(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonOf);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonOf(item)]));
  return null;
}

function rowOf(row: Record<string, unknown>): JsonObject {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, jsonOf(value)]));
}

/** A JSON value as a driver parameter: lists and dictionaries go as JSON text. */
function parameterOf(value: Json, booleansAsBits: boolean): unknown {
  if (typeof value === 'boolean') return booleansAsBits ? (value ? 1 : 0) : value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

class SqliteSession implements SqlSession {
  readonly driver = 'sqlite';
  readonly placeholders = 'question';
  constructor(private readonly db: BetterSqlite3.Database) {}

  execute(text: string, values: readonly Json[]): Promise<SqlResult> {
    const statement = this.db.prepare(text);
    const bound = values.map((value) => parameterOf(value, true));
    if (statement.reader) {
      const rows = (statement.all(...bound) as Record<string, unknown>[]).map(rowOf);
      return Promise.resolve({ rows, columns: statement.columns().map((column) => column.name), rowsAffected: 0, lastInsertId: null });
    }
    const info = statement.run(...bound);
    return Promise.resolve({ rows: [], columns: [], rowsAffected: info.changes, lastInsertId: jsonOf(info.lastInsertRowid) as number | string });
  }
  begin(): Promise<void> {
    this.db.exec('BEGIN');
    return Promise.resolve();
  }
  commit(): Promise<void> {
    this.db.exec('COMMIT');
    return Promise.resolve();
  }
  rollback(): Promise<void> {
    this.db.exec('ROLLBACK');
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

class PostgresSession implements SqlSession {
  readonly driver = 'postgresql';
  readonly placeholders = 'dollar';
  constructor(private readonly client: pg.Client) {}

  async execute(text: string, values: readonly Json[]): Promise<SqlResult> {
    const result = await this.client.query({ text, values: values.map((value) => parameterOf(value, false)) });
    const columns = (result.fields ?? []).map((field) => field.name);
    const hasRows = result.fields !== undefined && result.fields.length > 0;
    return {
      rows: hasRows ? result.rows.map(rowOf) : [],
      columns,
      rowsAffected: hasRows ? 0 : (result.rowCount ?? 0),
      lastInsertId: null,
    };
  }
  async begin(): Promise<void> {
    await this.client.query('BEGIN');
  }
  async commit(): Promise<void> {
    await this.client.query('COMMIT');
  }
  async rollback(): Promise<void> {
    await this.client.query('ROLLBACK');
  }
  async close(): Promise<void> {
    await this.client.end();
  }
}

class MysqlSession implements SqlSession {
  readonly driver = 'mysql';
  readonly placeholders = 'question';
  constructor(private readonly connection: mysql.Connection) {}

  async execute(text: string, values: readonly Json[]): Promise<SqlResult> {
    // `execute` is a server-side prepared statement: values never become SQL text. Statements
    // without values go through `query`, since some (transaction control, SHOW) cannot be prepared.
    const [result, fields] =
      values.length > 0 ? await this.connection.execute(text, values.map((value) => parameterOf(value, true)) as never) : await this.connection.query(text);
    if (Array.isArray(result)) {
      return {
        rows: (result as Record<string, unknown>[]).map(rowOf),
        columns: (fields ?? []).map((field) => field.name),
        rowsAffected: 0,
        lastInsertId: null,
      };
    }
    const header = result as mysql.ResultSetHeader;
    return { rows: [], columns: [], rowsAffected: header.affectedRows, lastInsertId: header.insertId === 0 ? null : header.insertId };
  }
  async begin(): Promise<void> {
    await this.connection.query('START TRANSACTION');
  }
  async commit(): Promise<void> {
    await this.connection.query('COMMIT');
  }
  async rollback(): Promise<void> {
    await this.connection.query('ROLLBACK');
  }
  async close(): Promise<void> {
    await this.connection.end();
  }
}

/**
 * Opens a connection to `target`; `password` is the resolved secret, used here and dropped. The
 * driver is imported on first use: a process that talks to no database never loads one.
 */
export async function openSqlSession(target: SqlTarget, password: string): Promise<SqlSession> {
  switch (target.driver) {
    case 'sqlite': {
      const { default: Sqlite } = await import('better-sqlite3');
      return new SqliteSession(new Sqlite(target.database, { timeout: target.timeoutMs }));
    }
    case 'postgresql': {
      const { default: pg } = await import('pg');
      const client = new pg.Client(
        target.connectionString
          ? { connectionString: target.connectionString, password: password || undefined, connectionTimeoutMillis: target.timeoutMs }
          : {
              host: target.host,
              port: target.port,
              database: target.database,
              user: target.username,
              password,
              connectionTimeoutMillis: target.timeoutMs,
              ssl: target.ssl,
            },
      );
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return new PostgresSession(client);
    }
    case 'mysql': {
      const { default: mysql } = await import('mysql2/promise');
      const connection = target.connectionString
        ? await mysql.createConnection({ uri: target.connectionString, password: password || undefined, connectTimeout: target.timeoutMs })
        : await mysql.createConnection({
            host: target.host,
            port: target.port,
            database: target.database || undefined,
            user: target.username,
            password,
            connectTimeout: target.timeoutMs,
            ...(target.ssl ? { ssl: {} } : {}),
          });
      return new MysqlSession(connection);
    }
  }
}
