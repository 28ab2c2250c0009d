import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { isJsonArray, isJsonObject, list, number, optionalText } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { downloadToFile, httpUrl } from '../http/http-transfer.js';
import { callConnector, requiredToken } from './connector-api.js';

// The one shape of every Google Workspace node (Gmail, Sheets, Drive): an OAuth access token from
// a secret, a base URL tests point at a local stand-in, JSON calls through `callConnector`. Each API
// is a table of operations (gmail-nodes.ts, sheets-nodes.ts, drive-nodes.ts); an operation names its
// v1 types, its own config fields and outputs, and says which calls it makes. Obtaining and
// refreshing the token (OAuth2TokenExchangeNode, a service account) is the workflow's business.

/** Config fields every Google node has. */
export const googleFields = { access_token: optionalText(), api_base_url: optionalText(), timeout: number(60) };

const googleConfig = z.object(googleFields);

type GoogleConfig = z.output<typeof googleConfig>;

/** Query parameters; undefined and '' are left out, lists repeat the parameter. */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** One Google REST API: its name in messages and its production base URL. */
export interface GoogleService {
  readonly name: 'Gmail' | 'Sheets' | 'Drive';
  readonly base: string;
}

/** What an operation calls Google with: bound to the node's execution, token and base URL. */
export interface GoogleApi {
  readonly execution: NodeExecution;
  /** One JSON call; the answer's object (an empty one for 204). */
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, request?: { query?: Query; json?: Json; form?: FormData }): Promise<JsonObject>;
  /** Streams `path` into a working-directory file (`field` names the config field of `savePath`). */
  download(path: string, query: Query, savePath: string, field: string, allowOutside: boolean): Promise<string>;
}

/** One row of an API's table. */
export interface GoogleOperation<F extends z.ZodRawShape> {
  /** v1 type names, aliases included. */
  readonly types: readonly string[];
  /** The node's own config fields (the token, base URL and timeout are added). */
  readonly fields: F;
  /** Data input ports; defaults to the own fields. */
  readonly inputs?: readonly string[];
  /** Outputs besides `success` and `error`. */
  readonly outputs: readonly string[];
  /** The calls; returns the outputs (`success`/`error` default to true and ''). */
  run(config: z.output<z.ZodObject<F & typeof googleFields>>, api: GoogleApi): Promise<JsonObject>;
}

function googleError(body: JsonObject): string | undefined {
  return isJsonObject(body['error']) && typeof body['error']['message'] === 'string' ? body['error']['message'] : undefined;
}

function withQuery(path: string, query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === '') continue;
    if (typeof value === 'object') for (const item of value) params.append(name, item);
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

function apiFor(service: GoogleService, config: GoogleConfig, execution: NodeExecution): GoogleApi {
  const token = () => requiredToken(config.access_token, 'access_token');
  const base = config.api_base_url ?? service.base;
  return {
    execution,
    call: (method, path, request = {}) =>
      callConnector(execution, {
        service: service.name,
        base,
        path: withQuery(path, request.query),
        shownPath: path,
        method,
        headers: { authorization: `Bearer ${token()}` },
        timeoutSeconds: config.timeout,
        errorOf: googleError,
        ...(request.form ? { form: request.form } : request.json !== undefined ? { json: request.json } : {}),
      }),
    download: async (path, query, savePath, field, allowOutside) => {
      const url = httpUrl(`${base.replace(/\/+$/, '')}/${withQuery(path, query)}`, 'api_base_url');
      const saved = await downloadToFile(execution, url, new Headers({ authorization: `Bearer ${token()}` }), config.timeout, {
        savePath,
        overwrite: true,
        createDirs: true,
        allowOutside,
        field,
      });
      return saved.file_path;
    },
  };
}

/** The catalog handlers of one API's table. */
export function googleNodes(service: GoogleService, operations: readonly CatalogRow[]): CatalogNodeHandler[] {
  return operations.map((row) => row(service));
}

/** A table row, waiting for the service it belongs to. */
export type CatalogRow = (service: GoogleService) => CatalogNodeHandler;

/** Declares one operation: a row of an API's table. */
export function operation<F extends z.ZodRawShape>(definition: GoogleOperation<F>): CatalogRow {
  return (service) =>
    defineNode({
      types: definition.types,
      config: z.looseObject({ ...googleFields, ...definition.fields }),
      ports: { inputs: definition.inputs ?? Object.keys(definition.fields), outputs: [...definition.outputs, 'success', 'error'] },
      run: async (parsed, execution) => {
        // zod cannot name the output of a generic shape merged with googleFields; it is this one.
        const config = parsed as z.output<z.ZodObject<F & typeof googleFields>>;
        const outputs = await definition.run(config, apiFor(service, googleConfig.parse(parsed), execution));
        return { outputs: { success: true, error: '', ...outputs } };
      },
    });
}

// ---------------------------------------------------------------------------------------------
// Helpers the tables share

/** `body[key]` when it is an object, else an empty one. */
export function objectAt(body: Json | undefined, key: string): JsonObject {
  const value = isJsonObject(body) ? body[key] : undefined;
  return isJsonObject(value) ? value : {};
}

/** `body[key]` when it is a list, else an empty one. */
export function listAt(body: Json | undefined, key: string): Json[] {
  const value = isJsonObject(body) ? body[key] : undefined;
  return isJsonArray(value) ? [...value] : [];
}

/** A list field that also takes a comma-separated text (v1 saved lists of ids and paths both ways). */
export function itemList(fallback: readonly Json[] = []) {
  return z.preprocess((value) => (typeof value === 'string' && !value.trim().startsWith('[') ? value.split(',') : value), list(fallback));
}

/** The non-empty text items of a list. */
export function textItems(value: readonly Json[]): string[] {
  return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)).trim()).filter((item) => item !== '');
}

/** A list of ids that must not be empty nor longer than `most`. */
export function idList(value: readonly Json[], field: string, most = 1000): string[] {
  const ids = textItems(value);
  if (ids.length === 0) throw new ConfigFieldError(field, 'must list at least one id');
  if (ids.length > most) throw new ConfigFieldError(field, `at most ${most} ids per node`);
  return ids;
}

/** The outcome of a batch node's items. */
export interface BatchResult {
  readonly results: JsonObject[];
  readonly done: number;
  readonly failed: number;
}

/**
 * Runs `each` on every item in order; a failure is recorded in the results (and stops the batch
 * unless `continueOnError`), so one bad item does not lose what the others did. `label` says which
 * item a result is about.
 */
export async function eachOf<T>(
  items: readonly T[],
  continueOnError: boolean,
  label: (item: T) => JsonObject,
  each: (item: T, index: number) => Promise<JsonObject>,
): Promise<BatchResult> {
  const results: JsonObject[] = [];
  let failed = 0;
  for (const [index, item] of items.entries()) {
    try {
      results.push({ ...label(item), success: true, ...(await each(item, index)) });
    } catch (error) {
      failed += 1;
      results.push({ ...label(item), success: false, error: (error as Error).message });
      if (!continueOnError) break;
    }
  }
  return { results, done: results.length - failed, failed };
}

/** `success`/`error` outputs of a batch: false and a count when anything failed. */
export function batchStatus(batch: BatchResult, what: string): JsonObject {
  return { success: batch.failed === 0, error: batch.failed === 0 ? '' : `${batch.failed} ${what} failed` };
}

/** `encodeURIComponent`, for ids in paths. */
export const segment = encodeURIComponent;
