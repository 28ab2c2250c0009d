import { errorCodeOf, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { randomUUID } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';
import { FileOperationError } from '../files/file-actions.js';
import { resolveInside } from '../files/working-directory.js';
import { HttpRequestError, IDEMPOTENCY_KEY_HEADER } from './http-nodes.js';

// The HTTP plumbing the extra HTTP nodes share: URL and header checks, one fetch with timeout and
// the step's abort signal, and streaming a response body to a file in the working directory.

/** A parsed http(s) URL, or a config error on `field`. */
export function httpUrl(url: string, field = 'url'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigFieldError(field, `not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigFieldError(field, `only http and https URLs are supported, got ${parsed.protocol}`);
  return parsed;
}

/** Request headers from a config dictionary; a bad name or value is a config error on `field.<name>`. */
export function headersFrom(values: JsonObject, field = 'headers'): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(values)) {
    try {
      headers.set(name, textOf(value));
    } catch {
      throw new ConfigFieldError(`${field}.${name}`, 'not a valid HTTP header');
    }
  }
  return headers;
}

/** Text of a response body parsed as JSON, or null when it is not JSON. */
export function jsonOrNull(text: string): Json {
  try {
    return text === '' ? null : (JSON.parse(text) as Json);
  } catch {
    return null;
  }
}

/** Response headers as a dictionary. */
export function headersOf(response: Response): JsonObject {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/**
 * One request with a timeout in seconds and the step's abort signal; connection problems become
 * `HttpRequestError`s naming the node. A request other than GET carries the step's idempotency
 * key unless the workflow set one.
 */
export async function fetchWithin(
  execution: NodeExecution,
  url: URL,
  init: { method: string; headers: Headers; body?: BodyInit | undefined },
  timeoutSeconds: number,
): Promise<Response> {
  if (!(timeoutSeconds > 0)) throw new ConfigFieldError('timeout', 'must be a positive number of seconds');
  if (init.method !== 'GET' && !init.headers.has(IDEMPOTENCY_KEY_HEADER)) init.headers.set(IDEMPOTENCY_KEY_HEADER, execution.idempotencyKey);
  const timeout = AbortSignal.timeout(Math.round(timeoutSeconds * 1000));
  const signal = AbortSignal.any([execution.signal, timeout]);
  const where = `${init.method} ${url.origin}${url.pathname}`;
  try {
    return await fetch(url, { ...init, signal, redirect: 'follow' });
  } catch (error) {
    if (timeout.aborted) throw new HttpRequestError(execution.node.id, 'HTTP_TIMEOUT', `${where} timed out after ${timeoutSeconds}s`, { cause: error });
    if (execution.signal.aborted) throw new HttpRequestError(execution.node.id, 'HTTP_ABORTED', `${where} was aborted`, { cause: error });
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new HttpRequestError(execution.node.id, 'HTTP_FAILED', `${where} failed: ${reason}`, { cause: error });
  }
}

/** Where a download goes and whether it may replace a file. */
export interface DownloadTarget {
  readonly savePath: string;
  readonly overwrite: boolean;
  readonly createDirs: boolean;
  readonly allowOutside: boolean;
  /** Config field named when the path is refused (default `save_path`). */
  readonly field?: string;
}

/**
 * GETs `url` into a file of the working directory: the body streams to a temporary sibling that is
 * renamed over the target at the end, so a crash mid-download never leaves half a file.
 */
export async function downloadToFile(
  execution: NodeExecution,
  url: URL,
  headers: Headers,
  timeoutSeconds: number,
  target: DownloadTarget,
): Promise<{ file_path: string; file_size: number; status_code: number }> {
  const full = await resolveInside(execution.workingDirectory, target.savePath, target.field ?? 'save_path', target.allowOutside);
  const exists = await stat(full).then(
    () => true,
    () => false,
  );
  if (exists && !target.overwrite) {
    throw new FileOperationError(execution.node.id, 'Download File', target.savePath, 'EEXIST', 'the file exists and overwrite is false');
  }
  if (target.createDirs) await mkdir(dirname(full), { recursive: true });
  const response = await fetchWithin(execution, url, { method: 'GET', headers }, timeoutSeconds);
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new HttpRequestError(execution.node.id, 'HTTP_STATUS', `GET ${url.origin}${url.pathname} answered ${response.status}`);
  }
  const temporary = join(dirname(full), `.${basename(full)}.${randomUUID().slice(0, 8)}.part`);
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(temporary, { flags: 'wx' }));
    await rename(temporary, full);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof HttpRequestError) throw error;
    throw new HttpRequestError(
      execution.node.id,
      execution.signal.aborted ? 'HTTP_ABORTED' : 'HTTP_FAILED',
      `downloading ${url.origin}${url.pathname} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return { file_path: target.savePath, file_size: (await stat(full)).size, status_code: response.status };
}

/** POSTs a file of the working directory as multipart/form-data, with extra text fields. */
export async function uploadFile(
  execution: NodeExecution,
  url: URL,
  headers: Headers,
  timeoutSeconds: number,
  file: { path: string; fieldName: string; extraFields: JsonObject; allowOutside: boolean },
): Promise<{ response_body: string; response_json: Json; status_code: number; success: boolean; error: string }> {
  const full = await resolveInside(execution.workingDirectory, file.path, 'file_path', file.allowOutside);
  let blob: Blob;
  try {
    // openAsBlob does not always carry the errno: stat first so a missing file says ENOENT.
    await stat(full);
    blob = await openAsBlob(full);
  } catch (error) {
    throw new FileOperationError(execution.node.id, 'Upload File', file.path, errorCodeOf(error), error instanceof Error ? error.message : String(error));
  }
  const form = new FormData();
  form.append(file.fieldName, blob, basename(full));
  for (const [name, value] of Object.entries(file.extraFields)) form.append(name, textOf(value));
  const response = await fetchWithin(execution, url, { method: 'POST', headers, body: form }, timeoutSeconds);
  const text = await response.text();
  return {
    response_body: text,
    response_json: jsonOrNull(text),
    status_code: response.status,
    success: response.ok,
    error: response.ok ? '' : `HTTP ${response.status}`,
  };
}
