import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireExternalService } from '@casare-rpa/testkit';
import { CHROMIUM_ARGS } from '@casare-rpa/nodes';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TestDatabase, Workspace, jsonOf, localPostgresAnswers, requireBuiltBinary, type CasareProcess } from './casare-process.js';

// `casare console` driven in a real Chromium against real DBOS runs (PostgreSQL, a database of
// this file's own, dropped at the end): a run killed with SIGKILL and recovered shows its replayed
// nodes, cancelling from the page cancels a run, a console with a token refuses a bad one.

const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);
const SCREENSHOT = join(REPO_ROOT, 'test_output', 'console-run.png');
const TOKEN = 'console-test-token-0123456789';

describe.skipIf(!hasPostgres || !hasChromium)('casare console in Chromium (DBOS)', () => {
  const database = new TestDatabase('console');
  let workspace: Workspace;
  let flow: string;
  let browser: Browser;
  const consoles: CasareProcess[] = [];
  const runs: CasareProcess[] = [];

  /** Starts `casare console` and resolves with its URL once it listens. */
  async function startConsole(args: readonly string[] = []): Promise<string> {
    const child = workspace.start(['console', '--port', '0', ...args], database.env(), 300_000);
    consoles.push(child);
    const line = await Promise.race([
      child.waitForLine('stdout', /^Console on /),
      child.ended.then((ended) => {
        throw new Error(`casare console ended (${ended.code}): ${ended.stderr}`);
      }),
    ]);
    return /(http:\/\/\S+?\/)/.exec(line)?.[1] ?? '';
  }

  /** Starts a run of the test workflow and resolves once its durable sleep has begun. */
  async function startSleepingRun(runId: string, seconds: number): Promise<CasareProcess> {
    const child = workspace.start(['run', flow, '--run-id', runId, '--var', `wait_seconds=${seconds}`], database.env());
    runs.push(child);
    await child.waitForLine('stdout', /wait\s+WaitNode\s+completed/);
    return child;
  }

  async function openPage(url: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(url);
    return page;
  }

  beforeAll(async () => {
    requireBuiltBinary();
    workspace = await Workspace.create('console');
    flow = await workspace.write(
      'wait-between-steps.json',
      await readFile(join(REPO_ROOT, 'examples', 'wait-between-steps', 'wait-between-steps.json'), 'utf8'),
    );
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...CHROMIUM_ARGS] });
  });

  afterAll(async () => {
    await browser?.close();
    for (const child of [...runs, ...consoles]) if (child.child.exitCode === null && child.child.signalCode === null) await child.kill();
    await workspace?.dispose();
    await database.drop();
  });

  it('shows a run killed with SIGKILL and recovered with its replayed nodes marked', async () => {
    const run = await startSleepingRun('console-crash-1', 3);
    const killed = await run.kill();
    expect(killed.signal).toBe('SIGKILL');
    const recovered = await workspace.run(['recover', '--json'], database.env());
    expect(recovered.code, recovered.stderr).toBe(0);

    const url = await startConsole();
    const page = await openPage(`${url}runs/console-crash-1`);
    await page.locator('#run-status [data-status="succeeded"]').waitFor();
    await page.locator('#graph g[data-node-id="end"][data-status="completed"]').waitFor();
    // Step 0 (start .. wait) and the sleep were recorded before the kill: replayed by recovery.
    for (const nodeId of ['start', 'before_wait', 'stamp_before', 'wait']) {
      const node = page.locator(`#graph g[data-node-id="${nodeId}"]`);
      expect(await node.getAttribute('data-status'), nodeId).toBe('completed');
      expect(await node.getAttribute('data-replayed'), nodeId).toBe('1');
    }
    for (const nodeId of ['after_wait', 'end']) {
      expect(await page.locator(`#graph g[data-node-id="${nodeId}"]`).getAttribute('data-replayed'), nodeId).toBe('0');
    }
    // The sleep is replayed too when the kill came after it was recorded; the step after it never is.
    expect(await page.locator('#timeline tr[data-step="0"].replayed').count()).toBe(1);
    expect(await page.locator('#timeline tr.replayed').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#timeline tr[data-step="2"].replayed').count()).toBe(0);
    expect(await page.locator('#timeline tbody tr').count()).toBe(3);
    await expect.poll(() => page.locator('#logs').innerText()).toContain('Step two done after the wait');
    expect(await page.locator('#variables').innerText()).toContain('console-crash-1:0.2');
    expect(await page.locator('.run-head').innerText()).toContain('Wait between steps');
    await mkdir(join(REPO_ROOT, 'test_output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const list = await openPage(`${url}?status=succeeded`);
    await list.locator('#runs tr[data-run-id="console-crash-1"]').waitFor();
    expect(await list.locator('#runs tr[data-run-id="console-crash-1"]').innerText()).toContain('Wait between steps');
    await list.screenshot({ path: join(REPO_ROOT, 'test_output', 'console-runs.png'), fullPage: true });
    const missing = await list.goto(`${url}runs/no-such-run`);
    expect(missing?.status()).toBe(404);
  });

  it('cancels a sleeping run from the page, after a confirmation, then resumes it in the console', async () => {
    const run = await startSleepingRun('console-cancel-1', 8);
    const url = await startConsole();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let answer: 'accept' | 'dismiss' = 'dismiss';
    page.on('dialog', (dialog) => void (answer === 'accept' ? dialog.accept() : dialog.dismiss()));
    await page.goto(`${url}runs/console-cancel-1`);
    await page.locator('#run-status [data-status="pending"]').waitFor();
    expect(await page.locator('.run-head').innerText()).toContain('durable sleep, wakes at');
    await page.screenshot({ path: join(REPO_ROOT, 'test_output', 'console-sleeping.png'), fullPage: true });
    // Saying no to the confirmation sends nothing.
    await page.locator('#cancel:not([disabled])').click();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await page.locator('#run-status [data-status]').getAttribute('data-status')).toBe('pending');
    answer = 'accept';
    await page.locator('#cancel:not([disabled])').click();
    await page.locator('#run-status [data-status="cancelled"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#action-message').innerText()).toContain('cancelled');
    const shown = await workspace.run(['runs', 'show', 'console-cancel-1', '--json'], database.env());
    expect(jsonOf<{ run: { status: string } }>(shown).run.status).toBe('cancelled');
    // The run's own process would see the cancellation at its next step; it is gone before that.
    await run.kill();
    await page.locator('#resume:not([disabled])').click();
    await page.locator('#run-status [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#action-message').innerText()).toContain('resumed');
    expect(await page.locator('#graph g[data-node-id="end"]').getAttribute('data-status')).toBe('completed');
  });

  it('forks a run from a step: the new run replays the steps before it and runs the rest in the console', async () => {
    const url = await startConsole();
    const page = await openPage(`${url}runs/console-crash-1`);
    await page.locator('#fork-step').waitFor();
    await page.locator('#fork-step').selectOption('2');
    await page.locator('#fork').click();
    await page.waitForURL((target) => target.pathname.startsWith('/runs/') && !target.pathname.endsWith('/console-crash-1'));
    await page.locator('#run-status [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const forkId = decodeURIComponent(new URL(page.url()).pathname.slice('/runs/'.length));
    const shown = jsonOf<{ run: { status: string }; steps: { index: number; replayed: boolean }[] }>(
      await workspace.run(['runs', 'show', forkId, '--json'], database.env()),
    );
    expect(shown.run.status).toBe('succeeded');
    expect(shown.steps.map((step) => step.replayed)).toEqual([true, true, false]);
    expect(await page.locator('#graph g[data-node-id="after_wait"]').getAttribute('data-replayed')).toBe('0');
    expect(await page.locator('#graph g[data-node-id="start"]').getAttribute('data-replayed')).toBe('1');
  });

  it('refuses a bad token and accepts the right one', async () => {
    const url = await startConsole(['--token', TOKEN]);
    const page = await openPage(`${url}?token=not-the-token`);
    const refused = await page.goto(`${url}?token=not-the-token`);
    expect(refused?.status()).toBe(401);
    expect(await page.locator('#message').innerText()).toContain('wrong console token');
    expect((await page.goto(`${url}api/runs`))?.status()).toBe(401);
    expect((await page.goto(`${url}?token=${TOKEN}`))?.status()).toBe(200);
    await page.locator('#runs tr[data-run-id="console-crash-1"]').waitFor();
    // The cookie set by ?token= carries on to the other pages and the API.
    expect((await page.goto(`${url}runs/console-crash-1`))?.status()).toBe(200);
    await page.locator('#graph').waitFor();
  });
});
