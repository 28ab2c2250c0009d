import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hasErrorCode, type RunStatus } from '@casare-rpa/application';
import { consolePageHtml, messagePageHtml } from './console-html.js';
import type { ConsoleRunFilter, ConsoleRunSource } from './run-source.js';
import { runViewOf } from './run-view.js';

const RUN_STATUSES: readonly RunStatus[] = ['pending', 'enqueued', 'succeeded', 'failed', 'cancelled'];
/** Header a state-changing request carries its token in; a cookie alone never authorizes one. */
export const CONSOLE_TOKEN_HEADER = 'x-casare-token';
/** Cookie the console sets once a page was opened with `?token=`, so links and polls carry it. */
export const CONSOLE_TOKEN_COOKIE = 'casare_console_token';
const MAX_BODY_BYTES = 16 * 1024;

/** How to start the console's HTTP server. */
export interface ConsoleServerOptions {
  readonly source: ConsoleRunSource;
  /** Address to bind; anything but loopback requires `token`. */
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Secret every request must present; required off loopback. */
  readonly token?: string;
  /** Directory holding the built `console.js` and `console.css`. */
  readonly assetsDir: string;
}

/** A running console. */
export interface ConsoleServer {
  /** Base URL, e.g. `http://127.0.0.1:8790/`. */
  readonly url: string;
  /** Stops accepting requests and closes open connections. */
  close(): Promise<void>;
}

/** The console was asked to listen off loopback without a token. */
export class ConsoleTokenRequiredError extends Error {
  /** Stable code. */
  readonly code = 'CONSOLE_TOKEN_REQUIRED';
  constructor(readonly host: string) {
    super(`the console listens on ${host}, not loopback: give it a token (--token or CASARE_CONSOLE_TOKEN)`);
    this.name = 'ConsoleTokenRequiredError';
  }
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A request the console refuses, with its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Serves the console: two pages (runs, one run), their assets and a JSON API over a
 * `ConsoleRunSource`. With a token, every request must present it (header, cookie or `?token=`);
 * state-changing requests are POSTs that carry the token in a header and come from the console's
 * own origin, so another site cannot drive them from a browser. Without a token (loopback only) a
 * random per-process key embedded in the pages plays the header's part.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = options.token === undefined || options.token === '' ? undefined : options.token;
  if (token === undefined && !isLoopbackHost(options.host)) throw new ConsoleTokenRequiredError(options.host);
  const actionKey = token ?? randomBytes(24).toString('base64url');
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) respondError(request, response, status, message);
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let url: URL;
    let path: string;
    try {
      url = new URL(request.url ?? '/', 'http://console.invalid');
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new HttpError(400, 'malformed request URL');
    }
    // Without a token the Host name is what keeps another site's pages out (DNS rebinding); with
    // one, the token does, and the console may be reached under any name (0.0.0.0, a proxy).
    if (token === undefined) checkHost(request);
    const presented = url.searchParams.get('token');
    if (token !== undefined) {
      const given = presented ?? headerOf(request, CONSOLE_TOKEN_HEADER) ?? cookieOf(request, CONSOLE_TOKEN_COOKIE);
      if (given === undefined || !sameSecret(given, token))
        throw new HttpError(401, given === undefined ? 'this console needs its token: open it with ?token=...' : 'wrong console token');
      if (presented !== null) response.setHeader('set-cookie', `${CONSOLE_TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const segments = path.split('/').filter((segment) => segment !== '');
    const isApi = segments[0] === 'api';
    if (isApi && segments[1] === 'runs' && segments.length === 4) {
      if (request.method !== 'POST') throw new HttpError(405, `${segments[3]} is a POST request`);
      return act(request, response, segments[2] as string, segments[3] as string);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new HttpError(405, `${request.method ?? '?'} is not allowed here`);
    if (segments.length === 0) return sendHtml(response, 200, consolePageHtml({ page: 'runs', actionKey }));
    if (segments[0] === 'runs' && segments.length === 2) {
      const runId = segments[1] as string;
      await knownRun(() => options.source.status(runId), runId);
      return sendHtml(response, 200, consolePageHtml({ page: 'run', runId, actionKey }));
    }
    if (segments[0] === 'assets' && segments.length === 2 && (segments[1] === 'console.js' || segments[1] === 'console.css')) {
      const name = segments[1];
      const body = await readFile(join(options.assetsDir, name)).catch(() => {
        throw new HttpError(500, `console asset ${name} is missing from ${options.assetsDir}: run npm run build`);
      });
      response.writeHead(200, {
        'content-type': name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
        'cache-control': 'no-cache',
      });
      response.end(body);
      return;
    }
    if (isApi && segments[1] === 'runs' && segments.length === 2) return sendJson(response, 200, await options.source.list(filterOf(url.searchParams)));
    if (isApi && segments[1] === 'runs' && segments.length === 3) {
      const runId = segments[2] as string;
      const run = await knownRun(() => options.source.status(runId), runId);
      const [steps, input] = await Promise.all([options.source.steps(runId), options.source.input(runId)]);
      return sendJson(response, 200, runViewOf(run, steps, input));
    }
    throw new HttpError(404, `nothing at ${path}`);
  }

  /** Only the names this server answers to: a page of another site that rebinds its DNS name to 127.0.0.1 gets nothing. */
  function checkHost(request: IncomingMessage): void {
    const host = request.headers.host;
    const port = (server.address() as AddressInfo | null)?.port;
    const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${options.host}:${port}`, `[${options.host}]:${port}`]);
    if (host === undefined || !allowed.has(host.toLowerCase())) throw new HttpError(400, `unexpected Host header ${host ?? '(none)'}`);
  }

  async function act(request: IncomingMessage, response: ServerResponse, runId: string, action: string): Promise<void> {
    const origin = headerOf(request, 'origin');
    const host = hostnameOf(`http://${request.headers.host ?? ''}`);
    if (origin === undefined || host === undefined || hostnameOf(origin) !== host)
      throw new HttpError(403, `cross-origin request refused (Origin ${origin ?? 'missing'})`);
    const key = headerOf(request, CONSOLE_TOKEN_HEADER);
    if (key === undefined || !sameSecret(key, actionKey))
      throw new HttpError(403, `a state-changing request needs the console's token in the ${CONSOLE_TOKEN_HEADER} header`);
    if (action !== 'cancel' && action !== 'resume' && action !== 'fork') throw new HttpError(404, `unknown action "${action}": use cancel, resume or fork`);
    const body = await readJsonBody(request);
    const run = await knownRun(() => options.source.status(runId), runId);
    const finished = run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled';
    if (action === 'cancel') {
      if (finished) throw new HttpError(409, `run ${runId} is ${run.status}: there is nothing to cancel`);
      await options.source.cancel(runId);
      return sendJson(response, 200, { runId, message: `Run ${runId} cancelled: it stops before its next step.` });
    }
    if (action === 'resume') {
      // A pending run may be executing elsewhere right now; an interrupted one is `casare recover`'s.
      if (run.status !== 'cancelled')
        throw new HttpError(409, `run ${runId} is ${run.status}: only a cancelled run is resumed here (casare recover takes interrupted ones)`);
      await options.source.resume(runId);
      return sendJson(response, 200, { runId, message: `Run ${runId} resumed after its last completed step.` });
    }
    const fromStep = (body as { fromStep?: unknown } | null)?.fromStep;
    if (typeof fromStep !== 'number' || !Number.isInteger(fromStep) || fromStep < 0)
      throw new HttpError(400, 'fork needs a JSON body { "fromStep": N } with N a whole number');
    const recorded = (await options.source.steps(runId)).length;
    if (fromStep > recorded) throw new HttpError(400, `run ${runId} recorded ${recorded} steps: fromStep must be 0..${recorded}`);
    const newRunId = await options.source.fork(runId, fromStep);
    return sendJson(response, 200, {
      runId: newRunId,
      message: `Run ${newRunId} forked from ${runId}: steps 0..${fromStep - 1} replayed, the rest executed again.`,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function filterOf(params: URLSearchParams): ConsoleRunFilter {
  const status = params.get('status') ?? '';
  if (status !== '' && !RUN_STATUSES.includes(status as RunStatus))
    throw new HttpError(400, `status must be one of ${RUN_STATUSES.join(', ')}, not "${status}"`);
  const limitText = params.get('limit') ?? '100';
  if (!/^\d+$/.test(limitText) || Number(limitText) === 0 || Number(limitText) > 1000)
    throw new HttpError(400, `limit must be a whole number from 1 to 1000, not "${limitText}"`);
  const workflow = params.get('workflow') ?? '';
  const queue = params.get('queue') ?? '';
  return {
    ...(status === '' ? {} : { status: status as RunStatus }),
    ...(workflow === '' ? {} : { workflow }),
    ...(queue === '' ? {} : { queue }),
    limit: Number(limitText),
  };
}

async function knownRun<T>(read: () => Promise<T>, runId: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (hasErrorCode(error, 'RUN_NOT_FOUND')) throw new HttpError(404, `no run with id ${runId}`);
    throw error;
  }
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(400, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return null;
  if (!(headerOf(request, 'content-type') ?? '').startsWith('application/json')) throw new HttpError(400, 'a request body must be application/json');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/**
 * The host name of a URL, undefined when unreadable. Origins are compared by name, whatever the
 * scheme and port (a TLS proxy may sit in front): a POST also needs the key a foreign page cannot read.
 */
function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // Everything is served from here: no CDN, no inline script, no framing by other sites.
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(html);
}

function respondError(request: IncomingMessage, response: ServerResponse, status: number, message: string): void {
  const wantsJson = (request.url ?? '').startsWith('/api/') || request.method === 'POST';
  if (wantsJson) sendJson(response, status, { error: message, status });
  else sendHtml(response, status, messagePageHtml(status, message));
}
