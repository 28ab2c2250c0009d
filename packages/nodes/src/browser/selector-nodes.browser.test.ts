import { existsSync } from 'node:fs';
import { requireExternalService } from '@casare-rpa/testkit';
import type { JsonObject, NodeOutcome } from '@casare-rpa/domain';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandlerNodeCatalog } from '../catalog/handler-node-catalog.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { DEFAULT_CHROMIUM_PATH, PlaywrightBrowserSessions, browserNodeHandlers } from './index.js';
import { servePages, type PageServer } from './testing/page-server.js';

const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

// A picture no other part of the page looks like: every pixel a different mix of its coordinates.
async function patternPng(width: number, height: number, seed: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = (x * 37 + y * 11 + seed) % 256;
      pixels[at + 1] = (x * x + y * 7 * seed) % 256;
      pixels[at + 2] = ((x ^ y) * 5 + seed * 3) % 256;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const IMAGE_LEFT = 310;
const IMAGE_TOP = 170;

async function pages(): Promise<Record<string, string>> {
  const target = (await patternPng(120, 80, 1)).toString('base64');
  const decoy = (await patternPng(120, 80, 9)).toString('base64');
  return {
    '/login': `<!doctype html><title>Login</title>
      <nav><a href="/help">Help</a><a href="/forgot">Forgot password?</a></nav>
      <form id="login-form">
        <label for="f-1">User name</label><input id="f-1" class="css-8x1q">
        <label for="f-2">Password</label><input id="f-2" type="password" class="css-8x1q">
        <div class="css-1kq2"><button type="button" class="css-0a9">Sign in</button></div>
        <button type="button" class="css-0a9">Cancel</button>
      </form>
      <ul><li class="item">Apple</li><li class="item">Pear</li><li class="item">Plum</li></ul>
      <button data-testid="save-draft">Save draft</button>`,
    '/image': `<!doctype html><title>Image</title>
      <style>body { margin: 0; background: #fff; } img { position: absolute; image-rendering: pixelated; }</style>
      <img id="decoy" src="data:image/png;base64,${decoy}" style="left: 20px; top: 40px">
      <img id="target" src="data:image/png;base64,${target}" style="left: ${IMAGE_LEFT}px; top: ${IMAGE_TOP}px">
      <script>
        window.clicks = [];
        document.addEventListener('click', (event) => clicks.push({ x: event.clientX, y: event.clientY, id: event.target.id, detail: event.detail }));
      </script>`,
  };
}

/** Runs nodes as a run does: each gets the hints the previous outcomes recorded. */
class BrowserRun {
  private resources: JsonObject = {};
  private step = 0;
  private readonly catalog: HandlerNodeCatalog;
  constructor(
    sessions: PlaywrightBrowserSessions,
    private readonly runId: string,
  ) {
    this.catalog = new HandlerNodeCatalog(browserNodeHandlers({ sessions }), [sessions]);
  }
  async run(type: string, config: JsonObject): Promise<NodeOutcome> {
    const index = this.step++;
    const execution = aNodeExecution(type).withId(`n${index}`).withConfig(config).inRun(this.runId, index).withResources(this.resources).build();
    const outcome = await this.catalog.execute(execution);
    this.resources = { ...this.resources, ...outcome.resources };
    return outcome;
  }
  async clicks(): Promise<Array<{ x: number; y: number; id: string; detail: number }>> {
    return (await this.run('RunJavaScriptNode', { script: 'return window.clicks' })).outputs['result'] as never;
  }
}

describe.skipIf(!hasChromium)('selector and image click nodes on Chromium', () => {
  let server: PageServer;
  const toClose: PlaywrightBrowserSessions[] = [];
  let count = 0;
  const newRun = () => {
    const sessions = new PlaywrightBrowserSessions();
    toClose.push(sessions);
    return new BrowserRun(sessions, `selector-run-${++count}`);
  };

  beforeAll(async () => {
    server = await servePages(await pages());
  });
  afterEach(async () => {
    for (const sessions of toClose.splice(0)) await sessions.closeAll();
  });
  afterAll(async () => {
    await server.close();
  });

  it('SmartSelectorNode finds the described element and outputs selectors that match it alone', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/login` });
    const css = await run.run('SmartSelectorNode', { description: 'the sign in button of the login form' });
    expect(css.outputs).toMatchObject({ selector_type: 'css', is_unique: true, match_count: 1, element_description: 'button "Sign in"' });
    expect(css.outputs['confidence']).toBeGreaterThan(0.8);
    const alternatives = css.outputs['alternatives'] as JsonObject[];
    expect(alternatives).toEqual([
      { selector: 'internal:role=button[name="Sign in"i]', selector_type: 'playwright', match_count: 1 },
      { selector: expect.stringMatching(/^\/\/\*\[@id="login-form"\]\/div\/button$/), selector_type: 'xpath', match_count: 1 },
    ]);
    // Every selector names the button: clicking through any of them changes the same element.
    await run.run('RunJavaScriptNode', {
      script: "document.querySelector('.css-1kq2 button').onclick = () => { document.title = 'signed in'; }; return true;",
    });
    await run.run('BrowserClickNode', { selector: css.outputs['selector'] as string });
    expect((await run.run('RunJavaScriptNode', { script: 'document.title' })).outputs['result']).toBe('signed in');

    const auto = await run.run('SmartSelectorNode', { description: 'password field', selector_type: 'auto' });
    expect(auto.outputs).toMatchObject({ selector: 'internal:role=textbox[name="Password"i]', selector_type: 'playwright', is_unique: true });
    const testId = await run.run('SmartSelectorNode', { description: 'save draft', selector_type: 'auto' });
    expect(testId.outputs['selector']).toBe('internal:testid=[data-testid="save-draft"s]');
    const xpath = await run.run('SmartSelectorNode', { description: '"Forgot password?" link', selector_type: 'xpath' });
    expect(xpath.outputs).toMatchObject({ selector: '//html/body/nav/a[2]', selector_type: 'xpath', match_count: 1 });
    await expect(run.run('SmartSelectorNode', { description: 'the zebra carousel' })).rejects.toMatchObject({ code: 'ELEMENT_NOT_FOUND' });
  });

  it('SmartSelectorOptionsNode ranks several elements, each with counted selectors', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/login` });
    const outcome = await run.run('SmartSelectorOptionsNode', { description: 'button', option_count: 5 });
    const options = outcome.outputs['options'] as JsonObject[];
    expect(options.map((option) => option['element_description'])).toEqual(['button "Cancel"', 'button "Sign in"', 'button "Save draft"']);
    for (const option of options) {
      expect(option['is_unique']).toBe(true);
      expect((option['selectors'] as JsonObject[]).map((entry) => entry['match_count'])).toEqual([1, 1, 1]);
    }
    expect(outcome.outputs['best_selector']).toBe(options[0]?.['css_selector']);
  });

  it('RefineSelectorNode narrows a selector that is not unique, finds a lost one, and replaces a brittle one', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/login` });
    const narrowed = await run.run('RefineSelectorNode', { original_selector: 'li.item', description: 'pear' });
    expect(narrowed.outputs).toMatchObject({ original_match_count: 3, is_unique: true, match_count: 1, confidence: 1 });
    expect((await run.run('BrowserGetTextNode', { selector: narrowed.outputs['selector'] as string })).outputs['text']).toBe('Pear');

    const lost = await run.run('RefineSelectorNode', { original_selector: '#cancel-button', description: 'cancel', issue: 'not found' });
    expect(lost.outputs).toMatchObject({ selector: 'internal:role=button[name="Cancel"i]', original_match_count: 0, is_unique: true });

    const brittle = await run.run('RefineSelectorNode', { original_selector: 'form > input:nth-of-type(1)', description: 'user name', issue: 'unstable' });
    expect(brittle.outputs).toMatchObject({ selector: 'internal:role=textbox[name="User name"i]', selector_type: 'playwright', original_match_count: 1 });

    const wrong = await run.run('RefineSelectorNode', { original_selector: 'nav a >> nth=0', description: 'forgot password link', issue: 'wrong element' });
    expect((await run.run('BrowserGetTextNode', { selector: wrong.outputs['selector'] as string })).outputs['text']).toBe('Forgot password?');
  });

  it('ImageClickNode clicks the centre of the template found on the page, and fails when it is not there', async () => {
    const run = newRun();
    await run.run('GoToURLNode', { url: `${server.url}/image` });
    // A 40x30 piece of the target picture, cut at (50, 20): its centre is (70, 35) in the picture.
    const piece = await sharp(await patternPng(120, 80, 1))
      .extract({ left: 50, top: 20, width: 40, height: 30 })
      .png()
      .toBuffer();
    const clicked = await run.run('ImageClickNode', { image_template: piece.toString('base64') });
    expect(clicked.outputs).toMatchObject({
      match_x: IMAGE_LEFT + 50,
      match_y: IMAGE_TOP + 20,
      match_width: 40,
      match_height: 30,
      click_x: IMAGE_LEFT + 70,
      click_y: IMAGE_TOP + 35,
    });
    expect(clicked.outputs['similarity']).toBeGreaterThan(0.99);
    expect(await run.clicks()).toEqual([{ x: IMAGE_LEFT + 70, y: IMAGE_TOP + 35, id: 'target', detail: 1 }]);

    // v1's healing context carries the template too; offsets move the click, click_count 2 double-clicks.
    await run.run('ImageClickNode', {
      selector_healing_context: { cv_template: { image_base64: `${piece.toString('base64')}` } },
      click_offset_x: -60,
      click_count: 2,
    });
    expect((await run.clicks()).slice(1)).toEqual([
      { x: IMAGE_LEFT + 10, y: IMAGE_TOP + 35, id: 'target', detail: 1 },
      { x: IMAGE_LEFT + 10, y: IMAGE_TOP + 35, id: 'target', detail: 2 },
    ]);

    const absent = await patternPng(40, 30, 200);
    await expect(run.run('ImageClickNode', { image_template: absent.toString('base64'), timeout: 600 })).rejects.toMatchObject({
      code: 'IMAGE_TEMPLATE_NOT_FOUND',
    });
    await expect(run.run('ImageClickNode', { image_template: Buffer.from('not an image').toString('base64') })).rejects.toThrow(
      /config\.image_template: the template is not an image/,
    );
    expect(await run.clicks()).toHaveLength(3);
  });
});
