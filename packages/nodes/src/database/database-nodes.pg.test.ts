import { requireExternalService } from '@casare-rpa/testkit';
import { resolveTemplates, type Json, type JsonObject, type NodeOutcome, type TemplateScope } from '@casare-rpa/domain';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

// The SQL nodes against the real servers of this machine: PostgreSQL 127.0.0.1:5432 (user postgres)
// and MariaDB 127.0.0.1:3306 (root). Each suite creates its own database and drops it at the end.

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const MY = { host: '127.0.0.1', port: 3306, user: 'root' };
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

async function reachable(open: () => Promise<{ end(): Promise<unknown> }>): Promise<boolean> {
  try {
    await (await open()).end();
    return true;
  } catch {
    return false;
  }
}
const pgUp = requireExternalService(
  'PostgreSQL',
  await reachable(async () => {
    const client = new pg.Client({ ...PG, database: 'postgres' });
    await client.connect();
    return client;
  }),
  'no PostgreSQL at 127.0.0.1:5432',
);
const myUp = requireExternalService('MariaDB', await reachable(() => mysql.createConnection(MY)), 'no MariaDB at 127.0.0.1:3306');

interface Server {
  readonly name: string;
  readonly up: boolean;
  readonly dbType: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  create(): Promise<void>;
  drop(): Promise<void>;
  /** Runs SQL outside the nodes, on a connection of its own, to check what really is committed. */
  check(sql: string): Promise<JsonObject[]>;
}

const pgDatabase = `casare_nodes_${suffix}`;
const myDatabase = `casare_nodes_${suffix}`;
const servers: Server[] = [
  {
    name: 'PostgreSQL',
    up: pgUp,
    dbType: 'postgresql',
    port: PG.port,
    user: PG.user,
    database: pgDatabase,
    async create() {
      const admin = new pg.Client({ ...PG, database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${pgDatabase}`);
      await admin.end();
    },
    async drop() {
      const admin = new pg.Client({ ...PG, database: 'postgres' });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
      await admin.end();
    },
    async check(sql) {
      const client = new pg.Client({ ...PG, database: pgDatabase });
      await client.connect();
      try {
        return (await client.query(sql)).rows as JsonObject[];
      } finally {
        await client.end();
      }
    },
  },
  {
    name: 'MariaDB',
    up: myUp,
    dbType: 'mariadb',
    port: MY.port,
    user: MY.user,
    database: myDatabase,
    async create() {
      const admin = await mysql.createConnection(MY);
      await admin.query(`CREATE DATABASE ${myDatabase}`);
      await admin.end();
    },
    async drop() {
      const admin = await mysql.createConnection(MY);
      await admin.query(`DROP DATABASE IF EXISTS ${myDatabase}`);
      await admin.end();
    },
    async check(sql) {
      const connection = await mysql.createConnection({ ...MY, database: myDatabase });
      try {
        return (await connection.query(sql))[0] as JsonObject[];
      } finally {
        await connection.end();
      }
    },
  },
];

const catalog = createNodeCatalog();
const SECRETS: Record<string, string> = { DB_PASSWORD: 'not-needed-under-trust' };

describe.each(servers)('SQL nodes on $name', (server) => {
  let runId: string;
  let resources: Record<string, Json>;
  let outputs: Record<string, JsonObject>;
  let variables: Record<string, Json>;

  beforeAll(async () => {
    if (server.up) await server.create();
  });
  afterAll(async () => {
    if (server.up) await server.drop();
  });
  beforeEach(() => {
    runId = `run-${Math.random().toString(36).slice(2)}`;
    resources = {};
    outputs = {};
    variables = {};
  });
  afterEach(async () => {
    await catalog.releaseRun(runId);
  });

  async function node(id: string, type: string, rawConfig: JsonObject): Promise<NodeOutcome> {
    const scope: TemplateScope = { variables, outputs, secret: (name) => SECRETS[name] };
    const resolved = resolveTemplates(rawConfig, scope) as JsonObject;
    const execution = { ...aNodeExecution(type).withId(id).withRawConfig(rawConfig).withConfig(resolved).inRun(runId).withResources(resources).build(), scope };
    const outcome = await catalog.execute(execution);
    outputs[id] = outcome.outputs;
    for (const [key, value] of Object.entries(outcome.resources ?? {})) {
      if (value === null) delete resources[key];
      else resources[key] = value;
    }
    return outcome;
  }
  const connectConfig = (): JsonObject => ({
    db_type: server.dbType,
    host: '127.0.0.1',
    port: server.port,
    database: server.database,
    username: server.user,
    password: server.name === 'PostgreSQL' ? '{{$secret:DB_PASSWORD}}' : '',
  });

  it.skipIf(!server.up)('connects, creates, inserts through bound templates, queries, inspects and closes', async () => {
    const connected = await node('db', 'DatabaseConnectNode', connectConfig());
    expect(connected.outputs['connection']).toMatchObject({ connection_id: 'db', database: server.database });
    expect(JSON.stringify(connected)).not.toContain(SECRETS['DB_PASSWORD']);
    await node('ddl', 'ExecuteNonQueryNode', { query: 'CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, age INTEGER)' });
    variables['id'] = 1;
    variables['who'] = 'Ada';
    expect(
      (await node('i1', 'ExecuteNonQueryNode', { connection: '{{db.connection}}', query: 'INSERT INTO people (id, name, age) VALUES ({{id}}, {{who}}, 36)' }))
        .outputs,
    ).toMatchObject({ rows_affected: 1 });
    await node('i2', 'ExecuteBatchNode', { statements: ["INSERT INTO people VALUES (2, 'Grace', 45)", "INSERT INTO people VALUES (3, 'Linus', 20)"] });
    variables['min'] = 30;
    const queried = await node('q', 'ExecuteQueryNode', { query: 'SELECT name, age FROM people WHERE age > {{min}} ORDER BY age' });
    expect(queried.outputs).toMatchObject({
      results: [
        { name: 'Ada', age: 36 },
        { name: 'Grace', age: 45 },
      ],
      row_count: 2,
      columns: ['name', 'age'],
    });
    expect((await node('upd', 'ExecuteNonQueryNode', { query: 'UPDATE people SET age = age + 1 WHERE age < {{min}}' })).outputs['rows_affected']).toBe(1);
    expect((await node('e1', 'TableExistsNode', { table_name: 'people' })).outputs['exists']).toBe(true);
    expect((await node('e2', 'TableExistsNode', { table_name: 'ghosts' })).outputs['exists']).toBe(false);
    const columns = await node('cols', 'GetTableColumnsNode', { table_name: 'people' });
    expect(columns.outputs['column_names']).toEqual(['id', 'name', 'age']);
    expect((columns.outputs['columns'] as JsonObject[]).map((column) => [column['primary_key'], column['nullable']])).toEqual([
      [true, false],
      [false, false],
      [false, true],
    ]);
    await node('close', 'CloseDatabaseNode', {});
    expect(resources['database:db']).toBeUndefined();
    await node('ddl-drop', 'DatabaseConnectNode', connectConfig()).then(() => node('drop', 'ExecuteNonQueryNode', { query: 'DROP TABLE people' }));
  });

  it.skipIf(!server.up)("keeps '; DROP TABLE ... a value: the table survives and the text is stored as given", async () => {
    await node('db', 'DatabaseConnectNode', connectConfig());
    await node('ddl', 'ExecuteNonQueryNode', { query: 'CREATE TABLE victims (name VARCHAR(200))' });
    variables['name'] = "x'); DROP TABLE victims; --";
    await node('ins', 'ExecuteNonQueryNode', { query: "INSERT INTO victims (name) VALUES ('{{name}}')" });
    expect((await node('q', 'ExecuteQueryNode', { query: 'SELECT name FROM victims WHERE name = {{name}}' })).outputs['results']).toEqual([
      { name: "x'); DROP TABLE victims; --" },
    ]);
    expect(await server.check('SELECT name FROM victims')).toEqual([{ name: "x'); DROP TABLE victims; --" }]);
    await node('drop', 'ExecuteNonQueryNode', { query: 'DROP TABLE victims' });
  });

  it.skipIf(!server.up)('reopens from the hint after the session is gone, re-resolving the password from its secret', async () => {
    await node('db', 'DatabaseConnectNode', connectConfig());
    await node('ddl', 'ExecuteNonQueryNode', { query: 'CREATE TABLE reopen_t (v INTEGER)' });
    await node('ins', 'ExecuteNonQueryNode', { query: 'INSERT INTO reopen_t VALUES (5)' });
    await catalog.releaseRun(runId);
    expect((await node('q', 'ExecuteQueryNode', { query: 'SELECT v FROM reopen_t' })).outputs['results']).toEqual([{ v: 5 }]);
    await node('drop', 'ExecuteNonQueryNode', { query: 'DROP TABLE reopen_t' });
  });

  it.skipIf(!server.up)('a process SIGKILLed inside a transaction: the server rolls it back and the next node fails with DB_TRANSACTION_LOST', async () => {
    await node('db', 'DatabaseConnectNode', connectConfig());
    await node('ddl', 'ExecuteNonQueryNode', { query: 'CREATE TABLE tx_t (v INTEGER)' });
    await node('close', 'CloseDatabaseNode', {});
    const { hints, exit } = await runCrashingChild(connectConfig(), resources);
    expect(exit).toBe('SIGKILL');
    Object.assign(resources, hints);
    expect(resources['database:db']).toMatchObject({ in_transaction: true });
    await expect(node('commit', 'CommitTransactionNode', {})).rejects.toMatchObject({ code: 'DB_TRANSACTION_LOST', nodeId: 'commit' });
    // The killed process's connection is gone; once the server notices, its insert is rolled back.
    await expect.poll(() => server.check('SELECT count(*) AS n FROM tx_t'), { timeout: 10_000 }).toEqual([{ n: server.name === 'PostgreSQL' ? '0' : 0 }]);
    await server.check('DROP TABLE tx_t');
  });
});

/**
 * Runs Connect, Begin and Insert in a child process on the built package, reads the hints it
 * prints, then kills it with SIGKILL while its transaction is open.
 */
async function runCrashingChild(connect: JsonObject, resources: JsonObject): Promise<{ hints: JsonObject; exit: NodeJS.Signals | null }> {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
  if (!existsSync(join(dist, 'index.js'))) throw new Error(`${dist} is missing: build first with \`npx tsc -b packages/nodes\``);
  const dir = await mkdtemp(join(tmpdir(), 'casare-sql-crash-'));
  const script = join(dir, 'child.mjs');
  await writeFile(
    script,
    `import { createNodeCatalog } from ${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)};
import { aNodeExecution } from ${JSON.stringify(pathToFileURL(join(dist, 'testing', 'index.js')).href)};
const catalog = createNodeCatalog();
const resources = ${JSON.stringify(resources)};
const scope = { variables: {}, outputs: {}, secret: () => ${JSON.stringify(SECRETS['DB_PASSWORD'])} };
async function node(id, type, config) {
  const outcome = await catalog.execute({ ...aNodeExecution(type).withId(id).withConfig(config).inRun('crash-run').withResources(resources).build(), scope });
  Object.assign(resources, outcome.resources ?? {});
}
await node('db', 'DatabaseConnectNode', ${JSON.stringify({ ...connect, password: connect['password'] === '' ? '' : SECRETS['DB_PASSWORD'] })});
await node('begin', 'BeginTransactionNode', {});
await node('ins', 'ExecuteNonQueryNode', { query: 'INSERT INTO tx_t VALUES (1)' });
process.stdout.write(JSON.stringify(resources) + '\\n');
setInterval(() => {}, 1000);
`,
  );
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let hints: JsonObject | undefined;
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n') && hints === undefined) {
          hints = JSON.parse(stdout.trim()) as JsonObject;
          child.kill('SIGKILL');
        }
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (_code, signal) => {
        clearTimeout(timer);
        if (hints === undefined) reject(new Error(`child ended without hints: ${stderr}`));
        else resolve({ hints, exit: signal });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
