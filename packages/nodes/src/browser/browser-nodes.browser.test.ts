import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretProvider } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandlerNodeCatalog } from '../catalog/handler-node-catalog.js';
import { NodeConfigError } from '../catalog/node-config-error.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { BrowserPageNotOpenError, DEFAULT_CHROMIUM_PATH, PlaywrightBrowserSessions, browserNodeHandlers, readPageHint } from './index.js';
import { servePages, type PageServer } from './testing/page-server.js';

const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

const PASSWORD = 'hunter2-very-secret';
const secrets: SecretProvider = {
  loadSecret: (name) => Promise.resolve(({ PORTAL_PASSWORD: PASSWORD, portal_password: PASSWORD } as Record<string, string>)[name]),
};

const FORM = `<!doctype html><title>Form</title>
<h1 id="title" data-kind="form">Order form</h1>
<form method="post" action="/orders">
  <input type="hidden" name="key" id="key">
  <input name="user" id="user">
  <input name="password" id="password" type="password">
  <select name="size" id="size"><option value="s">Small</option><option value="m">Medium</option><option value="l">Large</option></select>
  <input type="checkbox" name="gift" id="gift" value="yes">
  <button id="send" type="submit">Send</button>
  <a id="anchor" href="#details">details</a>
</form>`;
const POSTED = '<!doctype html><title>Posted</title><h1>Thank you</h1>';

/**
 * Drives browser nodes the way a run does: each node gets the resource hints the previous
 * outcomes recorded, merged as `applyOutcome` merges them (null deletes).
 */
class BrowserRun {
  resources: Record<string, Json> = {};
  private step = 0;
  private catalog: HandlerNodeCatalog;

  constructor(
    public sessions: PlaywrightBrowserSessions,
    readonly runId: string,
    private readonly directory: string,
  ) {
    this.catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions, secrets }), [sessions]);
  }

  /** Simulates a crash: the process and its browser are gone, the recorded hints survive. */
  async crash(): Promise<void> {
    await this.sessions.closeAll();
    this.sessions = new PlaywrightBrowserSessions({ secrets });
    this.catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions: this.sessions, secrets }), [this.sessions]);
  }

  async run(
    type: string,
    config: JsonObject,
    options: { raw?: JsonObject; id?: string; variables?: Record<string, Json>; signal?: AbortSignal } = {},
  ): Promise<NodeOutcome> {
    const index = this.step++;
    const execution = aNodeExecution(type)
      .withId(options.id ?? `node_${index}`)
      .withConfig(config)
      .withRawConfig(options.raw ?? config)
      .inRun(this.runId, index)
      .withResources({ ...this.resources })
      .inDirectory(this.directory)
      .withVariables(options.variables ?? {})
      .withSignal(options.signal ?? new AbortController().signal)
      .build();
    const outcome = await this.catalog.execute(execution);
    for (const [key, value] of Object.entries(outcome.resources ?? {})) {
      if (value === null) delete this.resources[key];
      else this.resources[key] = value;
    }
    return outcome;
  }
}

describe.skipIf(!hasChromium)('browser nodes on Chromium', () => {
  let server: PageServer;
  let directory: string;
  const sessionsToClose: PlaywrightBrowserSessions[] = [];
  let runCount = 0;

  function newRun(): BrowserRun {
    const sessions = new PlaywrightBrowserSessions({ secrets });
    sessionsToClose.push(sessions);
    return new BrowserRun(sessions, `run-${++runCount}`, directory);
  }

  beforeAll(async () => {
    server = await servePages({ '/form': FORM, '/posted': POSTED });
    directory = await mkdtemp(join(tmpdir(), 'casare-browser-'));
  });
  afterEach(async () => {
    for (const sessions of sessionsToClose.splice(0)) await sessions.closeAll();
  });
  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('launches, navigates, reads the page and closes', async () => {
    const run = newRun();
    const launched = await run.run('BrowserLaunchNode', { browser_type: 'chromium', headless: true });
    expect(launched.outputs).toMatchObject({ page: 'default', url: 'about:blank' });
    expect(readPageHint(run.resources, 'default')).toEqual({ url: 'about:blank', actions: [] });

    const navigated = await run.run('GoToURLNode', { url: `${server.url}/form` });
    expect(navigated.outputs).toEqual({ url: `${server.url}/form`, status: 200 });

    expect((await run.run('BrowserGetTextNode', { selector: 'h1' })).outputs).toEqual({ text: 'Order form' });
    expect((await run.run('ExtractTextNode', { selector: '#title', variable_name: 'title' })).variables).toEqual({ title: 'Order form' });
    expect((await run.run('GetAttributeNode', { selector: 'h1', attribute: 'data-kind' })).outputs).toEqual({ value: 'form', attribute: 'data-kind' });
    expect((await run.run('GetCurrentUrlNode', {})).outputs).toEqual({ url: `${server.url}/form` });
    expect((await run.run('GetPageSourceNode', {})).outputs['html']).toContain('<h1 id="title"');
    expect((await run.run('BrowserEvaluateNode', { expression: 'document.title' })).outputs).toEqual({ result: 'Form' });
    expect((await run.run('RunScriptNode', { script: 'const n = document.querySelectorAll("option").length;\nreturn n * 2;' })).outputs).toEqual({
      result: 6,
    });
    expect((await run.run('WaitForElementNode', { selector: '#send' })).outputs).toEqual({ found: true });
    expect(await run.run('BrowserWaitNode', { wait_type: 'timeout', timeout: 500 })).toEqual({ outputs: {}, sleepMs: 500 });

    const shot = await run.run('BrowserScreenshotNode', { path: 'shots/form.png' });
    expect(shot.outputs).toEqual({ path: join(directory, 'shots/form.png') });
    expect(existsSync(join(directory, 'shots/form.png'))).toBe(true);

    const closed = await run.run('BrowserCloseNode', {});
    expect(closed.resources).toEqual({ 'browser:default': null });
    expect(run.sessions.hasLivePage(run.runId, 'default')).toBe(false);
  });

  it('records type, select and check as page-local actions, and forgets them when a document loads', async () => {
    const run = newRun();
    await run.run('BrowserNavigateNode', { url: `${server.url}/form` });
    await run.run('BrowserTypeNode', { selector: '#key', text: 'run-2:0' });
    await run.run('TypeTextNode', { selector: '#user', text: 'ada' });
    await run.run('SelectDropdownNode', { selector: '#size', value: 'm' });
    await run.run('BrowserCheckNode', { selector: '#gift' });
    // A same-document navigation keeps the form, so it keeps the actions.
    await run.run('BrowserClickNode', { selector: '#anchor' });

    expect(readPageHint(run.resources, 'default')).toEqual({
      url: `${server.url}/form#details`,
      actions: [
        { kind: 'type', selector: '#key', value: 'run-2:0', mode: 'fill' },
        { kind: 'type', selector: '#user', value: 'ada', mode: 'fill' },
        { kind: 'select', selector: '#size', value: 'm', by: 'value' },
        { kind: 'check', selector: '#gift', checked: true },
      ],
    });

    const submitted = await run.run('ClickElementNode', { selector: '#send' });
    expect(submitted.resources).toEqual({ 'browser:default': { url: `${server.url}/posted`, actions: [] } });
    expect(server.posts.at(-1)).toEqual({ key: 'run-2:0', user: 'ada', password: '', size: 'm', gift: 'yes' });
  });

  it('recovers a page after a crash: same URL, same form state, secrets resolved again but never recorded', async () => {
    const run = newRun();
    await run.run('BrowserLaunchNode', {});
    await run.run('BrowserNavigateNode', { url: `${server.url}/form` });
    await run.run('BrowserTypeNode', { selector: '#key', text: 'run-3:7' });
    await run.run('BrowserTypeNode', { selector: '#user', text: 'grace' });
    await run.run('BrowserTypeNode', { selector: '#password', text: PASSWORD }, { raw: { selector: '#password', text: '{{$secret:PORTAL_PASSWORD}}' } });
    await run.run('BrowserSelectNode', { selector: '#size', value: 'Large', select_by: 'label' });
    await run.run('BrowserCheckNode', { selector: '#gift', checked: true });

    expect(JSON.stringify(run.resources)).not.toContain(PASSWORD);
    expect(readPageHint(run.resources, 'default')?.actions[2]).toEqual({
      kind: 'type',
      selector: '#password',
      value: '{{$secret:PORTAL_PASSWORD}}',
      mode: 'fill',
      secret: true,
    });

    await run.crash();
    expect(run.sessions.hasLivePage(run.runId, 'default')).toBe(false);
    const postsBefore = server.posts.length;
    await run.run('BrowserClickNode', { selector: '#send' });

    expect(server.posts.length).toBe(postsBefore + 1);
    expect(server.posts.at(-1)).toEqual({ key: 'run-3:7', user: 'grace', password: PASSWORD, size: 'l', gift: 'yes' });
    expect(readPageHint(run.resources, 'default')?.url).toBe(`${server.url}/posted`);
  });

  it('records a value that mixes text and a secret as a template without the secret', async () => {
    const run = newRun();
    await run.run('BrowserNavigateNode', { url: `${server.url}/form` });
    await run.run(
      'BrowserTypeNode',
      { selector: '#user', text: `ada:${PASSWORD}` },
      { raw: { selector: '#user', text: '{{name}}:{{$secret:PORTAL_PASSWORD}}' } },
    );
    expect(readPageHint(run.resources, 'default')?.actions).toEqual([
      { kind: 'type', selector: '#user', value: 'ada:{{$secret:PORTAL_PASSWORD}}', mode: 'fill', secret: true },
    ]);

    await run.crash();
    expect((await run.run('BrowserEvaluateNode', { expression: 'document.querySelector("#user").value' })).outputs).toEqual({
      result: `ada:${PASSWORD}`,
    });
  });

  it('records a sensitive variable as a secret reference', async () => {
    const run = newRun();
    await run.run('BrowserNavigateNode', { url: `${server.url}/form` });
    await run.run(
      'BrowserTypeNode',
      { selector: '#password', text: PASSWORD },
      { raw: { selector: '#password', text: '{{portal_password}}' }, variables: { portal_password: PASSWORD, user: 'ada' } },
    );
    await run.run('BrowserTypeNode', { selector: '#user', text: 'ada' }, { raw: { selector: '#user', text: '{{user}}' }, variables: { user: 'ada' } });
    expect(readPageHint(run.resources, 'default')?.actions).toEqual([
      { kind: 'type', selector: '#password', value: '{{$secret:portal_password}}', mode: 'fill', secret: true },
      { kind: 'type', selector: '#user', value: 'ada', mode: 'fill' },
    ]);

    await run.crash();
    expect((await run.run('BrowserEvaluateNode', { expression: 'document.querySelector("#password").value' })).outputs).toEqual({ result: PASSWORD });
  });

  it('keeps several named pages per run, each with its own hint', async () => {
    const run = newRun();
    await run.run('BrowserNavigateNode', { url: `${server.url}/form`, page: 'orders' });
    await run.run('BrowserNavigateNode', { url: `${server.url}/posted`, page: 'receipts' });
    await run.run('BrowserTypeNode', { selector: '#user', text: 'lin', page: 'orders' });

    expect(readPageHint(run.resources, 'orders')?.actions).toHaveLength(1);
    expect(readPageHint(run.resources, 'receipts')).toEqual({ url: `${server.url}/posted`, actions: [] });
    expect((await run.run('BrowserGetTextNode', { selector: 'h1', page: 'receipts' })).outputs).toEqual({ text: 'Thank you' });

    await run.run('BrowserCloseNode', { page: 'receipts' });
    expect(Object.keys(run.resources)).toEqual(['browser:orders']);
    expect(run.sessions.hasLivePage(run.runId, 'orders')).toBe(true);
  });

  it('closes the page when a step is aborted, so the next attempt starts from the recorded state', async () => {
    const run = newRun();
    await run.run('BrowserNavigateNode', { url: `${server.url}/form` });
    await run.run('BrowserTypeNode', { selector: '#user', text: 'ada' });
    const timeout = new AbortController();
    const started = Date.now();
    const stuck = run.run('BrowserClickNode', { selector: '#never-there', timeout: 30_000 }, { signal: timeout.signal });
    setTimeout(() => timeout.abort(), 300);
    await expect(stuck).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.sessions.hasLivePage(run.runId, 'default')).toBe(false);

    expect((await run.run('BrowserEvaluateNode', { expression: 'document.querySelector("#user").value' })).outputs).toEqual({ result: 'ada' });
  });

  it('fails a node that needs a page the run never opened', async () => {
    const run = newRun();
    await expect(run.run('BrowserClickNode', { selector: '#send' }, { id: 'click_send' })).rejects.toThrow(BrowserPageNotOpenError);
    await expect(run.run('BrowserClickNode', { selector: '#send' }, { id: 'click_send' })).rejects.toThrow(/click_send.*"default" is not open/);
  });

  it('fails bad config with the node id and the field', async () => {
    const run = newRun();
    const missingUrl = run.run('BrowserNavigateNode', {}, { id: 'open_portal' });
    await expect(missingUrl).rejects.toThrow(NodeConfigError);
    await expect(run.run('BrowserNavigateNode', {}, { id: 'open_portal' })).rejects.toThrow('nodes.open_portal.config.url: required');
    await expect(run.run('BrowserClickNode', { selector: ['#send'] }, { id: 'press' })).rejects.toThrow(/nodes\.press\.config\.selector: expected text/);

    const catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions: run.sessions, secrets }));
    expect(
      catalog.validate(
        [
          { id: 'open_portal', type: 'GoToURLNode', config: {} },
          { id: 'press', type: 'BrowserClickNode', config: { selector: 42.5 } },
          { id: 'press_list', type: 'BrowserClickNode', config: { selector: ['#a'] } },
          { id: 'templated', type: 'BrowserNavigateNode', config: { url: '{{base_url}}/login', timeout: '{{t}}' } },
        ],
        () => [],
      ),
    ).toEqual([
      { code: 'CONFIG_INVALID', path: 'nodes.open_portal.config.url', message: 'required', nodeId: 'open_portal' },
      { code: 'CONFIG_INVALID', path: 'nodes.press_list.config.selector', message: 'expected text, got a list', nodeId: 'press_list' },
    ]);
  });
});
