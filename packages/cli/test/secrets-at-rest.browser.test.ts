import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSite, type DemoSite } from '../src/demo-site/index.js';
import { childEnv, requireBuiltBinary, Workspace } from './casare-process.js';
import { browserEnv, expectPrivateKeyFile, expectShowWithoutKey, recordedSessionCookie, signInKillAndRecover } from './sealed-cookies.js';

// Secrets at rest on SQLite (docs/architecture.md, "Secrets at rest"): after a real Chromium
// signs in, no byte of the journal file (nor its WAL) holds the session cookie, and recovery
// still restores it from the encrypted page hint.

const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

describe.skipIf(!hasChromium)('session cookies are encrypted at rest (casare run / recover, SQLite)', () => {
  let site: DemoSite;
  let workspace: Workspace;
  const env = childEnv({ ...browserEnv(chromiumPath), CASARE_EXECUTOR_ID: `sealed-${randomUUID().slice(0, 8)}` });

  beforeAll(async () => {
    requireBuiltBinary();
    site = await startDemoSite({ port: 0 });
    workspace = await Workspace.create('sealed-sqlite');
  });
  afterAll(async () => {
    await site?.close();
    await workspace?.dispose();
  });

  it('writes no cookie value to the SQLite file; recovery signs in again from the sealed hint', { timeout: 240_000 }, async () => {
    const runId = `sealed-${randomUUID()}`;
    await signInKillAndRecover(workspace, env, site, runId);
    await expectPrivateKeyFile(workspace.dir);

    const cookie = await recordedSessionCookie(env, 'sqlite', workspace.dir, runId);
    expect(cookie.length).toBeGreaterThan(8);
    const dataDir = join(workspace.dir, '.casare');
    const journal = (await readdir(dataDir)).filter((name) => name.startsWith('casare.db'));
    expect(journal).toContain('casare.db');
    const raw = Buffer.concat(await Promise.all(journal.map((name) => readFile(join(dataDir, name)))));
    expect(raw.includes(Buffer.from(cookie)), 'the cookie value is in the journal file').toBe(false);
    expect(raw.includes(Buffer.from('demo_session')), 'the cookie name is in the journal file').toBe(false);
    expect(raw.includes(Buffer.from('casare:v1:'))).toBe(true);

    await expectShowWithoutKey(workspace, env, runId);
  });
});
