import { resolveTemplates, type Json, type JsonObject, type NodeOutcome, type TemplateScope } from '@casare-rpa/domain';
import BetterSqlite3 from 'better-sqlite3';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';
import { bindSqlTemplates } from './sql-template.js';

const catalog = createNodeCatalog();
let workdir: string;
let runId: string;
let resources: Record<string, Json>;
let outputs: Record<string, JsonObject>;
let variables: Record<string, Json>;

beforeEach(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'casare-sql-'));
  runId = `run-${Math.random().toString(36).slice(2)}`;
  resources = {};
  outputs = {};
  variables = {};
});

afterEach(async () => {
  await catalog.releaseRun(runId);
  await rm(workdir, { recursive: true, force: true });
});

/** Runs a node the way the executor does: raw config, resolved config, scope, recorded hints. */
async function node(id: string, type: string, rawConfig: JsonObject, secrets: Record<string, string> = {}): Promise<NodeOutcome> {
  const scope: TemplateScope = { variables, outputs, secret: (name) => secrets[name] };
  const resolved = resolveTemplates(rawConfig, scope) as JsonObject;
  const execution = {
    ...aNodeExecution(type).withId(id).withRawConfig(rawConfig).withConfig(resolved).inRun(runId).withResources(resources).inDirectory(workdir).build(),
    scope,
  };
  const outcome = await catalog.execute(execution);
  outputs[id] = outcome.outputs;
  for (const [key, value] of Object.entries(outcome.resources ?? {})) {
    if (value === null) delete resources[key];
    else resources[key] = value;
  }
  return outcome;
}

const connectSqlite = () => node('db', 'DatabaseConnectNode', { db_type: 'sqlite', database: 'data/app.db', allow_outside_working_dir: false });

describe('bindSqlTemplates', () => {
  const scope: TemplateScope = { variables: { name: "x'; DROP TABLE t; --", n: 3 }, outputs: {} };
  it('turns templates into placeholders of the driver, values in order', () => {
    expect(bindSqlTemplates('SELECT * FROM t WHERE a = {{name}} AND b > {{n}}', scope, 'dollar')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b > $2',
      values: ["x'; DROP TABLE t; --", 3],
    });
    expect(bindSqlTemplates("SELECT '{{' AS a, '{{name}}' AS b, ? AS c", scope, 'question')).toEqual({
      text: "SELECT '{{' AS a, ? AS b, ? AS c",
      values: ["x'; DROP TABLE t; --"],
    });
    expect(bindSqlTemplates('SELECT {{n}}', scope, 'dollar', 'query', 2)).toEqual({ text: 'SELECT $3', values: [3] });
  });
  it('refuses a template inside a longer quoted text, naming the field', () => {
    expect(() => bindSqlTemplates("SELECT * FROM t WHERE a LIKE '%{{name}}%'", scope, 'question')).toThrow(
      /query: the template \{\{name\}\} sits inside a quoted SQL text/,
    );
  });
});

describe('SQL nodes on a real SQLite file', () => {
  it('connects, creates, inserts with bound templates, queries and closes', async () => {
    await mkdir(join(workdir, 'data'));
    const connected = await connectSqlite();
    expect(connected.outputs).toMatchObject({ connection: { connection_id: 'db', db_type: 'sqlite' }, success: true });
    expect(resources['database:db']).toMatchObject({ db_type: 'sqlite', database: join(workdir, 'data/app.db'), in_transaction: false });
    await node('ddl', 'ExecuteNonQueryNode', {
      connection: '{{db.connection}}',
      query: 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)',
    });
    variables['who'] = 'Ada';
    variables['age'] = 36;
    variables['min'] = 30;
    const inserted = await node('ins', 'ExecuteNonQueryNode', {
      connection: '{{db.connection}}',
      query: 'INSERT INTO people (name, age) VALUES ({{who}}, {{age}})',
    });
    expect(inserted.outputs).toEqual({ rows_affected: 1, last_insert_id: 1, success: true, error: '' });
    await node('ins2', 'ExecuteNonQueryNode', { query: 'INSERT INTO people (name, age) VALUES (?, ?)', parameters: ['Grace', 45] });
    const queried = await node('q', 'ExecuteQueryNode', {
      connection: '{{db.connection}}',
      query: 'SELECT name, age FROM people WHERE age > {{min}} ORDER BY age',
      parameters: [],
    });
    expect(queried.outputs).toEqual({
      results: [
        { name: 'Ada', age: 36 },
        { name: 'Grace', age: 45 },
      ],
      row_count: 2,
      columns: ['name', 'age'],
      success: true,
      error: '',
    });
    expect((await node('ex', 'TableExistsNode', { table_name: 'people' })).outputs['exists']).toBe(true);
    expect((await node('ex2', 'TableExistsNode', { table_name: 'nobody' })).outputs['exists']).toBe(false);
    const columns = await node('cols', 'GetTableColumnsNode', { table_name: 'people' });
    expect(columns.outputs['column_names']).toEqual(['id', 'name', 'age']);
    expect((columns.outputs['columns'] as JsonObject[])[0]).toEqual({ name: 'id', type: 'INTEGER', nullable: true, default: null, primary_key: true });
    await node('close', 'CloseDatabaseNode', { connection: '{{db.connection}}' });
    expect(resources['database:db']).toBeUndefined();
    await expect(node('after', 'ExecuteQueryNode', { connection: 'db', query: 'SELECT 1' })).rejects.toMatchObject({ code: 'DB_NOT_CONNECTED' });
  });

  it("binds an injection attempt through a variable as a plain value: '; DROP TABLE ... stays text", async () => {
    await node('db', 'DatabaseConnectNode', { db_type: 'sqlite', database: 'app.db' });
    await node('ddl', 'ExecuteBatchNode', { statements: ['CREATE TABLE users (name TEXT)', "INSERT INTO users VALUES ('alice')"] });
    variables['name'] = "alice'; DROP TABLE users; --";
    const found = await node('q', 'ExecuteQueryNode', { query: "SELECT * FROM users WHERE name = '{{name}}'" });
    expect(found.outputs['row_count']).toBe(0);
    await node('ins', 'ExecuteNonQueryNode', { query: 'INSERT INTO users VALUES ({{name}})' });
    const file = new BetterSqlite3(join(workdir, 'app.db'), { readonly: true });
    expect(file.prepare('SELECT name FROM users ORDER BY rowid').all()).toEqual([{ name: 'alice' }, { name: "alice'; DROP TABLE users; --" }]);
    file.close();
  });

  it('resolves a secret inside the step, and the outcome and hint never hold it', async () => {
    const outcome = await node(
      'db',
      'DatabaseConnectNode',
      { db_type: 'sqlite', database: 'x.db', password: '{{$secret:DB_PASS}}' },
      { DB_PASS: 's3cr3t-value' },
    );
    expect(JSON.stringify(outcome)).not.toContain('s3cr3t-value');
    expect(resources['database:db']).toMatchObject({ password_ref: '{{$secret:DB_PASS}}', has_password: true });
  });

  it('reopens the connection from its hint after the process that opened it is gone', async () => {
    await node('db', 'DatabaseConnectNode', { db_type: 'sqlite', database: 'app.db' });
    await node('ddl', 'ExecuteNonQueryNode', { query: 'CREATE TABLE t (v INTEGER)' });
    await node('ins', 'ExecuteNonQueryNode', { query: 'INSERT INTO t VALUES (7)' });
    await catalog.releaseRun(runId); // what a crash leaves: no session, the hints in the state
    const after = await node('q', 'ExecuteQueryNode', { connection: '{{db.connection}}', query: 'SELECT v FROM t' });
    expect(after.outputs['results']).toEqual([{ v: 7 }]);
  });

  it('commits and rolls back; a transaction cut by a crash fails the next node with DB_TRANSACTION_LOST and nothing of it stays', async () => {
    await node('db', 'DatabaseConnectNode', { db_type: 'sqlite', database: 'app.db' });
    await node('ddl', 'ExecuteNonQueryNode', { query: 'CREATE TABLE t (v INTEGER)' });
    await node('b1', 'BeginTransactionNode', {});
    expect(resources['database:db']).toMatchObject({ in_transaction: true });
    await node('i1', 'ExecuteNonQueryNode', { query: 'INSERT INTO t VALUES (1)' });
    await node('c1', 'CommitTransactionNode', {});
    await node('b2', 'BeginTransactionNode', {});
    await node('i2', 'ExecuteNonQueryNode', { query: 'INSERT INTO t VALUES (2)' });
    await node('r2', 'RollbackTransactionNode', {});
    await node('b3', 'BeginTransactionNode', {});
    await node('i3', 'ExecuteNonQueryNode', { query: 'INSERT INTO t VALUES (3)' });
    await catalog.releaseRun(runId);
    await expect(node('c3', 'CommitTransactionNode', {})).rejects.toMatchObject({ code: 'DB_TRANSACTION_LOST', nodeId: 'c3', retryable: false });
    const file = new BetterSqlite3(join(workdir, 'app.db'), { readonly: true });
    expect(file.prepare('SELECT v FROM t').all()).toEqual([{ v: 1 }]);
    file.close();
  });

  it('runs a batch all or nothing when stop_on_error is set, and collects failures otherwise', async () => {
    await node('db', 'DatabaseConnectNode', { db_type: 'sqlite', database: 'app.db' });
    await node('ddl', 'ExecuteNonQueryNode', { query: 'CREATE TABLE t (v INTEGER NOT NULL)' });
    await expect(node('batch', 'ExecuteBatchNode', { statements: ['INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (NULL)'] })).rejects.toMatchObject({
      code: 'DB_BATCH_FAILED',
    });
    expect((await node('q', 'ExecuteQueryNode', { query: 'SELECT count(*) AS n FROM t' })).outputs['results']).toEqual([{ n: 0 }]);
    const loose = await node('batch2', 'ExecuteBatchNode', {
      statements: ['INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (NULL)', 'INSERT INTO t VALUES (2)'],
      stop_on_error: false,
    });
    expect(loose.outputs).toMatchObject({ total_rows_affected: 2, success: false });
    expect((loose.outputs['results'] as JsonObject[]).map((r) => r['success'])).toEqual([true, false, true]);
  });

  it('names node and field for a bad config, and keeps SQLite files inside the working directory', async () => {
    await expect(node('db', 'DatabaseConnectNode', { db_type: 'oracle' })).rejects.toThrow(
      /^nodes\.db\.config\.db_type: expected one of "sqlite", "postgresql", "mysql", got "oracle"/,
    );
    await expect(node('db', 'DatabaseConnectNode', { db_type: 'sqlite', database: '../escape.db' })).rejects.toThrow(
      /nodes\.db\.config\.database: "\.\.\/escape\.db" is outside the working directory/,
    );
    await node('db', 'DatabaseConnectNode', { db_type: 'sqlite', database: 'a.db' });
    await expect(node('q', 'ExecuteQueryNode', { query: '' })).rejects.toThrow('nodes.q.config.query: expected text, got ""');
    await expect(node('t', 'TableExistsNode', { table_name: 'x; DROP' })).rejects.toThrow(/nodes\.t\.config\.table_name: expected a table name/);
    await expect(node('q', 'ExecuteQueryNode', { query: "SELECT '%{{x}}%'" })).rejects.toThrow(/nodes\.q\.config\.query: the template/);
    const issues = catalog.validate([{ id: 'b', type: 'ExecuteBatchNode', config: { statements: 'nope' } }]);
    expect(issues).toMatchObject([{ path: 'nodes.b.config.statements', nodeId: 'b' }]);
  });

  it('DatabaseSuperNode dispatches on action to the simple nodes', async () => {
    await node('dbs', 'DatabaseSuperNode', { action: 'Connect', db_type: 'sqlite', database: 'super.db' });
    expect(resources['database:dbs']).toMatchObject({ db_type: 'sqlite' });
    await node('s1', 'DatabaseSuperNode', { action: 'Execute Batch', statements: ['CREATE TABLE t (v TEXT)'] });
    variables['v'] = 'x';
    expect(
      (await node('s2', 'DatabaseSuperNode', { action: 'Execute (INSERT/UPDATE/DELETE)', query: 'INSERT INTO t VALUES ({{v}})' })).outputs['rows_affected'],
    ).toBe(1);
    expect((await node('s3', 'DatabaseSuperNode', { query: 'SELECT v FROM t' })).outputs['results']).toEqual([{ v: 'x' }]);
    await node('s4', 'DatabaseSuperNode', { action: 'close connection' });
    expect(resources['database:dbs']).toBeUndefined();
    await expect(node('s5', 'DatabaseSuperNode', { action: 'Drop Everything' })).rejects.toThrow(/^nodes\.s5\.config\.action: expected one of "Connect"/);
  });

  it('declares every SQL node world', () => {
    for (const type of [
      'DatabaseSuperNode',
      'DatabaseConnectNode',
      'ExecuteQueryNode',
      'ExecuteNonQueryNode',
      'ExecuteBatchNode',
      'BeginTransactionNode',
      'CommitTransactionNode',
      'RollbackTransactionNode',
      'CloseDatabaseNode',
      'TableExistsNode',
      'GetTableColumnsNode',
    ]) {
      expect(catalog.effectOf(aWorkflowNode(type))).toBe('world');
    }
  });
});
