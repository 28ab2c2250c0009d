import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, dict, nonEmptyText, number, oneOf, optionalText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';

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

function hasHeader(headers: Headers, name: string): boolean {
  return headers.has(name);
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

function headersOf(response: Response): JsonObject {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
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
    const headers = new Headers();
    for (const [name, value] of Object.entries(config.headers)) {
      try {
        headers.set(name, textOf(value));
      } catch {
        throw new ConfigFieldError(`headers.${name}`, 'not a valid HTTP header');
      }
    }
    const body = config.verb === 'GET' ? undefined : requestBody(config.body, config.json_body);
    if (body && !hasHeader(headers, 'content-type')) headers.set('content-type', config.content_type ?? body.type);
    // Rule 3: the step in flight at a crash runs again with the same key, so the server can
    // deduplicate a POST it already applied. A key the workflow sets itself wins.
    if (config.verb !== 'GET' && !hasHeader(headers, IDEMPOTENCY_KEY_HEADER)) headers.set(IDEMPOTENCY_KEY_HEADER, execution.idempotencyKey);

    // A timer cleared when the request is over: `AbortSignal.timeout` would stay armed for the full
    // timeout after every request and build its abort reason when it fires.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('The operation timed out.', 'TimeoutError')), Math.round(config.timeout * 1000));
    try {
      return await exchange(config, execution, url, headers, body, timeout.signal);
    } finally {
      clearTimeout(timer);
    }
  },
});

/** Sends the request and reads the answer; `timeout` is the node's own timeout (`config.timeout`). */
async function exchange(
  config: HttpConfig,
  execution: NodeExecution,
  url: URL,
  headers: Headers,
  body: { text: string; type: string } | undefined,
  timeout: AbortSignal,
): Promise<NodeOutcome> {
  const signal = AbortSignal.any([execution.signal, timeout]);
  let response: Response;
  try {
    response = await fetch(url, { method: config.verb, headers, body: body?.text, signal, redirect: 'follow' });
  } catch (error) {
    if (timeout.aborted)
      throw new HttpRequestError(execution.node.id, 'HTTP_TIMEOUT', `${config.verb} ${url.origin}${url.pathname} timed out after ${config.timeout}s`, {
        cause: error,
      });
    if (execution.signal.aborted)
      throw new HttpRequestError(execution.node.id, 'HTTP_ABORTED', `${config.verb} ${url.origin}${url.pathname} was aborted`, { cause: error });
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new HttpRequestError(execution.node.id, 'HTTP_FAILED', `${config.verb} ${url.origin}${url.pathname} failed: ${reason}`, { cause: error });
  }
  const text = await response.text();
  let json: Json = null;
  try {
    json = text === '' || !JSON_START.test(text) ? null : (JSON.parse(text) as Json);
  } catch {
    json = null;
  }
  if (config.fail_on_error_status && !response.ok) {
    throw new HttpRequestError(execution.node.id, 'HTTP_STATUS', `${config.verb} ${url.origin}${url.pathname} answered ${response.status}`);
  }
  return {
    outputs: {
      body: text,
      status_code: response.status,
      headers: headersOf(response),
      json,
      success: response.ok,
      url: response.url,
    },
  };
}

/** HTTP request nodes (HTTPSuperNode, HttpRequestNode, HTTPRequestNode). */
export const httpNodeHandlers: readonly CatalogNodeHandler[] = [httpRequestNode];
