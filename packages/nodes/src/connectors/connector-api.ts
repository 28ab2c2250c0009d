import { CasareError, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { isJsonObject } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { jsonOrNull } from '../http/http-transfer.js';

// What the connector nodes (Telegram, WhatsApp Cloud API, OpenAI-compatible LLMs) share: one JSON
// call to a service whose base URL the node may override (tests point it at a local stand-in), with
// the token sent in a header or path and never written into an error message or an outcome.

/** A connector's API refused the call or could not be reached. */
export class ConnectorApiError extends CasareError {
  constructor(
    /** Node whose call failed. */
    readonly nodeId: string,
    /** `CONNECTOR_AUTH_FAILED`, `CONNECTOR_FAILED` or `CONNECTOR_UNREACHABLE`. */
    readonly code: 'CONNECTOR_AUTH_FAILED' | 'CONNECTOR_FAILED' | 'CONNECTOR_UNREACHABLE',
    /** HTTP status, 0 when the service was not reached. */
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`nodes.${nodeId}: ${message}`, options);
    this.name = 'ConnectorApiError';
  }
}

/** One call: where (`base` + `path`), how, and what the service is called in messages. */
export interface ConnectorCall {
  readonly service: string;
  readonly base: string;
  /** Path after the base; may hold the token (Telegram), so it is never shown. */
  readonly path: string;
  /** The path as messages may show it. */
  readonly shownPath: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly headers?: Record<string, string>;
  readonly json?: Json;
  /** A multipart (`FormData`) or URL-encoded (`URLSearchParams`) form body. */
  readonly form?: FormData | URLSearchParams;
  readonly timeoutSeconds: number;
  /** Pulls the service's own error text out of a failed answer. */
  readonly errorOf?: (body: JsonObject) => string | undefined;
}

function baseUrl(base: string): URL {
  let url: URL;
  try {
    url = new URL(base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new ConfigFieldError('api_base_url', `not a valid URL: ${JSON.stringify(base)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigFieldError('api_base_url', `only http and https are supported, got ${url.protocol}`);
  return url;
}

/** Makes the call and returns the JSON answer; a non-2xx answer or a network failure throws. */
export async function callConnector(execution: NodeExecution, call: ConnectorCall): Promise<JsonObject> {
  if (!(call.timeoutSeconds > 0)) throw new ConfigFieldError('timeout', 'must be a positive number of seconds');
  const base = baseUrl(call.base);
  // './' keeps a path segment with a colon (Telegram's bot<id>:<token>) from reading as a URL scheme.
  const url = new URL(`./${call.path.replace(/^\/+/, '')}`, base);
  const shown = `${call.service} ${base.origin}${base.pathname.replace(/\/$/, '')}/${call.shownPath.replace(/^\/+/, '')}`;
  const headers = new Headers(call.headers);
  let body: BodyInit | undefined;
  if (call.form) body = call.form;
  else if (call.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(call.json);
  }
  const timeout = AbortSignal.timeout(Math.round(call.timeoutSeconds * 1000));
  let response: Response;
  try {
    response = await fetch(url, { method: call.method ?? 'POST', headers, body, signal: AbortSignal.any([execution.signal, timeout]) });
  } catch (error) {
    const reason = timeout.aborted
      ? `timed out after ${call.timeoutSeconds}s`
      : execution.signal.aborted
        ? 'was aborted'
        : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
    throw new ConnectorApiError(execution.node.id, 'CONNECTOR_UNREACHABLE', 0, `${shown} ${reason}`, { cause: error });
  }
  const answer = jsonOrNull(await response.text());
  const object: JsonObject = isJsonObject(answer) ? answer : {};
  if (!response.ok) {
    const detail = call.errorOf?.(object) ?? `HTTP ${response.status}`;
    const auth = response.status === 401 || response.status === 403;
    throw new ConnectorApiError(
      execution.node.id,
      auth ? 'CONNECTOR_AUTH_FAILED' : 'CONNECTOR_FAILED',
      response.status,
      `${shown} answered ${response.status}: ${detail}`,
    );
  }
  return object;
}

/** The token a node needs; missing is a config error on its field. */
export function requiredToken(value: string | undefined, field: string): string {
  if (!value || value.trim() === '') throw new ConfigFieldError(field, 'required (use {{$secret:NAME}} so it stays out of the workflow file)');
  return value.trim();
}
