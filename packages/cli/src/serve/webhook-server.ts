import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json, JsonObject } from '@casare-rpa/domain';
import type { TriggerEvent } from '@casare-rpa/nodes';
import type { ServedWorkflow, WebhookTrigger } from './served-workflows.js';

/** What the server does with an accepted delivery: start (or find) the run and, if asked, wait for it. */
export interface WebhookDispatch {
  /** Starts the run with this id for the event; a run id that exists starts nothing. Resolves to whether the run existed. */
  startRun(workflow: ServedWorkflow, runId: string, event: TriggerEvent): Promise<{ readonly existed: boolean }>;
  /** Waits for a run and returns its report (`RunReport` of run-output.ts). */
  waitForRun(runId: string): Promise<JsonObject>;
  /** Resolves a `{{$secret:NAME}}` template (or returns a literal as is); undefined when the secret is not set. */
  resolveSecret(value: string): Promise<string | undefined>;
}

/** Headers that may hold credentials: never copied into a run's input. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** Longest delivery id used as is in a run id; longer ones are hashed. */
const MAX_DELIVERY_ID = 128;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP side of `casare serve`: one endpoint per WebhookTriggerNode. A delivery's id (header
 * `Idempotency-Key` or `X-Delivery-Id`, else a hash of its body) makes the run id, so a redelivery
 * starts nothing new (docs/architecture.md, rule 5). Every refusal is one line of JSON
 * `{"error": ...}` and starts nothing: 404 unknown endpoint, 405 method, 401 signature or
 * credentials, 413 body too large, 400 bad body.
 */
export class WebhookServer {
  readonly #routes = new Map<string, { workflow: ServedWorkflow; hook: WebhookTrigger }>();
  readonly #server: Server;

  constructor(
    workflows: readonly ServedWorkflow[],
    private readonly dispatch: WebhookDispatch,
  ) {
    for (const workflow of workflows) for (const hook of workflow.webhooks) this.#routes.set(hook.path, { workflow, hook });
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        sendJson(response, status, { error: error instanceof Error ? error.message : String(error) });
      });
    });
  }

  /** Starts listening; resolves to the port (useful with port 0). */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    return (this.#server.address() as AddressInfo).port;
  }

  /** Stops accepting connections and closes the open ones. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://casare.local');
    const route = this.#routes.get(url.pathname);
    if (route === undefined) throw new HttpError(404, `no webhook at ${url.pathname}`);
    const { workflow, hook } = route;
    const method = (request.method ?? 'GET').toUpperCase();
    const methods = hook.config.methods
      .split(',')
      .map((name) => name.trim().toUpperCase())
      .filter((name) => name !== '');
    if (!methods.includes(method)) throw new HttpError(405, `${url.pathname} accepts ${methods.join(', ')}, not ${method}`);
    const body = await readBody(request, hook.config.max_payload_size);
    await this.#authenticate(request, body, hook);
    const payload = parseBody(request, body, hook);
    const deliveryId = deliveryIdOf(request, body);
    const runId = `webhook:${workflow.key}:${hook.nodeId}:${deliveryId}`;
    const event: TriggerEvent = {
      node_id: hook.nodeId,
      type: 'WebhookTriggerNode',
      outputs: {
        payload,
        headers: safeHeaders(request, hook),
        query_params: Object.fromEntries(url.searchParams),
        method,
        path: url.pathname,
        client_ip: request.socket.remoteAddress ?? '',
        delivery_id: deliveryId,
      },
    };
    const { existed } = await this.dispatch.startRun(workflow, runId, event);
    const wait = url.searchParams.get('wait') === 'true' || hook.config.response_mode === 'wait_for_workflow';
    if (wait) {
      sendJson(response, 200, await this.dispatch.waitForRun(runId));
      return;
    }
    if (hook.config.response_mode === 'custom') {
      sendJson(response, hook.config.response_code, customBodyOf(hook.config.response_body));
      return;
    }
    sendJson(response, 202, { runId, duplicate: existed });
  }

  async #authenticate(request: IncomingMessage, body: Buffer, hook: WebhookTrigger): Promise<void> {
    const config = hook.config;
    if (config.validate_signature) {
      const secret = await this.dispatch.resolveSecret(config.secret);
      if (secret === undefined) throw new HttpError(500, `the secret of webhook ${hook.path} is not set`);
      const given =
        headerOf(request, config.signature_header)
          ?.trim()
          .replace(/^sha256=/i, '') ?? '';
      const expected = createHmac('sha256', secret).update(body).digest();
      const actual = /^[0-9a-f]+$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.alloc(0);
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
        throw new HttpError(401, `bad or missing ${config.signature_header} signature (HMAC-SHA256 of the raw body)`);
      }
    }
    if (config.auth_type === 'header') {
      const expected = await this.dispatch.resolveSecret(config.auth_header_value);
      if (!sameText(headerOf(request, config.auth_header_name), expected)) throw new HttpError(401, `bad or missing ${config.auth_header_name} header`);
    }
    if (config.auth_type === 'basic') {
      const password = await this.dispatch.resolveSecret(config.basic_password);
      const expected = `Basic ${Buffer.from(`${config.basic_username}:${password ?? ''}`).toString('base64')}`;
      if (password === undefined || !sameText(headerOf(request, 'authorization'), expected)) throw new HttpError(401, 'bad or missing basic credentials');
    }
  }
}

/** Constant-time text comparison; false when either side is missing. */
function sameText(given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined || expected === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The raw body, refused with 413 as soon as it passes `limit` bytes. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `body of ${declared} bytes is over the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new HttpError(413, `body is over the limit of ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The body as the run's payload: parsed JSON when it says it is JSON (or the node wants only JSON), else text. */
function parseBody(request: IncomingMessage, body: Buffer, hook: WebhookTrigger): Json {
  const type = (headerOf(request, 'content-type') ?? '').toLowerCase();
  const isJson = /^application\/([\w.+-]*\+)?json\b/.test(type);
  if (hook.config.json_only && !isJson && body.length > 0)
    throw new HttpError(400, `${hook.path} accepts only application/json bodies, not "${type || 'no content type'}"`);
  if (!isJson) return body.toString('utf8');
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as Json;
  } catch (error) {
    throw new HttpError(400, `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The delivery id a sender gives (`Idempotency-Key`, `X-Delivery-Id`), else a hash of the body. */
function deliveryIdOf(request: IncomingMessage, body: Buffer): string {
  const given = (headerOf(request, 'idempotency-key') ?? headerOf(request, 'x-delivery-id'))?.trim();
  if (given !== undefined && given !== '') {
    return given.length <= MAX_DELIVERY_ID && /^[\w.:@-]+$/.test(given) ? given : `h-${createHash('sha256').update(given).digest('hex')}`;
  }
  return `body-${createHash('sha256').update(body).digest('hex')}`;
}

/** Request headers without credentials or the signature, for the run's input (which is recorded). */
function safeHeaders(request: IncomingMessage, hook: WebhookTrigger): JsonObject {
  const dropped = new Set([...CREDENTIAL_HEADERS, hook.config.signature_header.toLowerCase(), hook.config.auth_header_name.toLowerCase()]);
  const headers: Record<string, Json> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || dropped.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The node's `response_body` as JSON: a JSON text is parsed, anything else sent as is. */
function customBodyOf(body: Json): Json {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as Json;
  } catch {
    return body;
  }
}

function sendJson(response: ServerResponse, status: number, body: Json): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
