import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, dict, nonEmptyText, number, oneOf, optionalText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';
import { sendHttp, type HttpRequest, type HttpResponse } from './http-client.js';

/** The HTTP request could not complete (connection refused, DNS, reset) or timed out. */
export class HttpRequestError extends Error {
  constructor(
    /** Node whose request failed. */
    readonly nodeId: string,
    /** `HTTP_TIMEOUT`, `HTTP_ABORTED`, `HTTP_STATUS` or `HTTP_FAILED`. */
    readonly code: 'HTTP_TIMEOUT' | 'HTTP_ABORTED' | 'HTTP_STATUS' | 'HTTP_FAILED',
    message: string,
    options?: ErrorOptions,
  ) {
    super(`nodes.${nodeId}: ${message}`, options);
    this.name = 'HttpRequestError';
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Header carrying the step's idempotency key on every request that may change the world. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

const requestFields = {
  url: nonEmptyText(),
  headers: dict(),
  params: dict(),
  body: anyValue(),
  json_body: anyValue(),
  content_type: optionalText(),
  timeout: number(30),
  fail_on_error_status: boolean(false),
};

// HTTPSuperNode names the method `action`; HttpRequestNode names it `method`. Either is accepted.
const httpConfig = z
  .looseObject({ ...requestFields, method: oneOf(METHODS).optional(), action: oneOf(METHODS).optional() })
  .transform((config) => ({ ...config, verb: config.method ?? config.action ?? 'GET' }));

type HttpConfig = z.output<typeof httpConfig>;

function requestUrl(url: string, params: JsonObject): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigFieldError('url', `not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigFieldError('url', `only http and https URLs are supported, got ${parsed.protocol}`);
  for (const [name, value] of Object.entries(params)) parsed.searchParams.append(name, textOf(value));
  return parsed;
}

/** RFC 9110 token: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Request headers from the config, names in lower case; a bad name or value is a config error on `headers.<name>`. */
function requestHeaders(values: JsonObject): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const text = textOf(value);
    if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(text)) throw new ConfigFieldError(`headers.${name}`, 'not a valid HTTP header');
    headers[name.toLowerCase()] = text.trim();
  }
  return headers;
}

/** What JSON text can start with, after optional whitespace: anything else is not JSON. */
const JSON_START = /^[\s]*[[{"\-0-9tfn]/;

/** The body to send and the content type it implies (JSON for structured values and JSON text). */
function requestBody(body: Json, jsonBody: Json): { text: string; type: string } | undefined {
  const value = jsonBody !== null ? jsonBody : body;
  if (value === null || value === '') return undefined;
  if (typeof value === 'string') {
    // Most text bodies are not JSON: tell by their first character before paying for a SyntaxError.
    if (!JSON_START.test(value)) return { text: value, type: 'text/plain; charset=utf-8' };
    try {
      JSON.parse(value);
      return { text: value, type: 'application/json' };
    } catch {
      return { text: value, type: 'text/plain; charset=utf-8' };
    }
  }
  return { text: JSON.stringify(value), type: 'application/json' };
}

const httpRequestNode = defineNode({
  types: ['HTTPSuperNode', 'HttpRequestNode', 'HTTPRequestNode'],
  config: httpConfig,
  ports: {
    inputs: ['url', 'headers', 'body', 'params'],
    outputs: ['body', 'status_code', 'headers', 'json', 'success', 'url'],
  },
  run: async (config, execution) => {
    const url = requestUrl(config.url, config.params);
    if (config.timeout <= 0) throw new ConfigFieldError('timeout', 'must be a positive number of seconds');
    const headers = requestHeaders(config.headers);
    const body = config.verb === 'GET' ? undefined : requestBody(config.body, config.json_body);
    if (body && headers['content-type'] === undefined) headers['content-type'] = config.content_type ?? body.type;
    // Rule 3: the step in flight at a crash runs again with the same key, so the server can
    // deduplicate a POST it already applied. A key the workflow sets itself wins.
    if (config.verb !== 'GET' && headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] === undefined)
      headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = execution.idempotencyKey;
    return await exchange(config, execution, { method: config.verb, url, headers, body: body?.text });
  },
});

/**
 * Sends the request and reads the answer within the node's own timeout (`config.timeout`) and the
 * step's signal. One controller for both, its timer cleared when the request is over: composing
 * signals (`AbortSignal.any`) or arming `AbortSignal.timeout` costs more than the request itself.
 */
async function exchange(config: HttpConfig, execution: NodeExecution, request: Omit<HttpRequest, 'signal'>): Promise<NodeOutcome> {
  const { url } = request;
  const where = `${config.verb} ${url.origin}${url.pathname}`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    },
    Math.round(config.timeout * 1000),
  );
  const step = execution.signal;
  const stop = (): void => controller.abort(step.reason);
  if (step.aborted) stop();
  else step.addEventListener('abort', stop, { once: true });
  let response: HttpResponse;
  try {
    response = await sendHttp({ ...request, signal: controller.signal });
  } catch (error) {
    if (timedOut) throw new HttpRequestError(execution.node.id, 'HTTP_TIMEOUT', `${where} timed out after ${config.timeout}s`, { cause: error });
    if (step.aborted) throw new HttpRequestError(execution.node.id, 'HTTP_ABORTED', `${where} was aborted`, { cause: error });
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new HttpRequestError(execution.node.id, 'HTTP_FAILED', `${where} failed: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
    step.removeEventListener('abort', stop);
  }
  const { text, status } = response;
  let json: Json = null;
  try {
    json = text === '' || !JSON_START.test(text) ? null : (JSON.parse(text) as Json);
  } catch {
    json = null;
  }
  const ok = status >= 200 && status < 300;
  if (config.fail_on_error_status && !ok) throw new HttpRequestError(execution.node.id, 'HTTP_STATUS', `${where} answered ${status}`);
  return { outputs: { body: text, status_code: status, headers: response.headers, json, success: ok, url: response.url } };
}

/** HTTP request nodes (HTTPSuperNode, HttpRequestNode, HTTPRequestNode). */
export const httpNodeHandlers: readonly CatalogNodeHandler[] = [httpRequestNode];
