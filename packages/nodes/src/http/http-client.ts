import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';

// The HTTP client of the request nodes: undici's `request` (the library behind Node's `fetch`,
// without the WHATWG streams, request cloning and signal composition `fetch` pays for on every
// call), with fetch's redirect rules. Loaded on first use, like every heavy library of the catalog.

/** A request as the HTTP nodes build it. */
export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Aborts the request, its redirects and the read of its body. */
  readonly signal: AbortSignal;
}

/** The answer after redirects, its body read as text. */
export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The URL that answered: the request's, or the last redirect's. */
  readonly url: string;
  readonly text: string;
}

/** Redirects followed before giving up, as `fetch` does. */
export const MAX_REDIRECTS = 20;

/** A redirect that cannot be followed: too many, or to something other than http(s). */
export class HttpRedirectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpRedirectError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

let undici: Promise<typeof Undici> | undefined;

/** Sends `request`, following redirects the way `fetch` does with `redirect: 'follow'`. */
export async function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  const { request: send } = await (undici ??= import('undici'));
  let { method, url, body } = request;
  let headers: Record<string, string> = { ...request.headers };
  for (let redirects = 0; ; redirects += 1) {
    const answer = await send(url, { method, headers, body, signal: request.signal });
    const location = answer.headers['location'];
    if (!REDIRECTS.has(answer.statusCode) || typeof location !== 'string') {
      return { status: answer.statusCode, headers: flatHeaders(answer.headers), url: url.href, text: await answer.body.text() };
    }
    await answer.body.dump();
    if (redirects === MAX_REDIRECTS) throw new HttpRedirectError(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new HttpRedirectError(`redirect to ${next.protocol} refused`);
    // Fetch's rules: 303 (and 301/302 after a POST) continue as a GET without the body.
    if (answer.statusCode === 303 ? method !== 'HEAD' : (answer.statusCode === 301 || answer.statusCode === 302) && method === 'POST') {
      method = 'GET';
      body = undefined;
      headers = withoutBodyHeaders(headers);
    }
    // Credentials stay with their origin.
    if (next.origin !== url.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}

function flatHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('content-')) kept[name] = value;
  }
  return kept;
}
