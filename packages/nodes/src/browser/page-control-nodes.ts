import type { Json, JsonObject } from '@casare-rpa/domain';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { anyValue, boolean, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { milliseconds, outputVariableFields, outputVariableOf, pageFields, pageOf } from './browser-config.js';
import { closePageOnAbort, describePage, pageResources, runOnPage, type BrowserNodeDependencies } from './browser-step.js';

// Tabs, history, keys, scripts, dialogs and cookies. Every one of them is `world`: it navigates,
// presses, runs code or reads the page. Each records the page's hint after it (URL, cookies), so a
// tab opened here is reopened at its URL after a crash.

const WAIT_UNTIL = ['load', 'domcontentloaded', 'networkidle', 'commit'] as const;

/** A URL without a scheme means https, as v1 did. */
function absoluteUrl(url: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`;
}

/** NewTabNode: opens a new named page (`tab_name`) in the run's browser context, at `url` if given. */
export function newTabNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['NewTabNode'],
    config: z.looseObject({ tab_name: text('main'), url: optionalText(), timeout: milliseconds(30_000), wait_until: oneOf(WAIT_UNTIL, 'load') }),
    ports: { inputs: ['url'], outputs: ['page', 'tab_name', 'url'] },
    run: async (config, execution) => {
      const name = config.tab_name.trim() === '' ? 'main' : config.tab_name.trim();
      // Same context as the run's other pages: the new tab shares their cookies, as in v1.
      const page = await deps.sessions.openPage(execution.runId, name);
      const release = closePageOnAbort(execution, deps, name);
      try {
        if (config.url) await page.goto(absoluteUrl(config.url.trim()), { timeout: config.timeout, waitUntil: config.wait_until });
      } finally {
        release();
      }
      return { outputs: { page: name, tab_name: name, url: page.url() }, resources: pageResources(name, await describePage(page, [])) };
    },
  });
}

type HistoryMove = (page: Page, options: { timeout: number; waitUntil: (typeof WAIT_UNTIL)[number] }) => Promise<unknown>;

function historyNode(deps: BrowserNodeDependencies, types: readonly string[], move: HistoryMove, what: string): CatalogNodeHandler {
  return defineNode({
    types,
    config: z.looseObject({ timeout: milliseconds(30_000), wait_until: oneOf(WAIT_UNTIL, 'load'), ...pageFields }),
    ports: { outputs: ['url', 'navigated'] },
    run: (config, execution) => {
      // A page reopened after a crash (or by a retry) starts a new history: there is no entry to move to.
      const restored = !deps.sessions.hasLivePage(execution.runId, pageOf(config));
      return runOnPage(execution, deps, pageOf(config), async (page) => {
        if (restored) return { outputs: { url: page.url(), navigated: false }, logs: [`${what}: the page has no history entry to go to`] };
        const before = page.url();
        const response = await move(page, { timeout: config.timeout, waitUntil: config.wait_until });
        const navigated = response !== null || page.url() !== before;
        return { outputs: { url: page.url(), navigated }, ...(navigated ? {} : { logs: [`${what}: the page has no history entry to go to`] }) };
      });
    },
  });
}

/** GoBackNode. */
export const goBackNode = (deps: BrowserNodeDependencies) =>
  historyNode(deps, ['GoBackNode', 'BrowserGoBackNode'], (page, options) => page.goBack(options), 'GoBack');
/** GoForwardNode. */
export const goForwardNode = (deps: BrowserNodeDependencies) =>
  historyNode(deps, ['GoForwardNode', 'BrowserGoForwardNode'], (page, options) => page.goForward(options), 'GoForward');
/** RefreshPageNode: reloads the page (form state is lost, so the hint's actions reset). */
export const refreshPageNode = (deps: BrowserNodeDependencies) =>
  historyNode(deps, ['RefreshPageNode', 'ReloadPageNode'], (page, options) => page.reload(options), 'Refresh');

/** PressKeyNode: presses a key or chord (`Enter`, `Control+A`) on the focused element or on `selector`. */
export function pressKeyNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['PressKeyNode', 'BrowserPressKeyNode'],
    config: z.looseObject({ key: text('Enter'), selector: optionalText(), delay: milliseconds(0), timeout: milliseconds(30_000), ...pageFields }),
    ports: { inputs: ['key', 'selector'], outputs: ['key'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        if (config.key.trim() === '') throw new ConfigFieldError('key', 'must not be empty');
        try {
          if (config.selector) await page.locator(config.selector).first().press(config.key, { delay: config.delay, timeout: config.timeout });
          else await page.keyboard.press(config.key, { delay: config.delay });
        } catch (error) {
          if (error instanceof Error && /Unknown key/i.test(error.message)) throw new ConfigFieldError('key', `unknown key ${JSON.stringify(config.key)}`);
          throw error;
        }
        return { outputs: { key: config.key } };
      }),
  });
}

/** A script's result was not JSON (a DOM node, a function, a cycle): it cannot be recorded. */
export class ScriptResultNotJsonError extends Error {
  /** Stable code. */
  readonly code = 'SCRIPT_RESULT_NOT_JSON';
  /** The script returns the same kind of value on retry. */
  readonly retryable = false;
  constructor(
    /** The node. */
    readonly nodeId: string,
    /** Why the result is not JSON. */
    readonly reason: string,
  ) {
    super(`nodes.${nodeId}: the script's result is not JSON (${reason}); return plain data (text, numbers, lists, objects)`);
    this.name = 'ScriptResultNotJsonError';
  }
}

// Runs in the page: the user's code, then JSON.stringify there, so what comes back is exactly what
// JSON can carry (Playwright's own serialisation would turn a DOM node into {} silently).
const RUN_IN_PAGE = `async ({ source, args }) => {
  const run = new Function('args', '"use strict"; return (async () => {\\n' + source + '\\n})();');
  const value = await run(args);
  if (value === undefined) return { json: 'null' };
  if (value instanceof Node) return { problem: 'a DOM node' };
  if (typeof value === 'function') return { problem: 'a function' };
  try { return { json: JSON.stringify(value) }; } catch (error) { return { problem: String(error && error.message || error) }; }
}`;

/** BrowserRunScriptNode / RunJavaScriptNode: runs `script` in the page (a function body; `args` given), its JSON result on `result`. */
export function runScriptNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserRunScriptNode', 'RunJavaScriptNode'],
    config: z
      .looseObject({ script: optionalText(), code: optionalText(), args: anyValue(), timeout: milliseconds(30_000), ...pageFields, ...outputVariableFields })
      .refine((config) => Boolean(config.script ?? config.code), { error: 'required', path: ['script'] }),
    ports: { inputs: ['script', 'args'], outputs: ['result', 'success'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const source = config.script ?? config.code ?? '';
        // A bare expression (no `return`) is returned, as an evaluate would.
        const body = /(^|[\s;{}])return\b/.test(source) ? source : `return (${source});`;
        const run = page.evaluate<{ json?: string; problem?: string }>(`(${RUN_IN_PAGE})(${JSON.stringify({ source: body, args: config.args })})`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`script did not finish within ${config.timeout} ms`)), config.timeout);
        });
        const answer = await Promise.race([run, timeout]).finally(() => clearTimeout(timer));
        if (answer.problem !== undefined || answer.json === undefined) throw new ScriptResultNotJsonError(execution.node.id, answer.problem ?? 'no value');
        const result = JSON.parse(answer.json) as Json;
        const variable = outputVariableOf(config);
        return { outputs: { result, success: true }, ...(variable ? { variables: { [variable]: result } } : {}) };
      }),
  });
}

/** BrowserAlertHandleNode: waits for the next JavaScript dialog (clicking `trigger_selector` first, if set) and accepts or dismisses it. */
export function alertHandleNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['BrowserAlertHandleNode'],
    config: z.looseObject({
      action: oneOf(['accept', 'dismiss'], 'accept'),
      prompt_text: text(''),
      trigger_selector: optionalText(),
      timeout: milliseconds(30_000),
      ...pageFields,
    }),
    ports: { inputs: ['trigger_selector'], outputs: ['message', 'dialog_type', 'action_taken', 'success'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        // Listen before clicking: Playwright dismisses a dialog nobody listens for. The click
        // itself only completes once the dialog is handled, so it is awaited last.
        const dialog = page.waitForEvent('dialog', { timeout: config.timeout });
        const click = config.trigger_selector ? page.locator(config.trigger_selector).first().click({ timeout: config.timeout }) : undefined;
        click?.catch(() => undefined);
        let opened;
        try {
          opened = await Promise.race([dialog, ...(click ? [click.then(() => dialog)] : [])]);
        } catch (error) {
          await click;
          if (error instanceof Error && error.name === 'TimeoutError') {
            return { outputs: { message: 'Timeout: No dialog appeared', dialog_type: '', action_taken: config.action, success: false } };
          }
          throw error;
        }
        const message = opened.message();
        const type = opened.type();
        if (config.action === 'accept') await (type === 'prompt' && config.prompt_text !== '' ? opened.accept(config.prompt_text) : opened.accept());
        else await opened.dismiss();
        await click;
        return { outputs: { message, dialog_type: type, action_taken: config.action, success: true } };
      }),
  });
}

const cookieSchema = z.looseObject({ name: z.string(), value: z.string() });

function cookiesFrom(json: string, field: string): JsonObject[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ConfigFieldError(field, `invalid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((cookie, index) => {
    const checked = cookieSchema.safeParse(cookie);
    if (!checked.success) throw new ConfigFieldError(field, `cookie ${index} needs a text name and value`);
    return checked.data as JsonObject;
  });
}

/** CookieManagementNode: get, set, delete, delete_all, export, import the run's cookies. */
export function cookieManagementNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['CookieManagementNode'],
    config: z.looseObject({
      operation: oneOf(['get', 'set', 'delete', 'delete_all', 'export', 'import'], 'get'),
      cookie_name: text(''),
      cookie_value: text(''),
      cookies_json: text(''),
      cookies_input: text(''),
      domain: text(''),
      path: text('/'),
      expires: z.preprocess((value) => (value === '' || value === null ? undefined : value), z.coerce.number().min(0).default(0)),
      secure: boolean(false),
      http_only: boolean(false),
      same_site: oneOf(['None', 'Lax', 'Strict'], 'None'),
      ...pageFields,
    }),
    ports: { inputs: ['cookies_input'], outputs: ['cookies', 'cookie', 'success', 'count'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const context = page.context();
        const json = config.cookies_json !== '' ? config.cookies_json : config.cookies_input;
        const result = (cookies: readonly object[], cookie: object = {}, count = cookies.length) => ({
          outputs: { cookies: JSON.stringify(cookies), cookie: JSON.parse(JSON.stringify(cookie)) as JsonObject, success: true, count },
        });
        switch (config.operation) {
          case 'get': {
            const cookies = (await context.cookies()).filter((cookie) => config.cookie_name === '' || cookie.name === config.cookie_name);
            return result(cookies, cookies[0] ?? {});
          }
          case 'export':
            return result(await context.cookies(), {});
          case 'set':
          case 'import': {
            let cookies: JsonObject[];
            if (json !== '') cookies = cookiesFrom(json, config.cookies_json !== '' ? 'cookies_json' : 'cookies_input');
            else if (config.operation === 'set' && config.cookie_name !== '') {
              // v1 counted expiry from now; the clock is read here, inside the step.
              const expires = config.expires > 0 ? Date.now() / 1000 + config.expires : undefined;
              cookies = [
                {
                  name: config.cookie_name,
                  value: config.cookie_value,
                  secure: config.secure,
                  httpOnly: config.http_only,
                  // Chromium drops a SameSite=None cookie that is not Secure; v1's default (None) then
                  // means the browser's default instead of no cookie at all.
                  ...(config.same_site === 'None' && !config.secure ? {} : { sameSite: config.same_site }),
                  ...(expires === undefined ? {} : { expires }),
                  // Playwright takes a cookie's place as a domain and path, or as a URL.
                  ...(config.domain !== '' ? { domain: config.domain, path: config.path } : { url: new URL(config.path, page.url()).href }),
                },
              ];
            } else throw new ConfigFieldError(config.operation === 'set' ? 'cookie_name' : 'cookies_json', 'required');
            const withTarget = cookies.map((cookie) => ('domain' in cookie || 'url' in cookie ? cookie : { ...cookie, url: page.url() }));
            await context.addCookies(withTarget as never);
            return result(cookies, cookies[0] ?? {});
          }
          case 'delete': {
            if (config.cookie_name === '') throw new ConfigFieldError('cookie_name', 'required');
            await context.clearCookies({ name: config.cookie_name });
            return result([], { name: config.cookie_name }, 1);
          }
          case 'delete_all': {
            const count = (await context.cookies()).length;
            await context.clearCookies();
            return result([], {}, count);
          }
        }
      }),
  });
}

/** WaitForNavigationNode: waits until the page reaches `url_pattern` (glob, or regex with `url_use_regex`), or its load state. */
export function waitForNavigationNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['WaitForNavigationNode'],
    config: z.looseObject({
      timeout: milliseconds(30_000),
      wait_until: oneOf(WAIT_UNTIL, 'load'),
      url_pattern: text(''),
      url_use_regex: boolean(false),
      ...pageFields,
    }),
    ports: { outputs: ['url'] },
    // retry_count / retry_interval of v1 are the runner's step retries here.
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        if (config.url_pattern !== '') {
          let url: string | RegExp = config.url_pattern;
          if (config.url_use_regex) {
            try {
              url = new RegExp(config.url_pattern);
            } catch (error) {
              throw new ConfigFieldError('url_pattern', `invalid regular expression: ${(error as Error).message}`);
            }
          }
          await page.waitForURL(url, { timeout: config.timeout, waitUntil: config.wait_until });
        } else {
          await page.waitForLoadState(config.wait_until === 'commit' ? 'domcontentloaded' : config.wait_until, { timeout: config.timeout });
        }
        return { outputs: { url: page.url() } };
      }),
  });
}
