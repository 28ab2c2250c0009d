import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { anyValue, boolean, dict, isJsonArray, isJsonObject, nonEmptyText, number, oneOf, optionalText, text, tryParseJson } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { downloadToFile, fetchWithin, headersFrom, headersOf, httpUrl, jsonOrNull, uploadFile } from './http-transfer.js';

/** Data given to ParseJsonResponseNode is not JSON, or its path leads nowhere and no default is set. */
export class JsonPathError extends Error {
  constructor(
    /** Node that failed. */
    readonly nodeId: string,
    /** `JSON_INVALID` or `JSON_PATH_NOT_FOUND`. */
    readonly code: 'JSON_INVALID' | 'JSON_PATH_NOT_FOUND',
    message: string,
  ) {
    super(`nodes.${nodeId}: ${message}`);
    this.name = 'JsonPathError';
  }
}

/** An OAuth 2.0 endpoint answered with an error. */
export class OAuth2Error extends Error {
  /** Stable code. */
  readonly code = 'OAUTH2_FAILED';
  constructor(
    /** Node that failed. */
    readonly nodeId: string,
    /** The `error` the endpoint returned (`invalid_client`...), or `http_<status>`. */
    readonly oauthError: string,
    message: string,
  ) {
    super(`nodes.${nodeId}: ${message}`);
    this.name = 'OAuth2Error';
  }
}

// ---------------------------------------------------------------------------------------------
// Authentication headers

const SECRET_REFERENCE = /\{\{\s*\$secret:/;

/**
 * Outputs are stored in the run's state and secrets in them are masked, so a header built from a
 * `{{$secret:...}}` would reach the next node as `***` (or, for Basic, as base64 of the secret). The
 * node refuses instead and says where the secret belongs.
 */
function refuseSecretField(execution: NodeExecution, field: string): void {
  const raw = execution.node.config[field];
  if (typeof raw === 'string' && SECRET_REFERENCE.test(raw)) {
    throw new ConfigFieldError(
      field,
      'a secret cannot travel to another node through outputs (they are stored, and secrets in them are masked); put it in the request node itself, e.g. headers: {"Authorization": "Bearer {{$secret:NAME}}"}',
    );
  }
}

type AuthKind = 'bearer' | 'basic' | 'apikey';

function authKind(value: string): AuthKind | undefined {
  const word = value
    .trim()
    .toLowerCase()
    .replace(/[_\s-]/g, '');
  return word === 'bearer' || word === 'basic' || word === 'apikey' ? word : undefined;
}

const authTypeField = z
  .preprocess((value) => (value === null || value === '' ? undefined : value), z.string().default('Bearer'))
  .refine((value) => authKind(value) !== undefined, {
    error: 'expected Bearer, Basic or ApiKey',
  });

/** Headers with the authentication the config asks for added to `base`. */
function authHeaders(
  execution: NodeExecution,
  config: { auth_type: string; token?: string | undefined; username?: string | undefined; password?: string | undefined },
  headerName: string,
  base: JsonObject,
): JsonObject {
  const kind = authKind(config.auth_type) as AuthKind;
  const headers: Record<string, Json> = { ...base };
  if (kind === 'basic') {
    refuseSecretField(execution, 'username');
    refuseSecretField(execution, 'password');
    if (!config.username) throw new ConfigFieldError('username', 'required for Basic authentication');
    if (!config.password) throw new ConfigFieldError('password', 'required for Basic authentication');
    headers['Authorization'] = `Basic ${Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64')}`;
  } else {
    refuseSecretField(execution, 'token');
    if (!config.token) throw new ConfigFieldError('token', kind === 'bearer' ? 'required for Bearer authentication' : 'required for API key authentication');
    if (kind === 'bearer') headers['Authorization'] = `Bearer ${config.token}`;
    else headers[headerName] = config.token;
  }
  return headers;
}

const httpAuthNode = defineNode({
  types: ['HttpAuthNode'],
  effect: 'pure',
  config: z.looseObject({
    auth_type: authTypeField,
    token: optionalText(),
    username: optionalText(),
    password: optionalText(),
    api_key_name: text('X-API-Key'),
    base_headers: dict(),
  }),
  ports: { inputs: ['auth_type', 'token', 'username', 'password', 'api_key_name', 'base_headers'], outputs: ['headers'] },
  run: (config, execution) => ({ outputs: { headers: authHeaders(execution, config, config.api_key_name, config.base_headers) } }),
});

const setHttpHeadersNode = defineNode({
  types: ['SetHttpHeadersNode'],
  effect: 'pure',
  config: z.looseObject({ base_headers: dict(), header_name: optionalText(), header_value: optionalText(), headers_json: text('{}') }),
  ports: { inputs: ['base_headers', 'header_name', 'header_value', 'headers_json'], outputs: ['headers'] },
  run: (config) => {
    const headers: Record<string, Json> = { ...config.base_headers };
    if (config.headers_json.trim() !== '') {
      const parsed = tryParseJson(config.headers_json);
      if (!isJsonObject(parsed)) throw new ConfigFieldError('headers_json', 'expected a JSON object of header names and values');
      Object.assign(headers, parsed);
    }
    if (config.header_name && config.header_value !== undefined) headers[config.header_name] = config.header_value;
    headersFrom(headers, 'headers');
    return { outputs: { headers } };
  },
});

// ---------------------------------------------------------------------------------------------
// URLs and JSON

/** `base_url` joined with `path` (one slash between them) and `params` appended as a query. */
export function buildUrl(baseUrl: string, path: string, params: JsonObject): string {
  const base = httpUrl(baseUrl, 'base_url');
  const joined = path === '' ? base : new URL(path.replace(/^\/+/, ''), base.href.endsWith('/') ? base.href : `${base.href}/`);
  for (const [name, value] of Object.entries(params)) joined.searchParams.append(name, textOf(value));
  return joined.href;
}

const buildUrlNode = defineNode({
  types: ['BuildUrlNode'],
  effect: 'pure',
  config: z.looseObject({ base_url: nonEmptyText(), path: text(''), params: dict() }),
  ports: { inputs: ['base_url', 'path', 'params'], outputs: ['url'] },
  run: (config) => ({ outputs: { url: buildUrl(config.base_url, config.path, config.params) } }),
});

/** The value at a dotted path (`data.users[0].name`); undefined when the path leads nowhere. */
export function valueAtPath(data: Json, path: string): Json | undefined {
  let current: Json | undefined = data;
  for (const part of path.replace(/\[/g, '.').replace(/\]/g, '').split('.')) {
    if (part === '') continue;
    if (isJsonArray(current)) {
      const index = /^-?\d+$/.test(part) ? Number(part) : Number.NaN;
      current = Number.isInteger(index) ? current.at(index) : undefined;
    } else if (isJsonObject(current)) {
      current = Object.hasOwn(current, part) ? current[part] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

const parseJsonResponseNode = defineNode({
  types: ['ParseJsonResponseNode'],
  effect: 'pure',
  config: z.looseObject({ json_data: anyValue(), path: text(''), default: anyValue() }),
  ports: { inputs: ['json_data', 'path', 'default'], outputs: ['value', 'success', 'error'] },
  run: (config, execution) => {
    let data = config.json_data;
    if (typeof data === 'string') {
      const parsed = tryParseJson(data);
      if (parsed === undefined) throw new JsonPathError(execution.node.id, 'JSON_INVALID', 'json_data is not valid JSON');
      data = parsed;
    }
    if (data === null) throw new JsonPathError(execution.node.id, 'JSON_INVALID', 'no JSON data given (json_data is empty)');
    const value = valueAtPath(data, config.path);
    if (value !== undefined) return { outputs: { value, success: true, error: '' } };
    if (config.default !== null) return { outputs: { value: config.default, success: true, error: '' } };
    throw new JsonPathError(execution.node.id, 'JSON_PATH_NOT_FOUND', `path ${JSON.stringify(config.path)} is not in the data and no default is set`);
  },
});

// ---------------------------------------------------------------------------------------------
// Files

const transferFields = { url: nonEmptyText(), headers: dict(), timeout: number(300), verify_ssl: boolean(true), allow_outside_working_dir: boolean(false) };

/** Node's fetch always verifies certificates; say so rather than silently ignore v1's switch. */
function warnUnverifiedTls(verify: boolean, execution: NodeExecution): void {
  if (!verify) execution.logger.warn('verify_ssl: false is not supported; TLS certificates are verified (trust a private CA with NODE_EXTRA_CA_CERTS)');
}

const downloadFields = { ...transferFields, save_path: nonEmptyText(), overwrite: boolean(true), create_dirs: boolean(true) };

const httpDownloadFileNode = defineNode({
  types: ['HttpDownloadFileNode'],
  config: z.looseObject(downloadFields),
  ports: { inputs: ['url', 'save_path', 'headers', 'timeout'], outputs: ['file_path', 'file_size', 'success', 'error'] },
  run: async (config, execution) => {
    warnUnverifiedTls(config.verify_ssl, execution);
    const { file_path, file_size } = await downloadToFile(execution, httpUrl(config.url), headersFrom(config.headers), config.timeout, {
      savePath: config.save_path,
      overwrite: config.overwrite,
      createDirs: config.create_dirs,
      allowOutside: config.allow_outside_working_dir,
    });
    return { outputs: { file_path, file_size, success: true, error: '' } };
  },
});

const uploadFields = { ...transferFields, file_path: nonEmptyText(), field_name: text('file'), extra_fields: dict() };

const httpUploadFileNode = defineNode({
  types: ['HttpUploadFileNode'],
  config: z.looseObject(uploadFields),
  ports: {
    inputs: ['url', 'file_path', 'field_name', 'headers', 'extra_fields', 'timeout'],
    outputs: ['response_body', 'response_json', 'status_code', 'success', 'error'],
  },
  run: async (config, execution) => {
    warnUnverifiedTls(config.verify_ssl, execution);
    const outputs = await uploadFile(execution, httpUrl(config.url), headersFrom(config.headers), config.timeout, {
      path: config.file_path,
      fieldName: config.field_name,
      extraFields: config.extra_fields,
      allowOutside: config.allow_outside_working_dir,
    });
    return { outputs };
  },
});

// ---------------------------------------------------------------------------------------------
// OAuth 2.0

const base64url = (bytes: Buffer) => bytes.toString('base64url');

const oauth2AuthorizeNode = defineNode({
  types: ['OAuth2AuthorizeNode'],
  // State and PKCE verifier are random: recorded once, the same on replay.
  config: z.looseObject({
    client_id: nonEmptyText(),
    auth_url: nonEmptyText(),
    scope: text(''),
    redirect_uri: text('http://localhost:8080/callback'),
    state: text(''),
    response_type: oneOf(['code', 'token'], 'code'),
    pkce_enabled: boolean(true),
    extra_params: dict(),
  }),
  ports: { inputs: ['client_id', 'auth_url', 'scope', 'redirect_uri', 'extra_params'], outputs: ['auth_url', 'state', 'code_verifier', 'code_challenge'] },
  run: (config) => {
    const url = httpUrl(config.auth_url, 'auth_url');
    const state = config.state || base64url(randomBytes(32));
    const params: Record<string, string> = { client_id: config.client_id, response_type: config.response_type, redirect_uri: config.redirect_uri, state };
    if (config.scope) params['scope'] = config.scope;
    let codeVerifier = '';
    let codeChallenge = '';
    if (config.response_type === 'code' && config.pkce_enabled) {
      codeVerifier = base64url(randomBytes(64)).slice(0, 86);
      codeChallenge = base64url(createHash('sha256').update(codeVerifier).digest());
      params['code_challenge'] = codeChallenge;
      params['code_challenge_method'] = 'S256';
    }
    for (const [name, value] of Object.entries({ ...params, ...config.extra_params })) url.searchParams.set(name, textOf(value));
    return { outputs: { auth_url: url.href, state, code_verifier: codeVerifier, code_challenge: codeChallenge } };
  },
});

const GRANTS = ['authorization_code', 'client_credentials', 'refresh_token', 'password'] as const;

const tokenExchangeConfig = z.looseObject({
  client_id: nonEmptyText(),
  client_secret: optionalText(),
  token_url: nonEmptyText(),
  redirect_uri: text('http://localhost:8080/callback'),
  grant_type: oneOf(GRANTS, 'authorization_code'),
  code: optionalText(),
  code_verifier: optionalText(),
  refresh_token: optionalText(),
  username: optionalText(),
  password: optionalText(),
  scope: optionalText(),
  timeout: number(30),
});

/** The form a token request posts, per grant type; a missing field is a config error naming it. */
function tokenForm(config: z.output<typeof tokenExchangeConfig>): URLSearchParams {
  const form = new URLSearchParams({ grant_type: config.grant_type, client_id: config.client_id });
  if (config.client_secret) form.set('client_secret', config.client_secret);
  const need = (field: 'code' | 'refresh_token' | 'username' | 'password' | 'client_secret'): string => {
    const value = config[field];
    if (!value) throw new ConfigFieldError(field, `required for the ${config.grant_type} grant`);
    return value;
  };
  if (config.grant_type === 'authorization_code') {
    form.set('code', need('code'));
    form.set('redirect_uri', config.redirect_uri);
    if (config.code_verifier) form.set('code_verifier', config.code_verifier);
  } else if (config.grant_type === 'refresh_token') {
    form.set('refresh_token', need('refresh_token'));
  } else if (config.grant_type === 'client_credentials') {
    need('client_secret');
  } else {
    form.set('username', need('username'));
    form.set('password', need('password'));
  }
  if (config.scope) form.set('scope', config.scope);
  return form;
}

const oauth2TokenExchangeNode = defineNode({
  types: ['OAuth2TokenExchangeNode'],
  config: tokenExchangeConfig,
  ports: {
    inputs: ['code', 'code_verifier', 'refresh_token', 'username', 'password', 'scope'],
    outputs: ['access_token', 'refresh_token', 'token_type', 'expires_in', 'scope', 'id_token', 'full_response'],
  },
  run: async (config, execution) => {
    const url = httpUrl(config.token_url, 'token_url');
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
    const response = await fetchWithin(execution, url, { method: 'POST', headers, body: tokenForm(config) }, config.timeout);
    const body = jsonOrNull(await response.text());
    const answer: JsonObject = isJsonObject(body) ? body : {};
    if (!response.ok || typeof answer['access_token'] !== 'string') {
      const error = typeof answer['error'] === 'string' ? answer['error'] : `http_${response.status}`;
      const description = typeof answer['error_description'] === 'string' ? ` - ${answer['error_description']}` : '';
      throw new OAuth2Error(execution.node.id, error, `token request to ${url.origin}${url.pathname} failed (${response.status}): ${error}${description}`);
    }
    const field = (name: string, fallback: Json): Json => answer[name] ?? fallback;
    return {
      outputs: {
        access_token: answer['access_token'],
        refresh_token: field('refresh_token', ''),
        token_type: field('token_type', 'Bearer'),
        expires_in: field('expires_in', 0),
        scope: field('scope', ''),
        id_token: field('id_token', ''),
        full_response: answer,
      },
    };
  },
});

const oauth2TokenValidateNode = defineNode({
  types: ['OAuth2TokenValidateNode'],
  config: z.looseObject({ introspection_url: nonEmptyText(), client_id: text(''), client_secret: optionalText(), token: nonEmptyText(), timeout: number(30) }),
  ports: { inputs: ['token'], outputs: ['active', 'client_id', 'username', 'scope', 'expires_at', 'token_type', 'full_response'] },
  run: async (config, execution) => {
    const url = httpUrl(config.introspection_url, 'introspection_url');
    const form = new URLSearchParams({ token: config.token });
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
    // RFC 7662: a confidential client authenticates with Basic; a public one names itself in the form.
    if (config.client_id && config.client_secret)
      headers.set('authorization', `Basic ${Buffer.from(`${config.client_id}:${config.client_secret}`).toString('base64')}`);
    else if (config.client_id) form.set('client_id', config.client_id);
    const response = await fetchWithin(execution, url, { method: 'POST', headers, body: form }, config.timeout);
    const body = jsonOrNull(await response.text());
    if (!response.ok || !isJsonObject(body))
      throw new OAuth2Error(execution.node.id, `http_${response.status}`, `token introspection at ${url.origin}${url.pathname} failed (${response.status})`);
    return {
      outputs: {
        active: body['active'] === true,
        client_id: body['client_id'] ?? '',
        username: body['username'] ?? '',
        scope: body['scope'] ?? '',
        expires_at: body['exp'] ?? 0,
        token_type: body['token_type'] ?? '',
        full_response: body,
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------
// HttpSuperNode (v1's action-based node; HTTPSuperNode with GET/POST... lives in http-nodes.ts)

const REQUEST_ACTIONS = ['GET Request', 'POST Request', 'PUT Request', 'PATCH Request', 'DELETE Request'] as const;
const SUPER_ACTIONS = [...REQUEST_ACTIONS, 'Download File', 'Upload File', 'Configure Auth'] as const;

const httpSuperConfig = z.looseObject({
  action: oneOf(SUPER_ACTIONS, 'GET Request'),
  url: optionalText(),
  headers: dict(),
  params: dict(),
  body: anyValue(),
  content_type: text('application/json'),
  timeout: number(30),
  save_path: optionalText(),
  create_dirs: boolean(true),
  overwrite: boolean(false),
  file_path: optionalText(),
  field_name: text('file'),
  extra_fields: dict(),
  auth_type: authTypeField,
  token: optionalText(),
  username: optionalText(),
  password: optionalText(),
  header_name: text('X-API-Key'),
  allow_outside_working_dir: boolean(false),
});

function required(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '') throw new ConfigFieldError(field, 'required');
  return value;
}

async function superRequest(config: z.output<typeof httpSuperConfig>, execution: NodeExecution): Promise<NodeOutcome> {
  const verb = config.action.split(' ')[0] as string;
  const url = httpUrl(required(config.url, 'url'));
  for (const [name, value] of Object.entries(config.params)) url.searchParams.append(name, textOf(value));
  const headers = headersFrom(config.headers);
  let body: string | undefined;
  if (verb !== 'GET' && verb !== 'DELETE' && config.body !== null && config.body !== '') {
    body = typeof config.body === 'string' ? config.body : JSON.stringify(config.body);
    if (!headers.has('content-type')) headers.set('content-type', config.content_type);
  }
  const response = await fetchWithin(execution, url, { method: verb, headers, body }, config.timeout);
  const text = await response.text();
  return {
    outputs: {
      response_body: text,
      response_json: jsonOrNull(text),
      status_code: response.status,
      response_headers: headersOf(response),
      success: response.ok,
      error: response.ok ? '' : `HTTP ${response.status}`,
    },
  };
}

const httpSuperNode = defineNode({
  types: ['HttpSuperNode'],
  config: httpSuperConfig,
  ports: {
    inputs: ['url', 'headers', 'params', 'body', 'save_path', 'file_path', 'token', 'username', 'password'],
    outputs: ['response_body', 'response_json', 'status_code', 'response_headers', 'success', 'error', 'file_path', 'file_size', 'auth_headers'],
  },
  run: async (config, execution) => {
    if (config.action === 'Configure Auth') {
      return { outputs: { auth_headers: authHeaders(execution, config, config.header_name, {}), success: true } };
    }
    if (config.action === 'Download File') {
      const result = await downloadToFile(execution, httpUrl(required(config.url, 'url')), headersFrom(config.headers), config.timeout, {
        savePath: required(config.save_path, 'save_path'),
        overwrite: config.overwrite,
        createDirs: config.create_dirs,
        allowOutside: config.allow_outside_working_dir,
      });
      return { outputs: { ...result, success: true, error: '' } };
    }
    if (config.action === 'Upload File') {
      const result = await uploadFile(execution, httpUrl(required(config.url, 'url')), headersFrom(config.headers), config.timeout, {
        path: required(config.file_path, 'file_path'),
        fieldName: config.field_name,
        extraFields: config.extra_fields,
        allowOutside: config.allow_outside_working_dir,
      });
      return { outputs: { ...result, response_headers: {} } };
    }
    return superRequest(config, execution);
  },
});

/** HTTP nodes beyond the plain request: auth and headers, URLs, JSON paths, files, OAuth 2.0 (authorize, token exchange, introspection), HttpSuperNode. */
export const httpExtraNodeHandlers: readonly CatalogNodeHandler[] = [
  httpAuthNode,
  setHttpHeadersNode,
  buildUrlNode,
  parseJsonResponseNode,
  httpDownloadFileNode,
  httpUploadFileNode,
  oauth2AuthorizeNode,
  oauth2TokenExchangeNode,
  oauth2TokenValidateNode,
  httpSuperNode,
];
