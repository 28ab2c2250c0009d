import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExecuteWorkflowUseCase, type SecretProvider } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import type { Json } from '@casare-rpa/domain';
import { InMemoryDurableRunner } from '@casare-rpa/infra-memory';
import { DEFAULT_CHROMIUM_PATH, PlaywrightBrowserSessions, browserNodeHandlers, createNodeCatalog, readCsvNode } from '@casare-rpa/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSite, type DemoSite } from '../src/demo-site/index.js';

// The v1 browser fixtures (batch 3.1, 3.2, 3.3) run to completion on real Chromium. They open
// https://example.com; the browser serves it from the demo site's stand-in, keeping the URL.

const here = dirname(fileURLToPath(import.meta.url));
const repoFixtures = join(here, '..', '..', 'nodes', 'test', 'fixtures', 'casare-v1');
// The shared folder lies beside the repository (CI lays it there); absent in a fresh clone.
const sharedFixtures = join(here, '..', '..', '..', '..', 'shared', 'fixtures', 'casare-v1');
const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

const noSecrets: SecretProvider = { loadSecret: () => Promise.resolve(undefined) };

/** What each fixture must log, and the files it must leave, relative to the working directory. */
const EXPECTED: ReadonlyArray<{ file: string; logs: string[]; files: string[] }> = [
  { file: 'batch_3_1_browser_core.json', logs: ['Browser core tests passed! Page title: Example Domain'], files: ['test_output/browser_test_screenshot.png'] },
  { file: 'batch_3_2_browser_interaction.json', logs: ['Browser interaction tests passed! URL: https://example.com/'], files: [] },
  { file: 'batch_3_3_browser_scripts.json', logs: ['Browser script tests passed! Title from JS: Example Domain'], files: [] },
];

const copies = [
  { label: 'repository copy', directory: repoFixtures },
  ...(existsSync(sharedFixtures) ? [{ label: 'shared copy', directory: sharedFixtures }] : []),
];

describe.skipIf(!hasChromium)('v1 browser fixtures on Chromium', () => {
  let site: DemoSite;
  let sessions: PlaywrightBrowserSessions;
  let runner: InMemoryDurableRunner;
  let useCase: ExecuteWorkflowUseCase;
  let workDir: string;

  beforeAll(async () => {
    site = await startDemoSite({ port: 0 });
    workDir = await mkdtemp(join(tmpdir(), 'casare-fixtures-'));
    sessions = new PlaywrightBrowserSessions({ secrets: noSecrets, standIns: { 'https://example.com': `${site.url}/example` } });
    const catalog = createNodeCatalog([...browserNodeHandlers({ sessions, secrets: noSecrets }), readCsvNode], [sessions]);
    useCase = new ExecuteWorkflowUseCase(catalog, { emit: () => undefined }, noSecrets);
    runner = new InMemoryDurableRunner();
    useCase.registerWith(runner);
    await runner.launch();
  });
  afterAll(async () => {
    await runner?.shutdown();
    await sessions?.closeAll();
    await site?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  for (const copy of copies) {
    for (const expected of EXPECTED) {
      it(`${expected.file} (${copy.label}) runs to completion`, async () => {
        const document = JSON.parse(await readFile(join(copy.directory, expected.file), 'utf8')) as Json;
        const handle = await useCase.start(runner, { document, workingDirectory: workDir, source: expected.file });
        const result = await handle.result();

        expect(result.error).toBeNull();
        expect(result.status).toBe('completed');
        expect(result.logs).toEqual(expected.logs);
        expect(result.variables).toEqual({});
        for (const file of expected.files) expect(existsSync(join(workDir, file)), file).toBe(true);
        // BrowserCloseNode ran: the run holds no page and its hint is gone.
        expect(sessions.hasLivePage(result.runId, 'default')).toBe(false);
      });
    }
  }

  it('keeps the repository copies byte-identical to the shared fixtures', async () => {
    if (!existsSync(sharedFixtures)) return;
    for (const { file } of EXPECTED) {
      expect(await readFile(join(repoFixtures, file), 'utf8')).toBe(await readFile(join(sharedFixtures, file), 'utf8'));
    }
  });
});
