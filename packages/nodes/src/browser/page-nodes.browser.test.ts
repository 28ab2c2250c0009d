import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireExternalService } from '@casare-rpa/testkit';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandlerNodeCatalog } from '../catalog/handler-node-catalog.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { DEFAULT_CHROMIUM_PATH, PlaywrightBrowserSessions, browserNodeHandlers, readPageHint } from './index.js';
import { servePages, type PageServer } from './testing/page-server.js';

const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PAGES: Record<string, string> = {
  '/one': '<!doctype html><title>One</title><h1>one</h1><a id="next" href="/two">two</a>',
  '/two': '<!doctype html><title>Two</title><h1>two</h1>',
  '/table': `<!doctype html><title>T</title><table id="t"><thead><tr><th>Name</th><th>Qty</th></tr></thead>
    <tbody><tr><td>Apple</td><td>3</td></tr><tr><td>Pear</td><td>5</td></tr></tbody></table>
    <img src="/logo.png" alt="logo"><img src="${PIXEL}"><div style="background-image:url('/bg.jpg')">x</div>`,
  '/form': `<!doctype html><title>F</title><form id="order" method="post" action="/orders">
    <label for="user">User</label><input id="user" name="user" required>
    <select id="size" name="size"><option value="s">S</option><option value="l">L</option></select>
    <input type="checkbox" id="gift" name="gift"><textarea name="note"></textarea></form>
    <input id="box"><button id="alert" onclick="alert('hello there')">a</button>
    <button id="ask" onclick="document.title = prompt('name?') || 'none'">p</button>`,
  '/file.txt': 'plain file body',
};

/** Runs nodes as a run does: each gets the hints the previous outcomes recorded. */
class BrowserRun {
  resources: Record<string, Json> = {};
  private step = 0;
  private catalog: HandlerNodeCatalog;
  constructor(
    public sessions: PlaywrightBrowserSessions,
    readonly runId: string,
    private readonly directory: string,
  ) {
    this.catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions }), [sessions]);
  }
  async crash(): Promise<void> {
    await this.sessions.closeAll();
    this.sessions = new PlaywrightBrowserSessions();
    this.catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions: this.sessions }), [this.sessions]);
  }
  async run(type: string, config: JsonObject): Promise<NodeOutcome> {
    const index = this.step++;
    const execution = aNodeExecution(type)
      .withId(`n${index}`)
      .withConfig(config)
      .inRun(this.runId, index)
      .withResources({ ...this.resources })
      .inDirectory(this.directory)
      .build();
    const outcome = await this.catalog.execute(execution);
    for (const [key, value] of Object.entries(outcome.resources ?? {})) {
      if (value === null) delete this.resources[key];
      else this.resources[key] = value;
    }
    return outcome;
  }
}

describe.skipIf(!hasChromium)('tab, history, script, dialog, cookie, download, table, image and form nodes on Chromium', () => {
  let server: PageServer;
  let directory: string;
  const toClose: PlaywrightBrowserSessions[] = [];
  let count = 0;
  const newRun = () => {
    const sessions = new PlaywrightBrowserSessions();
    toClose.push(sessions);
    return new BrowserRun(sessions, `page-run-${++count}`, directory);
  };

  beforeAll(async () => {
    server = await servePages(PAGES);
    directory = await mkdtemp(join(tmpdir(), 'casare-page-nodes-'));
  });
  afterEach(async () => {
    for (const sessions of toClose.splice(0)) await sessions.closeAll();
  });
  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('opens a tab at its URL and reopens it there after a crash', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/one` });
    const tab = await run.run('NewTabNode', { tab_name: 'second', url: `${server.url}/two` });
    expect(tab.outputs).toEqual({ page: 'second', tab_name: 'second', url: `${server.url}/two` });
    expect(readPageHint(run.resources, 'second')?.url).toBe(`${server.url}/two`);
    await run.crash();
    expect((await run.run('BrowserGetTextNode', { selector: 'h1', page: 'second' })).outputs).toEqual({ text: 'two' });
    expect((await run.run('BrowserGetTextNode', { selector: 'h1' })).outputs).toEqual({ text: 'one' });
  });

  it('goes back, forward and refreshes; a page restored after a crash has no history and says so', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/one` });
    await run.run('GoToURLNode', { url: `${server.url}/two` });
    expect((await run.run('GoBackNode', {})).outputs).toEqual({ url: `${server.url}/one`, navigated: true });
    expect((await run.run('GoForwardNode', {})).outputs).toEqual({ url: `${server.url}/two`, navigated: true });
    expect((await run.run('RefreshPageNode', {})).outputs).toMatchObject({ url: `${server.url}/two`, navigated: true });
    await run.run('GoToURLNode', { url: `${server.url}/one` });
    await run.run('RunJavaScriptNode', { script: "setTimeout(() => { location.href = '/two'; }, 200); return true;" });
    expect((await run.run('WaitForNavigationNode', { url_pattern: '**/two' })).outputs).toEqual({ url: `${server.url}/two` });
    await run.run('GoBackNode', {});
    await run.run('GoForwardNode', {});
    await run.crash();
    const back = await run.run('GoBackNode', {});
    expect(back.outputs).toEqual({ url: `${server.url}/two`, navigated: false });
    expect(back.logs).toEqual(['GoBack: the page has no history entry to go to']);
  });

  it('presses keys, runs scripts with a JSON-checked result, handles dialogs', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/form` });
    await run.run('TypeTextNode', { selector: '#box', text: 'abc' });
    await run.run('PressKeyNode', { selector: '#box', key: 'Backspace' });
    expect((await run.run('RunJavaScriptNode', { script: "document.querySelector('#box').value" })).outputs).toEqual({ result: 'ab', success: true });
    expect(
      (await run.run('BrowserRunScriptNode', { script: 'return { sum: args.a + args.b, list: [1, null] };', args: { a: 2, b: 3 } })).outputs['result'],
    ).toEqual({ sum: 5, list: [1, null] });
    await expect(run.run('RunJavaScriptNode', { script: 'document.body' })).rejects.toMatchObject({ code: 'SCRIPT_RESULT_NOT_JSON' });
    await expect(run.run('PressKeyNode', { key: 'NoSuchKey' })).rejects.toThrow(/config\.key: unknown key/);
    const alert = await run.run('BrowserAlertHandleNode', { trigger_selector: '#alert' });
    expect(alert.outputs).toEqual({ message: 'hello there', dialog_type: 'alert', action_taken: 'accept', success: true });
    await run.run('BrowserAlertHandleNode', { trigger_selector: '#ask', prompt_text: 'Ada' });
    expect((await run.run('RunJavaScriptNode', { script: 'document.title' })).outputs['result']).toBe('Ada');
    expect((await run.run('BrowserAlertHandleNode', { timeout: 200 })).outputs).toMatchObject({ success: false });
  });

  it('sets, reads and deletes cookies; a set cookie survives a crash through the hint', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/one` });
    await run.run('CookieManagementNode', { operation: 'set', cookie_name: 'session', cookie_value: 'abc' });
    const got = await run.run('CookieManagementNode', { operation: 'get', cookie_name: 'session' });
    expect(got.outputs).toMatchObject({ success: true, count: 1, cookie: { name: 'session', value: 'abc' } });
    await run.crash();
    expect((await run.run('CookieManagementNode', { operation: 'get' })).outputs['count']).toBe(1);
    await run.run('CookieManagementNode', { operation: 'delete', cookie_name: 'session' });
    expect((await run.run('CookieManagementNode', { operation: 'export' })).outputs).toMatchObject({ cookies: '[]', count: 0 });
    await expect(run.run('CookieManagementNode', { operation: 'import', cookies_json: '{oops' })).rejects.toThrow(/config\.cookies_json: invalid JSON/);
  });

  it('downloads into the working directory, never outside it', async () => {
    const run = newRun();
    const direct = await run.run('DownloadFileNode', { url: `${server.url}/file.txt` });
    expect(direct.outputs).toMatchObject({ path: join(directory, 'downloads', 'file.txt'), size: 15, success: true });
    expect(await readFile(join(directory, 'downloads', 'file.txt'), 'utf8')).toBe('plain file body');
    await run.run('GoToURLNode', { url: `${server.url}/one` });
    const again = await run.run('DownloadFileNode', { url: `${server.url}/file.txt`, use_browser: true, overwrite: false });
    expect(again.outputs['path']).toBe(join(directory, 'downloads', 'file_1.txt'));
    await expect(run.run('DownloadFileNode', { url: `${server.url}/file.txt`, save_path: '../escape.txt' })).rejects.toThrow(/config\.save_path/);
    await expect(run.run('DownloadFileNode', { url: `${server.url}/missing` })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
  });

  it('scrapes tables, lists images, detects forms and fills a field that recovery fills again', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/table` });
    expect((await run.run('TableScraperNode', { table_selector: '#t' })).outputs).toEqual({
      data: [
        { Name: 'Apple', Qty: '3' },
        { Name: 'Pear', Qty: '5' },
      ],
      headers: ['Name', 'Qty'],
      row_count: 2,
      column_count: 2,
    });
    expect((await run.run('GetAllImagesNode', {})).outputs).toEqual({ images: [`${server.url}/logo.png`, `${server.url}/bg.jpg`], count: 2 });
    expect((await run.run('GetAllImagesNode', { file_types: 'png', include_backgrounds: false })).outputs['count']).toBe(1);

    await run.run('GoToURLNode', { url: `${server.url}/form` });
    const forms = await run.run('DetectFormsNode', {});
    expect(forms.outputs['form_count']).toBe(1);
    expect(forms.outputs['forms']).toMatchObject([
      {
        id: 'order',
        method: 'post',
        field_count: 4,
        fields: [{ name: 'user', label: 'User', required: true, selector: '#user' }, { type: 'select-one' }, { type: 'checkbox' }, { tag: 'textarea' }],
      },
    ]);
    const first = await run.run('FormFieldNode', { selector: '#size', value: 'l', field_type: 'select' });
    const chain = await run.run('FormFieldNode', { selector: '#gift', value: 'true', field_type: 'checkbox', fields_in: first.outputs['fields_out'] ?? [] });
    expect(chain.outputs['fields_out']).toEqual([
      { selector: '#size', value: 'l', type: 'select', clear_first: true },
      { selector: '#gift', value: 'true', type: 'checkbox', clear_first: true },
    ]);
    expect((await run.run('FormFillerNode', { fields_in: chain.outputs['fields_out'] ?? [] })).outputs).toEqual({
      fields_filled: 2,
      form_data: { '#size': 'l', '#gift': 'true' },
    });
    expect((await run.run('FormFillerNode', { field_mapping: { '#user': 'ada' } })).outputs['fields_filled']).toBe(1);
    expect(readPageHint(run.resources, 'default')?.actions).toHaveLength(3);
    await run.crash();
    const state = await run.run('RunJavaScriptNode', { script: 'return [user.value, size.value, gift.checked]' });
    expect(state.outputs['result']).toEqual(['ada', 'l', true]);
    await run.run('FormFillerNode', { field_mapping: { '#user': 'bob' }, auto_submit: true, form_selector: '#order' });
    expect(server.posts.at(-1)).toMatchObject({ user: 'bob', size: 'l', gift: 'on' });
  });
});
