import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { requireExternalService } from '@casare-rpa/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSite, type DemoSite } from '../src/demo-site/index.js';
import { localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace } from './casare-process.js';
import { browserEnv, expectPrivateKeyFile, expectShowWithoutKey, recordedSessionCookie, signInKillAndRecover } from './sealed-cookies.js';

// Secrets at rest on DBOS (docs/architecture.md, "Secrets at rest"): after a real Chromium signs
// in, no row of any table of the DBOS system database holds the session cookie, and recovery
// still restores it from the encrypted page hint.

const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

/** Every row of every table of the system database, as text. */
async function everyRowOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    );
    expect(tables.rows.map((table) => table.name)).toContain('operation_outputs');
    const texts: string[] = [];
    for (const table of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM ${client.escapeIdentifier(table.schema)}.${client.escapeIdentifier(table.name)} t`,
      );
      texts.push(...rows.rows.map((row) => row.row));
    }
    return texts.join('\n');
  } finally {
    await client.end();
  }
}

describe.skipIf(!hasPostgres || !hasChromium)('session cookies are encrypted at rest (casare run / recover, DBOS)', () => {
  let site: DemoSite;
  let workspace: Workspace;
  const database = new TestDatabase('sealed');
  const env = database.env(browserEnv(chromiumPath));

  beforeAll(async () => {
    requireBuiltBinary();
    site = await startDemoSite({ port: 0 });
    workspace = await Workspace.create('sealed-dbos');
  });
  afterAll(async () => {
    await site?.close();
    await workspace?.dispose();
    await database.drop().catch((error: unknown) => console.warn(`could not drop ${database.url}: ${String(error)}`));
  });

  it('writes no cookie value to the system database; recovery signs in again from the sealed hint', { timeout: 240_000 }, async () => {
    const runId = `sealed-${randomUUID()}`;
    await signInKillAndRecover(workspace, env, site, runId);
    await expectPrivateKeyFile(workspace.dir);

    const cookie = await recordedSessionCookie(env, 'dbos', workspace.dir, runId);
    expect(cookie.length).toBeGreaterThan(8);
    const raw = await everyRowOf(database.url);
    expect(raw).toContain(runId);
    expect(raw.includes(cookie), 'the cookie value is in the system database').toBe(false);
    expect(raw.includes('demo_session'), 'the cookie name is in the system database').toBe(false);
    expect(raw).toContain('casare:v1:');

    await expectShowWithoutKey(workspace, env, runId);
  });
});
