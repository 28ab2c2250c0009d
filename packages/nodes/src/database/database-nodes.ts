import type { NodeExecution } from '@casare-rpa/application';
import { resolveTemplates, type Json, type JsonObject, type NodeOutcome, type TemplateScope } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, isJsonObject, list, nonEmptyText, oneOf, optionalInteger, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { resolveInside } from '../files/working-directory.js';
import { DatabaseNodeError } from './database-errors.js';
import { DEFAULT_PORTS, openSqlSession, type SqlDriver, type SqlResult, type SqlSession, type SqlTarget } from './sql-sessions.js';
import { bindSqlTemplates } from './sql-template.js';

// SQL nodes (v1 DatabaseConnectNode and friends). A connection is a resource: the open session
// lives in this module for one run; the workflow only sees a JSON handle, and the state keeps a
// hint (driver, host, port, database, user, the password's *reference*) from which the first node
// that finds no session after a crash reopens one. A transaction cannot be reopened: it died with
// the process and the server rolled it back, so the node after it fails with DB_TRANSACTION_LOST
// (see packages/nodes/README.md, "Database").

/** Resource key of a connection's hint in the state. */
export function databaseHintKey(connectionId: string): string {
  return `database:${connectionId}`;
}

interface ConnectionHint {
  readonly db_type: SqlDriver;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly connection_string: string | null;
  /** The raw `{{...}}` reference the password came from, re-resolved on reopen; null when literal. */
  readonly password_ref: string | null;
  /** Whether a password was given at all. */
  readonly has_password: boolean;
  readonly timeout_ms: number;
  readonly ssl: boolean;
  readonly in_transaction: boolean;
}

/** Open sessions, by run then connection id. */
class SqlSessions {
  private readonly byRun = new Map<string, Map<string, SqlSession>>();

  get(runId: string, connectionId: string): SqlSession | undefined {
    return this.byRun.get(runId)?.get(connectionId);
  }
  ids(runId: string): string[] {
    return [...(this.byRun.get(runId)?.keys() ?? [])];
  }
  async put(runId: string, connectionId: string, session: SqlSession): Promise<void> {
    const sessions = this.byRun.get(runId) ?? new Map<string, SqlSession>();
    this.byRun.set(runId, sessions);
    const previous = sessions.get(connectionId);
    sessions.set(connectionId, session);
    if (previous) await previous.close().catch(() => undefined);
  }
  async drop(runId: string, connectionId: string): Promise<void> {
    const session = this.byRun.get(runId)?.get(connectionId);
    this.byRun.get(runId)?.delete(connectionId);
    if (session) await session.close();
  }
  async releaseRun(runId: string): Promise<void> {
    const sessions = this.byRun.get(runId);
    this.byRun.delete(runId);
    await Promise.allSettled([...(sessions?.values() ?? [])].map((session) => session.close()));
  }
}

const DRIVER_NAMES: Record<string, SqlDriver> = {
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  postgresql: 'postgresql',
  postgres: 'postgresql',
  pg: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
};

const driverField = z.preprocess(
  (value) => (typeof value === 'string' ? (DRIVER_NAMES[value.trim().toLowerCase()] ?? value) : (value ?? 'sqlite')),
  z.enum(['sqlite', 'postgresql', 'mysql']),
);

const SECRET_OR_TEMPLATE = /^\s*\{\{[\s\S]*\}\}\s*$/;

function scopeOf(execution: NodeExecution): TemplateScope {
  return execution.scope ?? { variables: execution.variables, outputs: {} };
}

function hintOf(value: Json | undefined): ConnectionHint | undefined {
  return isJsonObject(value) && typeof value['db_type'] === 'string' ? (value as unknown as ConnectionHint) : undefined;
}

function hintJson(hint: ConnectionHint): JsonObject {
  return { ...hint };
}

/** The connection id a node addresses: its `connection` handle, or the run's only connection. */
function connectionIdOf(execution: NodeExecution, connection: Json, sessions: SqlSessions): string {
  if (isJsonObject(connection) && typeof connection['connection_id'] === 'string') return connection['connection_id'];
  if (typeof connection === 'string' && connection.trim() !== '') return connection.trim();
  const known = new Set([
    ...sessions.ids(execution.runId),
    ...Object.keys(execution.resources)
      .filter((key) => key.startsWith('database:') && execution.resources[key] !== null)
      .map((key) => key.slice('database:'.length)),
  ]);
  if (known.size === 1) return [...known][0]!;
  throw new ConfigFieldError(
    'connection',
    known.size === 0
      ? 'required: no DatabaseConnectNode has opened a connection in this run'
      : `required: this run has ${known.size} connections (${[...known].join(', ')}); wire the one to use`,
  );
}

/** The live session for a node, reopened from its hint when the process that opened it died. */
async function sessionFor(
  execution: NodeExecution,
  connection: Json,
  sessions: SqlSessions,
): Promise<{ id: string; session: SqlSession; hint: ConnectionHint | undefined }> {
  const id = connectionIdOf(execution, connection, sessions);
  const hint = hintOf(execution.resources[databaseHintKey(id)]);
  const live = sessions.get(execution.runId, id);
  if (live) return { id, session: live, hint };
  if (!hint) throw new DatabaseNodeError('DB_NOT_CONNECTED', execution.node.id, id, `connection "${id}" is not open in this run (closed, or never connected)`);
  if (hint.in_transaction) {
    throw new DatabaseNodeError(
      'DB_TRANSACTION_LOST',
      execution.node.id,
      id,
      `the transaction on connection "${id}" died with the process that opened it; the server rolled back everything since BeginTransactionNode. Re-run the workflow from before the transaction (or route this error to a handler)`,
    );
  }
  if (hint.db_type === 'sqlite' && hint.database === ':memory:') {
    throw new DatabaseNodeError(
      'DB_NOT_CONNECTED',
      execution.node.id,
      id,
      `connection "${id}" was an in-memory SQLite database, lost with the process that opened it`,
    );
  }
  let password = '';
  if (hint.has_password) {
    if (hint.password_ref === null) {
      throw new DatabaseNodeError(
        'DB_NOT_CONNECTED',
        execution.node.id,
        id,
        `connection "${id}" must be reopened after a restart, but its password was written in the workflow rather than as {{$secret:NAME}}, and passwords are never recorded`,
      );
    }
    const resolved = resolveTemplates(hint.password_ref, scopeOf(execution));
    password = typeof resolved === 'string' ? resolved : JSON.stringify(resolved ?? '');
  }
  const session = await openSqlSession(targetOf(hint), password).catch((error: unknown) => {
    throw new DatabaseNodeError('DB_CONNECT_FAILED', execution.node.id, id, `reopening connection "${id}" failed: ${(error as Error).message}`);
  });
  await sessions.put(execution.runId, id, session);
  execution.logger.debug(`reopened database connection ${id} from its hint`);
  return { id, session, hint };
}

function targetOf(hint: ConnectionHint): SqlTarget {
  return {
    driver: hint.db_type,
    host: hint.host,
    port: hint.port,
    database: hint.database,
    username: hint.username,
    connectionString: hint.connection_string ?? undefined,
    timeoutMs: hint.timeout_ms,
    ssl: hint.ssl,
  };
}

/** A connection URL with its password taken out: the hint must not hold it. */
function withoutPassword(connectionString: string): { url: string; password: string } {
  try {
    const url = new URL(connectionString);
    const password = decodeURIComponent(url.password);
    url.password = '';
    return { url: url.toString(), password };
  } catch {
    throw new ConfigFieldError('connection_string', 'expected a URL such as postgresql://user@host:5432/db');
  }
}

/** SQL text of `field` with its templates bound, plus hand-written `parameters`. */
function statementOf(execution: NodeExecution, field: string, raw: Json | undefined, resolved: string, parameters: readonly Json[], session: SqlSession) {
  // A query wired from a data input is a value, not a template: it runs as given.
  const fromInput = Object.hasOwn(execution.inputs, field);
  if (fromInput || typeof raw !== 'string') return { text: resolved, values: parameters };
  const bound = bindSqlTemplates(raw, scopeOf(execution), session.placeholders, field, session.placeholders === 'dollar' ? parameters.length : 0);
  if (bound.values.length > 0 && parameters.length > 0 && session.placeholders === 'question') {
    throw new ConfigFieldError('parameters', 'cannot be combined with {{templates}} in the query on this driver (both use ?): use one or the other');
  }
  return { text: bound.text, values: [...parameters, ...bound.values] };
}

async function run(execution: NodeExecution, id: string, work: () => Promise<SqlResult>): Promise<SqlResult> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConfigFieldError || error instanceof DatabaseNodeError) throw error;
    throw new DatabaseNodeError('DB_STATEMENT_FAILED', execution.node.id, id, (error as Error).message);
  }
}

const connectionField = { connection: anyValue() };
const queryConfig = z.looseObject({ ...connectionField, query: nonEmptyText(), parameters: list() });

/** Builds the SQL node handlers over one set of sessions (one per catalog in tests). */
export function createDatabaseNodeHandlers(): readonly CatalogNodeHandler[] {
  const sessions = new SqlSessions();

  const connect = defineNode({
    types: ['DatabaseConnectNode'],
    config: z.looseObject({
      db_type: driverField,
      host: text('localhost'),
      port: optionalInteger(),
      database: text(''),
      username: text(''),
      password: text(''),
      connection_string: optionalText(),
      timeout: z.preprocess(
        (value) => (value === '' || value === null ? undefined : value),
        z.coerce.number().positive({ error: 'expected a positive number of seconds' }).default(30),
      ),
      ssl: boolean(false),
      allow_outside_working_dir: boolean(false),
    }),
    ports: {
      inputs: ['db_type', 'host', 'port', 'database', 'username', 'password', 'connection_string'],
      outputs: ['connection', 'success', 'error'],
    },
    async run(config, execution): Promise<NodeOutcome> {
      const id = execution.node.id;
      const driver = config.db_type;
      let database = config.database;
      if (driver === 'sqlite') {
        database =
          database.trim() === '' || database === ':memory:'
            ? ':memory:'
            : await resolveInside(execution.workingDirectory, database, 'database', config.allow_outside_working_dir);
      }
      const fromUrl = config.connection_string ? withoutPassword(config.connection_string) : undefined;
      const password = config.password || fromUrl?.password || '';
      const rawPassword = execution.node.config['password'];
      const passwordRef =
        !Object.hasOwn(execution.inputs, 'password') && typeof rawPassword === 'string' && SECRET_OR_TEMPLATE.test(rawPassword) ? rawPassword.trim() : null;
      const hint: ConnectionHint = {
        db_type: driver,
        host: config.host,
        port: config.port ?? DEFAULT_PORTS[driver],
        database,
        username: config.username,
        connection_string: driver === 'sqlite' ? null : (fromUrl?.url ?? null),
        password_ref: passwordRef,
        has_password: password !== '',
        timeout_ms: Math.round(config.timeout * 1000),
        ssl: config.ssl,
        in_transaction: false,
      };
      const session = await openSqlSession(targetOf(hint), password).catch((error: unknown) => {
        throw new DatabaseNodeError('DB_CONNECT_FAILED', id, id, `connecting to ${driver} failed: ${(error as Error).message}`);
      });
      await sessions.put(execution.runId, id, session);
      const handle = { connection_id: id, db_type: driver, host: hint.host, port: hint.port, database: hint.database, username: hint.username };
      return { outputs: { connection: handle, success: true, error: '' }, resources: { [databaseHintKey(id)]: hintJson(hint) } };
    },
  });
  const releasing: CatalogNodeHandler = { ...connect, releaseRun: (runId: string) => sessions.releaseRun(runId) };

  const executeQuery = defineNode({
    types: ['ExecuteQueryNode'],
    config: queryConfig,
    ports: { inputs: ['connection', 'query', 'parameters'], outputs: ['results', 'row_count', 'columns', 'success', 'error'] },
    async run(config, execution) {
      const { id, session } = await sessionFor(execution, config.connection, sessions);
      const statement = statementOf(execution, 'query', execution.node.config['query'], config.query, config.parameters, session);
      const result = await run(execution, id, () => session.execute(statement.text, statement.values));
      return { outputs: { results: [...result.rows], row_count: result.rows.length, columns: [...result.columns], success: true, error: '' } };
    },
  });

  const executeNonQuery = defineNode({
    types: ['ExecuteNonQueryNode'],
    config: queryConfig,
    ports: { inputs: ['connection', 'query', 'parameters'], outputs: ['rows_affected', 'last_insert_id', 'success', 'error'] },
    async run(config, execution) {
      const { id, session } = await sessionFor(execution, config.connection, sessions);
      const statement = statementOf(execution, 'query', execution.node.config['query'], config.query, config.parameters, session);
      const result = await run(execution, id, () => session.execute(statement.text, statement.values));
      return { outputs: { rows_affected: result.rowsAffected, last_insert_id: result.lastInsertId, success: true, error: '' } };
    },
  });

  const executeBatch = defineNode({
    types: ['ExecuteBatchNode'],
    config: z.looseObject({
      ...connectionField,
      statements: list().refine((items) => items.length > 0, { error: 'must list at least one statement' }),
      stop_on_error: boolean(true),
    }),
    ports: { inputs: ['connection', 'statements'], outputs: ['results', 'total_rows_affected', 'success', 'error'] },
    async run(config, execution) {
      const { id, session, hint } = await sessionFor(execution, config.connection, sessions);
      const rawStatements = Object.hasOwn(execution.inputs, 'statements') ? undefined : execution.node.config['statements'];
      const statements = config.statements.map((resolved, index) => {
        if (typeof resolved !== 'string' || resolved.trim() === '') throw new ConfigFieldError(`statements[${index}]`, 'expected SQL text');
        const raw = Array.isArray(rawStatements) ? (rawStatements as Json[])[index] : undefined;
        if (raw === undefined || typeof raw !== 'string') return { text: resolved, values: [] as readonly Json[] };
        return bindSqlTemplates(raw, scopeOf(execution), session.placeholders, `statements[${index}]`);
      });
      // With stop_on_error the batch is all or nothing (its own transaction unless one is open), so
      // a crash or a failure mid-batch leaves nothing half applied and the step can simply re-run.
      const atomic = config.stop_on_error && hint?.in_transaction !== true;
      const results: JsonObject[] = [];
      const errors: string[] = [];
      let total = 0;
      if (atomic) await session.begin();
      for (const [index, statement] of statements.entries()) {
        try {
          const result = await session.execute(statement.text, statement.values);
          total += result.rowsAffected;
          results.push({ statement: index, rows_affected: result.rowsAffected, success: true });
        } catch (error) {
          const message = (error as Error).message;
          errors.push(`Statement ${index}: ${message}`);
          results.push({ statement: index, rows_affected: 0, success: false, error: message });
          if (config.stop_on_error) {
            if (atomic) await session.rollback().catch(() => undefined);
            throw new DatabaseNodeError('DB_BATCH_FAILED', execution.node.id, id, `statement ${index} failed, batch rolled back: ${message}`);
          }
        }
      }
      if (atomic) await session.commit();
      return { outputs: { results, total_rows_affected: total, success: errors.length === 0, error: errors.join('; ') } };
    },
  });

  const transactionNode = (types: string[], action: 'begin' | 'commit' | 'rollback') =>
    defineNode({
      types,
      config: z.looseObject(connectionField),
      ports: { inputs: ['connection'], outputs: ['connection', 'success', 'error'] },
      async run(config, execution) {
        const { id, session, hint } = await sessionFor(execution, config.connection, sessions);
        if (action === 'begin' && hint?.in_transaction)
          throw new DatabaseNodeError('DB_STATEMENT_FAILED', execution.node.id, id, 'a transaction is already in progress on this connection');
        await run(execution, id, async () => {
          await session[action]();
          return { rows: [], columns: [], rowsAffected: 0, lastInsertId: null };
        });
        const handle = isJsonObject(config.connection) ? config.connection : { connection_id: id };
        const resources = hint ? { [databaseHintKey(id)]: hintJson({ ...hint, in_transaction: action === 'begin' }) } : undefined;
        return { outputs: { connection: handle, success: true, error: '' }, ...(resources ? { resources } : {}) };
      },
    });

  const close = defineNode({
    types: ['CloseDatabaseNode'],
    config: z.looseObject(connectionField),
    ports: { inputs: ['connection'], outputs: ['success', 'error'] },
    async run(config, execution) {
      const id = connectionIdOf(execution, config.connection, sessions);
      await sessions.drop(execution.runId, id);
      return { outputs: { success: true, error: '' }, resources: { [databaseHintKey(id)]: null } };
    },
  });

  const tableName = nonEmptyText().refine((name) => /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/.test(name), {
    error: 'expected a table name (letters, digits, _; optionally schema.table)',
  });

  const tableExists = defineNode({
    types: ['TableExistsNode'],
    config: z.looseObject({ ...connectionField, table_name: tableName }),
    ports: { inputs: ['connection', 'table_name'], outputs: ['exists', 'success', 'error'] },
    async run(config, execution) {
      const { id, session } = await sessionFor(execution, config.connection, sessions);
      const [schema, table] = splitTable(config.table_name);
      const sql: Record<SqlDriver, string> = {
        sqlite: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
        postgresql: schema
          ? 'SELECT 1 FROM information_schema.tables WHERE table_schema = $2 AND table_name = $1'
          : 'SELECT 1 FROM information_schema.tables WHERE table_schema = ANY(current_schemas(false)) AND table_name = $1',
        mysql: schema
          ? 'SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_schema = ?'
          : 'SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_schema = DATABASE()',
      };
      const result = await run(execution, id, () => session.execute(sql[session.driver], schema ? [table, schema] : [table]));
      return { outputs: { exists: result.rows.length > 0, success: true, error: '' } };
    },
  });

  const tableColumns = defineNode({
    types: ['GetTableColumnsNode'],
    config: z.looseObject({ ...connectionField, table_name: tableName }),
    ports: { inputs: ['connection', 'table_name'], outputs: ['columns', 'column_names', 'success', 'error'] },
    async run(config, execution) {
      const { id, session } = await sessionFor(execution, config.connection, sessions);
      const [schema, table] = splitTable(config.table_name);
      const sql: Record<SqlDriver, string> = {
        sqlite: 'SELECT name, type, "notnull" = 0 AS nullable, dflt_value AS "default", pk > 0 AS primary_key FROM pragma_table_info(?) ORDER BY cid',
        postgresql: `SELECT c.column_name AS name, c.data_type AS type, c.is_nullable = 'YES' AS nullable, c.column_default AS "default",
            EXISTS (SELECT 1 FROM information_schema.table_constraints t JOIN information_schema.key_column_usage k
              ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema
              WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema AND t.table_name = c.table_name AND k.column_name = c.column_name) AS primary_key
          FROM information_schema.columns c WHERE c.table_name = $1 AND ${schema ? 'c.table_schema = $2' : 'c.table_schema = ANY(current_schemas(false))'} ORDER BY c.ordinal_position`,
        mysql: `SELECT column_name AS name, column_type AS type, is_nullable = 'YES' AS nullable, column_default AS \`default\`, column_key = 'PRI' AS primary_key
          FROM information_schema.columns WHERE table_name = ? AND table_schema = ${schema ? '?' : 'DATABASE()'} ORDER BY ordinal_position`,
      };
      const values = session.driver === 'sqlite' ? [config.table_name] : schema ? [table, schema] : [table];
      const result = await run(execution, id, () => session.execute(sql[session.driver], values));
      const columns = result.rows.map((row) => ({
        name: row['name'] ?? null,
        type: row['type'] ?? null,
        nullable: Boolean(row['nullable']),
        default: row['default'] ?? null,
        primary_key: Boolean(row['primary_key']),
      }));
      return { outputs: { columns, column_names: columns.map((column) => column.name), success: true, error: '' } };
    },
  });

  // DatabaseSuperNode: one node, an `action` field, each action the simple node's own handler (its
  // Connect action opens a connection named after the super node's id).
  const byAction: Record<(typeof DATABASE_ACTIONS)[number], CatalogNodeHandler> = {
    Connect: connect,
    'Query (SELECT)': executeQuery,
    'Execute (INSERT/UPDATE/DELETE)': executeNonQuery,
    'Begin Transaction': transactionNode(['BeginTransactionNode'], 'begin'),
    Commit: transactionNode(['CommitTransactionNode'], 'commit'),
    Rollback: transactionNode(['RollbackTransactionNode'], 'rollback'),
    'Close Connection': close,
    'Execute Batch': executeBatch,
  };
  const superNode = defineNode({
    types: ['DatabaseSuperNode'],
    config: z.looseObject({ action: oneOf(DATABASE_ACTIONS, 'Query (SELECT)') }),
    ports: {
      inputs: ['action', 'connection', 'db_type', 'host', 'port', 'database', 'username', 'password', 'connection_string', 'query', 'parameters', 'statements'],
      outputs: ['connection', 'results', 'row_count', 'columns', 'rows_affected', 'last_insert_id', 'total_rows_affected', 'success', 'error'],
      exec: ['exec_out', 'exec_error'],
    },
    run: (config, execution) => byAction[config.action].execute(execution),
  });

  return [
    releasing,
    superNode,
    executeQuery,
    executeNonQuery,
    executeBatch,
    transactionNode(['BeginTransactionNode'], 'begin'),
    transactionNode(['CommitTransactionNode'], 'commit'),
    transactionNode(['RollbackTransactionNode'], 'rollback'),
    close,
    tableExists,
    tableColumns,
  ];
}

/** The v1 DatabaseSuperNode action names. */
export const DATABASE_ACTIONS = [
  'Connect',
  'Query (SELECT)',
  'Execute (INSERT/UPDATE/DELETE)',
  'Begin Transaction',
  'Commit',
  'Rollback',
  'Close Connection',
  'Execute Batch',
] as const;

function splitTable(name: string): [string | undefined, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [undefined, name] : [name.slice(0, dot), name.slice(dot + 1)];
}

/** SQL nodes: connect, query, non-query, batch, transactions, table checks, close (PostgreSQL, MySQL/MariaDB, SQLite). */
export const databaseNodeHandlers: readonly CatalogNodeHandler[] = createDatabaseNodeHandlers();
