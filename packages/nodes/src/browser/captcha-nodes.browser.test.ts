import { existsSync } from 'node:fs';
import { ExecuteWorkflowUseCase, hasErrorCode, runFailureOf, type RunResult } from '@casare-rpa/application';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { workflowDoc, type WorkflowDocBuilder } from '@casare-rpa/domain/testing';
import { DirectContext, EventRecorder, MapSecretProvider, requireExternalService } from '@casare-rpa/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandlerNodeCatalog } from '../catalog/handler-node-catalog.js';
import { LLM_KEY, LlmStandIn } from '../llm/testing/llm-stand-in.js';
import { JsonStandIn, type ReceivedRequest, type StandInAnswer } from '../testing/json-stand-in.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { DEFAULT_CHROMIUM_PATH, PlaywrightBrowserSessions, browserNodeHandlers } from './index.js';
import { servePages, type PageServer } from './testing/page-server.js';

const chromiumPath = process.env['CASARE_CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
const hasChromium = requireExternalService('Chromium', existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);

const CAPTCHA_KEY = 'captcha-api-key-very-secret';
const RECAPTCHA_SITEKEY = '6Lc-test-recaptcha-sitekey';
const HCAPTCHA_SITEKEY = '10000000-ffff-ffff-ffff-000000000001';
const CAPTCHA_IMAGE = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#eee"/><text x="10" y="28" font-size="24">X7KP2</text></svg>')}`;
const tiles = (rows: number) =>
  Array.from(
    { length: rows },
    (_, row) =>
      `<tr>${Array.from({ length: 3 }, (_, col) => `<td class="rc-imageselect-tile" data-cell="${row + 1},${col + 1}" onclick="this.classList.toggle('picked')">${row * 3 + col}</td>`).join('')}</tr>`,
  ).join('');

const PAGES: Record<string, string> = {
  '/recaptcha': `<!doctype html><title>R</title><form method="post" action="/orders">
    <div class="g-recaptcha" data-sitekey="${RECAPTCHA_SITEKEY}" data-callback="onSolved"></div>
    <textarea id="g-recaptcha-response" name="g-recaptcha-response" style="display:none"></textarea><button>send</button></form>
    <script>window.solvedWith = ''; function onSolved(token) { window.solvedWith = token; }</script>`,
  '/recaptcha-v3': `<!doctype html><title>V3</title><script src="/recaptcha/api.js?render=6Lc-v3-key"></script><p>v3</p>`,
  '/hcaptcha': `<!doctype html><title>H</title><div class="h-captcha" data-sitekey="${HCAPTCHA_SITEKEY}"></div>
    <textarea name="h-captcha-response"></textarea><textarea name="g-recaptcha-response"></textarea>`,
  '/turnstile': `<!doctype html><title>T</title><div class="cf-turnstile" data-sitekey="0x4AAAAAAA-test"></div><input type="hidden" name="cf-turnstile-response">`,
  '/late': `<!doctype html><title>L</title><script>setTimeout(() => { const d = document.createElement('div'); d.className = 'g-recaptcha'; d.dataset.sitekey = 'late-key'; document.body.append(d); }, 300);</script>`,
  '/plain': '<!doctype html><title>P</title><p>nothing to see</p>',
  '/image': `<!doctype html><title>I</title><img id="captcha-image" src="${CAPTCHA_IMAGE}" width="120" height="40"><input id="answer" name="answer">`,
  '/grid': `<!doctype html><title>G</title><iframe title="recaptcha challenge expires in two minutes" src="/bframe" width="400" height="400"></iframe>`,
  '/bframe': `<!doctype html><div class="rc-imageselect-desc-wrapper">Select all images with bridges</div>
    <table class="rc-imageselect-table-33">${tiles(3)}</table><button id="recaptcha-verify-button" onclick="verify()">Verify</button>
    <style>td { width: 60px; height: 60px; border: 1px solid #999 } .picked { background: #9cf }</style>
    <script>function verify() { const picked = [...document.querySelectorAll('.picked')].map((td) => td.dataset.cell).join('|');
      if (picked === '1,2|2,2') parent.document.querySelector('iframe').style.display = 'none'; }</script>`,
};

/** How the stand-in 2Captcha answers: `ok` solves after one not-ready poll. */
type SolverMode = 'ok' | 'never' | 'garbage' | 'zero-balance';

/** A 2Captcha stand-in (in.php / res.php), checking the key. */
function answerAsSolver(mode: () => SolverMode): (request: ReceivedRequest) => StandInAnswer {
  let polls = 0;
  return (request): StandInAnswer => {
    const url = new URL(request.url, 'http://solver.invalid');
    const params = request.method === 'POST' ? new URLSearchParams(request.body) : url.searchParams;
    if (params.get('key') !== CAPTCHA_KEY) return { status: 200, body: { status: 0, request: 'ERROR_WRONG_USER_KEY' } };
    if (url.pathname === '/in.php') {
      if (mode() === 'zero-balance') return { status: 200, body: { status: 0, request: 'ERROR_ZERO_BALANCE' } };
      polls = 0;
      return { status: 200, body: { status: 1, request: '4711' } };
    }
    if (url.pathname === '/res.php' && params.get('id') === '4711') {
      if (mode() === 'garbage') return { status: 200, body: 'surprise' };
      polls += 1;
      if (mode() === 'never' || polls < 2) return { status: 200, body: { status: 0, request: 'CAPCHA_NOT_READY' } };
      return { status: 200, body: { status: 1, request: 'TOKEN-solved-by-stand-in', price: '0.00299' } };
    }
    return { status: 404, body: { status: 0, request: 'ERROR_NO_SUCH_METHOD' } };
  };
}

describe.skipIf(!hasChromium)('captcha nodes on Chromium with a stand-in solving service and vision model', () => {
  let pages: PageServer;
  let solver: JsonStandIn;
  let llm: LlmStandIn;
  let mode: SolverMode = 'ok';
  const toClose: PlaywrightBrowserSessions[] = [];
  let count = 0;

  /** A catalog of the browser nodes on its own sessions, and the run id to use with it. */
  const newCatalog = () => {
    const sessions = new PlaywrightBrowserSessions();
    toClose.push(sessions);
    return { catalog: new HandlerNodeCatalog(browserNodeHandlers({ sessions }), [sessions]), runId: `captcha-run-${++count}` };
  };

  /** Runs a workflow on a fresh catalog with the solver key as the secret `CAPTCHA_API_KEY`. */
  async function runFlow(document: WorkflowDocBuilder): Promise<{ result: RunResult; events: EventRecorder }> {
    const { catalog, runId } = newCatalog();
    const events = new EventRecorder();
    const useCase = new ExecuteWorkflowUseCase(catalog, events, new MapSecretProvider({ CAPTCHA_API_KEY: CAPTCHA_KEY, VISION_KEY: LLM_KEY }));
    try {
      return { result: await useCase.execute(new DirectContext(runId), { document: document.build() as unknown as Json }), events };
    } catch (error) {
      const failed = runFailureOf(error);
      if (failed) return { result: failed, events };
      throw error;
    }
  }

  /** Runs nodes one after the other on one page, each given the hints the previous ones recorded. */
  function pageRun() {
    const { catalog, runId } = newCatalog();
    let resources: JsonObject = {};
    let index = 0;
    return async (type: string, config: JsonObject, id = `n${index}`): Promise<NodeOutcome> => {
      const execution = aNodeExecution(type)
        .withId(id)
        .withConfig(config)
        .inRun(runId, index++)
        .withResources({ ...resources })
        .build();
      const outcome = await catalog.execute(execution);
      resources = { ...resources, ...(outcome.resources ?? {}) };
      return outcome;
    };
  }

  const solveConfig = (extra: JsonObject = {}): JsonObject => ({
    api_key: CAPTCHA_KEY,
    api_base_url: solver.base,
    poll_interval: 0.05,
    max_wait_time: 5,
    ...extra,
  });

  beforeAll(async () => {
    pages = await servePages(PAGES);
    solver = await JsonStandIn.start(answerAsSolver(() => mode));
    llm = await LlmStandIn.start();
  });
  afterEach(async () => {
    mode = 'ok';
    solver.received.length = 0;
    llm.server.received.length = 0;
    llm.replies.length = 0;
    for (const sessions of toClose.splice(0)) await sessions.closeAll();
  });
  afterAll(async () => {
    await pages.close();
    await solver.stop();
    await llm.server.stop();
  });

  it('detects reCAPTCHA v2 and v3, hCaptcha, Turnstile and image captchas with their site keys', async () => {
    const run = pageRun();
    const detect = async (path: string, captcha_type: string, timeout = 200) => {
      await run('GoToURLNode', { url: `${pages.url}${path}` });
      return (await run('DetectCaptchaNode', { captcha_type, timeout })).outputs;
    };
    expect(await detect('/recaptcha', 'recaptcha_v2')).toMatchObject({
      captcha_detected: true,
      captcha_type: 'recaptcha_v2',
      sitekey: RECAPTCHA_SITEKEY,
      page_url: `${pages.url}/recaptcha`,
      challenge_visible: false,
    });
    expect(await detect('/recaptcha-v3', 'auto')).toMatchObject({ captcha_detected: true, captcha_type: 'recaptcha_v3', sitekey: '6Lc-v3-key' });
    expect(await detect('/hcaptcha', 'hcaptcha')).toMatchObject({ captcha_detected: true, captcha_type: 'hcaptcha', sitekey: HCAPTCHA_SITEKEY });
    expect(await detect('/turnstile', 'auto')).toMatchObject({ captcha_detected: true, captcha_type: 'turnstile', sitekey: '0x4AAAAAAA-test' });
    expect(await detect('/image', 'image_captcha')).toMatchObject({ captcha_detected: true, captcha_type: 'image_captcha', sitekey: '' });
    expect(await detect('/grid', 'recaptcha_v2')).toMatchObject({ captcha_detected: true, challenge_visible: true });
    // Asking for hCaptcha on a reCAPTCHA page finds none, but lists what is there.
    expect(await detect('/recaptcha', 'hcaptcha')).toMatchObject({
      captcha_detected: false,
      captcha_type: '',
      captchas: [{ type: 'recaptcha_v2', sitekey: RECAPTCHA_SITEKEY }],
    });
    expect(await detect('/plain', 'auto')).toMatchObject({ captcha_detected: false, captchas: [] });
    // A widget rendered after the page loaded is waited for.
    expect(await detect('/late', 'recaptcha_v2', 3000)).toMatchObject({ captcha_detected: true, sitekey: 'late-key' });
  });

  it('solves a reCAPTCHA through the service with the key from a secret and injects the token, calling the callback', async () => {
    const { result, events } = await runFlow(
      workflowDoc()
        .node('open', 'GoToURLNode', { url: `${pages.url}/recaptcha` })
        .node('detect', 'DetectCaptchaNode', { timeout: 500 })
        .node('solve', 'SolveCaptchaNode', solveConfig({ api_key: '{{$secret:CAPTCHA_API_KEY}}', sitekey: '{{detect.sitekey}}' }))
        .node('read', 'RunJavaScriptNode', { script: "return document.querySelector('#g-recaptcha-response').value + '|' + window.solvedWith;" })
        .chain('open', 'detect', 'solve', 'read'),
    );
    expect(result.status).toBe('completed');
    expect(result.outputs['solve']).toEqual({ solved: true, token: 'TOKEN-solved-by-stand-in', cost: 0.00299 });
    expect(result.outputs['read']).toMatchObject({ result: 'TOKEN-solved-by-stand-in|TOKEN-solved-by-stand-in' });

    const submitted = new URLSearchParams(solver.received[0]?.body ?? '');
    expect(solver.received[0]).toMatchObject({ method: 'POST', url: '/in.php' });
    expect(Object.fromEntries(submitted)).toEqual({
      key: CAPTCHA_KEY,
      json: '1',
      pageurl: `${pages.url}/recaptcha`,
      method: 'userrecaptcha',
      googlekey: RECAPTCHA_SITEKEY,
    });
    expect(solver.received.slice(1).map((request) => request.method)).toEqual(['GET', 'GET']);
    expect(new URL(solver.received[2]?.url ?? '', solver.base).searchParams.get('action')).toBe('get');
    // The key came from the secret and reached neither the run's outputs nor its events.
    expect(JSON.stringify(result)).not.toContain(CAPTCHA_KEY);
    expect(JSON.stringify(events.events)).not.toContain(CAPTCHA_KEY);
  });

  it('solves an hCaptcha found on the page, filling h-captcha-response', async () => {
    const run = pageRun();
    await run('GoToURLNode', { url: `${pages.url}/hcaptcha` });
    const solved = await run('SolveCaptchaNode', solveConfig());
    expect(solved.outputs).toMatchObject({ solved: true, token: 'TOKEN-solved-by-stand-in' });
    expect(Object.fromEntries(new URLSearchParams(solver.received[0]?.body ?? ''))).toMatchObject({ method: 'hcaptcha', sitekey: HCAPTCHA_SITEKEY });
    const read = await run('RunJavaScriptNode', { script: "return [...document.querySelectorAll('textarea')].map((t) => t.name + '=' + t.value);" });
    expect(read.outputs['result']).toEqual(['h-captcha-response=TOKEN-solved-by-stand-in', 'g-recaptcha-response=TOKEN-solved-by-stand-in']);
  });

  it('fails clearly, naming the node: a slow service, a wrong key, an empty balance, an answer that is not its JSON, no site key', async () => {
    const run = pageRun();
    await run('GoToURLNode', { url: `${pages.url}/recaptcha` });
    mode = 'never';
    const timedOut = await run('SolveCaptchaNode', solveConfig({ max_wait_time: 1 }), 'slow').catch((error: unknown) => error);
    expect(hasErrorCode(timedOut, 'CAPTCHA_TIMEOUT')).toBe(true);
    expect((timedOut as Error).message).toBe('nodes.slow: the captcha service had no solution for task 4711 after 1s (raise max_wait_time)');
    expect(solver.received.length).toBeGreaterThan(3);

    mode = 'ok';
    const wrongKey = await run('SolveCaptchaNode', solveConfig({ api_key: 'wrong-key' }), 'badkey').catch((error: unknown) => error);
    expect(wrongKey).toMatchObject({ code: 'CONNECTOR_AUTH_FAILED', nodeId: 'badkey' });
    expect((wrongKey as Error).message).toBe('nodes.badkey: captcha service in.php refused: ERROR_WRONG_USER_KEY');

    mode = 'zero-balance';
    await expect(run('SolveCaptchaNode', solveConfig(), 'broke')).rejects.toMatchObject({
      code: 'CONNECTOR_FAILED',
      message: 'nodes.broke: captcha service in.php refused: ERROR_ZERO_BALANCE',
    });

    mode = 'garbage';
    await expect(run('SolveCaptchaNode', solveConfig(), 'odd')).rejects.toMatchObject({
      code: 'CONNECTOR_FAILED',
      message: 'nodes.odd: captcha service res.php answered without its { status, request } JSON: {}',
    });

    mode = 'ok';
    const unreachable = await run('SolveCaptchaNode', solveConfig({ api_base_url: 'http://127.0.0.1:1' }), 'down').catch((error: unknown) => error);
    expect(unreachable).toMatchObject({ code: 'CONNECTOR_UNREACHABLE', nodeId: 'down' });
    expect((unreachable as Error).message).toMatch(/^nodes\.down: captcha service http:\/\/127\.0\.0\.1:1\/in\.php /);
    expect((unreachable as Error).message).not.toContain(CAPTCHA_KEY);

    await run('GoToURLNode', { url: `${pages.url}/plain` });
    await expect(run('SolveCaptchaNode', solveConfig(), 'nokey')).rejects.toThrow('nodes.nokey.config.sitekey: not given and no site key found on the page');
    await expect(run('SolveCaptchaNode', solveConfig({ api_key: '' }), 'nokey')).rejects.toThrow(/^nodes\.nokey\.config\.api_key: required/);
    await expect(run('SolveCaptchaNode', solveConfig({ max_wait_time: 'soon' }), 'cfg')).rejects.toThrow(/nodes\.cfg\.config\.max_wait_time/);
  });

  it('reads a text captcha with the vision model (key from a secret) and types the answer into the field', async () => {
    llm.replies.push(' "X7KP2" ');
    const { result } = await runFlow(
      workflowDoc()
        .node('open', 'GoToURLNode', { url: `${pages.url}/image` })
        .node('solve', 'SolveCaptchaAINode', {
          api_key: '{{$secret:VISION_KEY}}',
          base_url: llm.baseUrl,
          model: 'models/vision-test',
          image_selector: '#captcha-image',
          input_selector: '#answer',
        })
        .node('read', 'RunJavaScriptNode', { script: "return document.querySelector('#answer').value;" })
        .chain('open', 'solve', 'read'),
    );
    expect(result.status).toBe('completed');
    expect(result.outputs['solve']).toEqual({ solved: true, attempts: 1, text: 'X7KP2' });
    expect(result.outputs['read']).toMatchObject({ result: 'X7KP2' });
    const sent = JSON.parse(llm.server.received[0]?.body ?? '{}') as {
      model: string;
      messages: Array<{ content: Array<{ type: string; image_url?: { url: string } }> }>;
    };
    expect(llm.server.received[0]?.headers.authorization).toBe(`Bearer ${LLM_KEY}`);
    expect(sent.model).toBe('vision-test');
    expect(sent.messages[0]?.content.map((part) => part.type)).toEqual(['text', 'image_url']);
    expect(sent.messages[0]?.content[1]?.image_url?.url).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(JSON.stringify(result)).not.toContain(LLM_KEY);
  });

  it("works v1's reCAPTCHA image grid: clicks the tiles the model names, asks again, verifies", async () => {
    llm.replies.push('(1,2), (2,2), (9,9)', 'NONE');
    const run = pageRun();
    await run('GoToURLNode', { url: `${pages.url}/grid` });
    const solved = await run('SolveCaptchaAINode', { api_key: LLM_KEY, base_url: llm.baseUrl, timeout: 10_000 });
    expect(solved.outputs).toEqual({ solved: true, attempts: 2, text: '' });
    expect(llm.server.received).toHaveLength(2);
    const asked = JSON.stringify(llm.server.bodyOf(0));
    expect(asked).toContain('Select all images with bridges');
    expect(asked).toContain('3x3');
    expect(asked).toContain('data:image/png;base64,');
  });

  it('vision failures name the node: a wrong key, an answer that is no captcha text, a missing image', async () => {
    const run = pageRun();
    await run('GoToURLNode', { url: `${pages.url}/image` });
    const config = { base_url: llm.baseUrl, image_selector: '#captcha-image', input_selector: '#answer', timeout: 10_000 };
    await expect(run('SolveCaptchaAINode', { ...config, api_key: 'wrong' }, 'ai')).rejects.toMatchObject({ code: 'CONNECTOR_AUTH_FAILED', nodeId: 'ai' });
    llm.replies.push('   ');
    await expect(run('SolveCaptchaAINode', { ...config, api_key: LLM_KEY }, 'ai')).rejects.toMatchObject({
      code: 'LLM_ANSWER_INVALID',
      message: expect.stringMatching(/^nodes\.ai: the model's answer is not the text of a captcha/) as unknown,
    });
    await expect(run('SolveCaptchaAINode', { ...config, api_key: LLM_KEY, image_selector: '#nope', timeout: 300 }, 'ai')).rejects.toThrow(/#nope/);
    await expect(run('SolveCaptchaAINode', { ...config, credential_id: 'google-1' }, 'ai')).rejects.toThrow(/^nodes\.ai\.config\.credential_id: /);
    await expect(run('SolveCaptchaAINode', { ...config, api_key: LLM_KEY, max_attempts: 0 }, 'ai')).rejects.toThrow(
      'nodes.ai.config.max_attempts: must be at least 1',
    );
  });
});
