import { setTimeout as delay } from 'node:timers/promises';
import { CasareError, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { boolean, integer, number, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { callConnector, ConnectorApiError, requiredToken } from '../connectors/connector-api.js';
import { milliseconds, pageFields, pageOf } from './browser-config.js';
import { runOnPage, type BrowserNodeDependencies } from './browser-step.js';
import { CAPTCHA_KINDS, captchaOfKind, scanForCaptchas, type CaptchaKind, type CaptchaScan } from './captcha-scan.js';

// Captchas: DetectCaptchaNode reads the page; SolveCaptchaNode pays a solving service (2Captcha's
// in.php/res.php API, which Anti-Captcha and others also answer, as v1 did) for a token and puts
// it into the page. Both are `world` nodes: what the page shows and what the service answers are
// recorded, never asked again on replay.

/** The solving service did not answer with a token within `max_wait_time`. */
export class CaptchaTimeoutError extends CasareError {
  /** Stable code. */
  readonly code = 'CAPTCHA_TIMEOUT' as const;
  constructor(
    /** The node. */
    readonly nodeId: string,
    /** The service's id of the task. */
    readonly requestId: string,
    /** Seconds waited. */
    readonly waitedSeconds: number,
  ) {
    super(`nodes.${nodeId}: the captcha service had no solution for task ${requestId} after ${waitedSeconds}s (raise max_wait_time)`);
    this.name = 'CaptchaTimeoutError';
  }
}

/** v1's selector of the reCAPTCHA image challenge. */
const CHALLENGE_SELECTOR = "iframe[title*='recaptcha challenge'], .rc-imageselect";

/** DetectCaptchaNode: waits up to `timeout` for a captcha of `captcha_type` (`auto`: any) on the page. */
export function detectCaptchaNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['DetectCaptchaNode'],
    config: z.looseObject({
      captcha_type: oneOf(['auto', ...CAPTCHA_KINDS], 'recaptcha_v2'),
      challenge_selector: text(CHALLENGE_SELECTOR),
      timeout: milliseconds(5000),
      ...pageFields,
    }),
    ports: { inputs: ['captcha_type'], outputs: ['captcha_detected', 'captcha_type', 'sitekey', 'page_url', 'captchas', 'challenge_visible'] },
    run: (config, execution) =>
      runOnPage(execution, deps, pageOf(config), async (page) => {
        const deadline = Date.now() + config.timeout;
        let scan: CaptchaScan = await scanForCaptchas(page, config.challenge_selector);
        // A widget script renders its iframe some time after the page loaded.
        while (!captchaOfKind(scan, config.captcha_type) && Date.now() < deadline) {
          await delay(Math.min(100, Math.max(0, deadline - Date.now())), undefined, { signal: execution.signal });
          scan = await scanForCaptchas(page, config.challenge_selector);
        }
        const found = captchaOfKind(scan, config.captcha_type);
        return {
          outputs: {
            captcha_detected: found !== undefined,
            captcha_type: found?.type ?? '',
            sitekey: found?.sitekey ?? '',
            page_url: page.url(),
            captchas: scan.captchas.map((captcha) => ({ type: captcha.type, sitekey: captcha.sitekey })),
            challenge_visible: scan.challengeVisible,
          },
          logs: [found ? `captcha found: ${found.type} (${found.evidence})${found.sitekey ? ` site key ${found.sitekey}` : ''}` : 'no captcha found'],
        };
      }),
  });
}

/** Answers of 2Captcha meaning the key is wrong, not the task. */
const AUTH_ERRORS = new Set(['ERROR_WRONG_USER_KEY', 'ERROR_KEY_DOES_NOT_EXIST', 'ERROR_IP_NOT_ALLOWED', 'IP_BANNED']);

/** The solving service's answer `{ status: 1, request: <id or token> }`; anything else throws naming the node. */
function serviceAnswer(execution: NodeExecution, endpoint: string, answer: JsonObject): { ready: boolean; value: string } {
  const request = typeof answer['request'] === 'string' ? answer['request'] : undefined;
  if (answer['status'] === 1 && request) return { ready: true, value: request };
  if (request === 'CAPCHA_NOT_READY' || request === 'CAPTCHA_NOT_READY') return { ready: false, value: request };
  if (request === undefined || answer['status'] === undefined) {
    throw new ConnectorApiError(
      execution.node.id,
      'CONNECTOR_FAILED',
      200,
      `captcha service ${endpoint} answered without its { status, request } JSON: ${JSON.stringify(answer).slice(0, 200)}`,
    );
  }
  const text = typeof answer['error_text'] === 'string' ? `${request} (${answer['error_text']})` : request;
  throw new ConnectorApiError(
    execution.node.id,
    AUTH_ERRORS.has(request) ? 'CONNECTOR_AUTH_FAILED' : 'CONNECTOR_FAILED',
    200,
    `captcha service ${endpoint} refused: ${text}`,
  );
}

/** The in.php parameters of a task for `kind`. */
function taskParameters(
  kind: CaptchaKind,
  sitekey: string,
  config: { invisible: boolean; enterprise: boolean; action: string; min_score: number },
): Record<string, string> {
  switch (kind) {
    case 'hcaptcha':
      return { method: 'hcaptcha', sitekey };
    case 'turnstile':
      return { method: 'turnstile', sitekey };
    case 'recaptcha_v3':
      return {
        method: 'userrecaptcha',
        googlekey: sitekey,
        version: 'v3',
        action: config.action,
        min_score: String(config.min_score),
        ...(config.enterprise ? { enterprise: '1' } : {}),
      };
    default:
      return {
        method: 'userrecaptcha',
        googlekey: sitekey,
        ...(config.invisible ? { invisible: '1' } : {}),
        ...(config.enterprise ? { enterprise: '1' } : {}),
      };
  }
}

// Runs in the page: puts the token in the widget's response fields and calls the site's callback
// (the widget's `data-callback`, or the one reCAPTCHA keeps in `___grecaptcha_cfg`), as the widget
// itself would once solved.
function injectToken({ token, kind }: { token: string; kind: string }): { fields: number; callback: string } {
  const names =
    kind === 'hcaptcha' ? ['h-captcha-response', 'g-recaptcha-response'] : kind === 'turnstile' ? ['cf-turnstile-response'] : ['g-recaptcha-response'];
  const fields = new Set<HTMLInputElement | HTMLTextAreaElement>();
  for (const name of names) {
    document
      .querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(`textarea[name="${name}"], input[name="${name}"], #${name}`)
      .forEach((field) => fields.add(field));
  }
  for (const field of fields) {
    field.value = token;
    field.dispatchEvent(new Event('input', { bubbles: true }));
    field.dispatchEvent(new Event('change', { bubbles: true }));
  }
  const scope = window as unknown as Record<string, unknown>;
  const call = (callback: unknown, name: string): string => {
    const target = typeof callback === 'string' ? scope[callback] : callback;
    if (typeof target !== 'function') return '';
    (target as (value: string) => void)(token);
    return typeof callback === 'string' ? callback : name;
  };
  const widget = document.querySelector(kind === 'hcaptcha' ? '.h-captcha' : kind === 'turnstile' ? '.cf-turnstile' : '.g-recaptcha');
  const named = widget?.getAttribute('data-callback');
  if (named) {
    const called = call(named, named);
    if (called) return { fields: fields.size, callback: called };
  }
  if (kind.startsWith('recaptcha')) {
    const config = scope['___grecaptcha_cfg'] as { clients?: Record<string, unknown> } | undefined;
    const search = (value: unknown, depth: number): string => {
      if (depth > 4 || typeof value !== 'object' || value === null) return '';
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'callback' && (typeof inner === 'function' || typeof inner === 'string')) {
          const called = call(inner, '___grecaptcha_cfg callback');
          if (called) return called;
        }
        const deeper = search(inner, depth + 1);
        if (deeper) return deeper;
      }
      return '';
    };
    return { fields: fields.size, callback: search(config?.clients, 0) };
  }
  return { fields: fields.size, callback: '' };
}

const TWO_CAPTCHA = 'https://2captcha.com';

/**
 * SolveCaptchaNode: sends the page's captcha (site key and URL) to a 2Captcha-style solving service,
 * polls `res.php` every `poll_interval` seconds for at most `max_wait_time`, and (with `auto_inject`)
 * puts the token into the page and calls the site's callback. It spends money per task and the
 * service's API takes no idempotency key: a step that crashes after submitting submits (and pays)
 * again when it runs again; a completed step is never repeated.
 */
export function solveCaptchaNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['SolveCaptchaNode'],
    // Paying a service is an effect on the world: its step ends here and is never replayed once done.
    effect: 'world',
    config: z.looseObject({
      api_key: optionalText(),
      sitekey: optionalText(),
      page_url: optionalText(),
      captcha_type: oneOf(['auto', 'recaptcha_v2', 'recaptcha_v3', 'hcaptcha', 'turnstile'], 'auto'),
      invisible: boolean(false),
      enterprise: boolean(false),
      action: text('verify'),
      min_score: number(0.3),
      max_wait_time: integer(120),
      poll_interval: number(5),
      auto_inject: boolean(true),
      api_base_url: text(TWO_CAPTCHA),
      timeout: number(30),
      ...pageFields,
    }),
    ports: { inputs: ['sitekey', 'page_url'], outputs: ['solved', 'token', 'cost'] },
    run: (config, execution) => {
      const key = requiredToken(config.api_key, 'api_key');
      if (config.max_wait_time < 1) throw new ConfigFieldError('max_wait_time', 'must be at least 1 second');
      if (!(config.poll_interval > 0)) throw new ConfigFieldError('poll_interval', 'must be a positive number of seconds');
      return runOnPage(execution, deps, pageOf(config), async (page) => {
        const scan = config.sitekey && config.captcha_type !== 'auto' ? undefined : await scanForCaptchas(page, CHALLENGE_SELECTOR);
        const found = scan ? captchaOfKind(scan, config.captcha_type === 'auto' ? 'auto' : config.captcha_type) : undefined;
        const kind: CaptchaKind = config.captcha_type !== 'auto' ? config.captcha_type : found && found.type !== 'image_captcha' ? found.type : 'recaptcha_v2';
        const sitekey = config.sitekey ?? found?.sitekey ?? '';
        if (sitekey === '') throw new ConfigFieldError('sitekey', 'not given and no site key found on the page');
        const pageUrl = config.page_url ?? page.url();
        const service = { service: 'captcha service', base: config.api_base_url, timeoutSeconds: config.timeout };
        const submitted = await callConnector(execution, {
          ...service,
          path: 'in.php',
          shownPath: 'in.php',
          form: new URLSearchParams({ key, json: '1', pageurl: pageUrl, ...taskParameters(kind, sitekey, config) }),
        });
        const requestId = serviceAnswer(execution, 'in.php', submitted).value;
        const started = Date.now();
        let token = '';
        let last: JsonObject = {};
        for (;;) {
          const left = config.max_wait_time * 1000 - (Date.now() - started);
          if (left <= 0) throw new CaptchaTimeoutError(execution.node.id, requestId, config.max_wait_time);
          await delay(Math.min(config.poll_interval * 1000, left), undefined, { signal: execution.signal });
          const query = new URLSearchParams({ key, action: 'get', id: requestId, json: '1' });
          last = await callConnector(execution, { ...service, method: 'GET', path: `res.php?${query}`, shownPath: `res.php?action=get&id=${requestId}` });
          const answer = serviceAnswer(execution, 'res.php', last);
          if (answer.ready) {
            token = answer.value;
            break;
          }
        }
        const logs = [`captcha ${kind} solved by the service (task ${requestId}) in ${Math.round((Date.now() - started) / 100) / 10}s`];
        if (config.auto_inject) {
          const injected = await page.evaluate(injectToken, { token, kind });
          logs.push(
            injected.fields === 0 && injected.callback === ''
              ? 'the page has no response field and no callback for the token: nothing injected'
              : `token put into ${injected.fields} response field(s)${injected.callback ? `, callback ${injected.callback} called` : ''}`,
          );
        }
        const price = last['price'] ?? last['cost'];
        const cost: Json =
          typeof price === 'number' ? price : typeof price === 'string' && price.trim() !== '' && Number.isFinite(Number(price)) ? Number(price) : null;
        return { outputs: { solved: true, token, cost }, logs };
      });
    },
  });
}
