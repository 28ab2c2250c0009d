import type { JsonObject } from '@casare-rpa/domain';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeConfigError } from '../catalog/node-config-error.js';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';
import { JsonPathError, OAuth2Error } from './http-extra-nodes.js';
import { HttpRequestError } from './http-nodes.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const catalog = createNodeCatalog();
let server: Server;
let base: string;
let received: Received[] = [];
let workdir: string;
const PAYLOAD = Buffer.from('%PDF-1.7 fake invoice bytes\n'.repeat(5000));

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const path = (request.url ?? '').split('?')[0];
      if (path === '/files/invoice.pdf') return void response.writeHead(200, { 'content-type': 'application/pdf' }).end(PAYLOAD);
      if (path === '/missing') return void response.writeHead(404).end('nope');
      if (path === '/cut') {
        // Announces more than it sends, then drops the connection: a broken download.
        response.writeHead(200, { 'content-length': String(PAYLOAD.length) });
        response.write(PAYLOAD.subarray(0, 1000));
        return void setTimeout(() => response.socket?.destroy(), 20);
      }
      if (path === '/introspect') {
        const form = new URLSearchParams(body.toString());
        const authorised = request.headers.authorization === `Basic ${Buffer.from('rs:rs-secret').toString('base64')}`;
        return void response
          .writeHead(authorised ? 200 : 401, { 'content-type': 'application/json' })
          .end(
            JSON.stringify(
              authorised
                ? { active: form.get('token') === 'good', client_id: 'robot', scope: 'read', exp: 1900000000, token_type: 'Bearer' }
                : { error: 'invalid_client' },
            ),
          );
      }
      if (path === '/token') {
        const form = new URLSearchParams(body.toString());
        if (form.get('client_secret') !== 'shh')
          return void response
            .writeHead(401, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: 'invalid_client', error_description: 'bad secret' }));
        return void response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: `tok-${form.get('grant_type')}`, token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') ?? '' }));
      }
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, size: body.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  workdir = await mkdtemp(join(tmpdir(), 'casare-http-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
});

const run = (type: string, config: JsonObject, id = 'h', rawConfig?: JsonObject) => {
  const builder = aNodeExecution(type).withId(id).withConfig(config).inRun('run-9', 5).inDirectory(workdir);
  return catalog.execute((rawConfig ? builder.withRawConfig(rawConfig) : builder).build());
};

describe('HttpAuthNode, SetHttpHeadersNode, BuildUrlNode, ParseJsonResponseNode (pure)', () => {
  it('declares them pure and the transfer and OAuth nodes world', () => {
    expect(['HttpAuthNode', 'SetHttpHeadersNode', 'BuildUrlNode', 'ParseJsonResponseNode'].map((t) => catalog.effectOf(aWorkflowNode(t)))).toEqual([
      'pure',
      'pure',
      'pure',
      'pure',
    ]);
    expect(
      ['HttpDownloadFileNode', 'HttpUploadFileNode', 'OAuth2AuthorizeNode', 'OAuth2TokenExchangeNode', 'OAuth2TokenValidateNode', 'HttpSuperNode'].map((t) =>
        catalog.effectOf(aWorkflowNode(t)),
      ),
    ).toEqual(['world', 'world', 'world', 'world', 'world', 'world']);
  });

  it('builds Bearer, Basic and API key headers on top of base headers', async () => {
    expect((await run('HttpAuthNode', { auth_type: 'Bearer', token: 'abc', base_headers: { Accept: 'x' } })).outputs).toEqual({
      headers: { Accept: 'x', Authorization: 'Bearer abc' },
    });
    expect((await run('HttpAuthNode', { auth_type: 'Basic', username: 'u', password: 'p' })).outputs).toEqual({
      headers: { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` },
    });
    expect((await run('HttpAuthNode', { auth_type: 'ApiKey', token: 'k', api_key_name: 'X-Key' })).outputs).toEqual({ headers: { 'X-Key': 'k' } });
  });

  it('refuses a token that comes from a secret, since outputs are stored (config error on the field)', async () => {
    await expect(
      run('HttpAuthNode', { auth_type: 'Bearer', token: 'real-secret' }, 'auth', { auth_type: 'Bearer', token: '{{$secret:API_TOKEN}}' }),
    ).rejects.toThrow(/nodes\.auth\.config\.token: a secret cannot travel to another node/);
  });

  it('a bad auth type or a missing token is a config error naming node and field', async () => {
    expect(catalog.validate([{ id: 'a1', type: 'HttpAuthNode', config: { auth_type: 'Kerberos' } }])).toEqual([
      expect.objectContaining({ nodeId: 'a1', path: 'nodes.a1.config.auth_type' }),
    ]);
    await expect(run('HttpAuthNode', { auth_type: 'Bearer' }, 'a2')).rejects.toThrow('nodes.a2.config.token: required for Bearer authentication');
  });

  it('merges headers from base, JSON text and one name/value; bad JSON is a config error', async () => {
    const { outputs } = await run('SetHttpHeadersNode', { base_headers: { A: '1' }, headers_json: '{"B": "2"}', header_name: 'C', header_value: '3' });
    expect(outputs).toEqual({ headers: { A: '1', B: '2', C: '3' } });
    await expect(run('SetHttpHeadersNode', { headers_json: '{nope' }, 'sh')).rejects.toThrow('nodes.sh.config.headers_json');
  });

  it('builds a URL from base, path and params', async () => {
    expect((await run('BuildUrlNode', { base_url: 'https://api.example.com/v1/', path: '/users', params: { q: 'a b', page: 2 } })).outputs).toEqual({
      url: 'https://api.example.com/v1/users?q=a+b&page=2',
    });
    await expect(run('BuildUrlNode', { base_url: 'not a url' }, 'bu')).rejects.toThrow('nodes.bu.config.base_url: not a valid URL');
  });

  it('extracts a path from JSON text, falls back to the default, fails on a missing path', async () => {
    const json = JSON.stringify({ data: { users: [{ name: 'Ada' }, { name: 'Lin' }] } });
    expect((await run('ParseJsonResponseNode', { json_data: json, path: 'data.users[1].name' })).outputs).toEqual({ value: 'Lin', success: true, error: '' });
    expect((await run('ParseJsonResponseNode', { json_data: json, path: 'data.nobody', default: 'n/a' })).outputs).toMatchObject({ value: 'n/a' });
    await expect(run('ParseJsonResponseNode', { json_data: json, path: 'data.nobody' })).rejects.toMatchObject({ code: 'JSON_PATH_NOT_FOUND' });
    await expect(run('ParseJsonResponseNode', { json_data: '{bad' })).rejects.toBeInstanceOf(JsonPathError);
  });
});

describe('HttpDownloadFileNode and HttpUploadFileNode (local HTTP server)', () => {
  it('downloads into the working directory and reports path and size', async () => {
    const { outputs } = await run('HttpDownloadFileNode', { url: `${base}/files/invoice.pdf`, save_path: 'in/invoice.pdf' });
    expect(outputs).toEqual({ file_path: 'in/invoice.pdf', file_size: PAYLOAD.length, success: true, error: '' });
    expect(Buffer.compare(await readFile(join(workdir, 'in/invoice.pdf')), PAYLOAD)).toBe(0);
  });

  it('a download cut mid-body fails and leaves neither the file nor a partial one', async () => {
    await expect(run('HttpDownloadFileNode', { url: `${base}/cut`, save_path: 'cut/file.bin' })).rejects.toBeInstanceOf(HttpRequestError);
    expect(await readdir(join(workdir, 'cut'))).toEqual([]);
  });

  it('a 404 fails with HTTP_STATUS; overwrite false keeps an existing file; a path outside is refused', async () => {
    await expect(run('HttpDownloadFileNode', { url: `${base}/missing`, save_path: 'x.bin' })).rejects.toMatchObject({ code: 'HTTP_STATUS' });
    await writeFile(join(workdir, 'keep.txt'), 'mine');
    await expect(run('HttpDownloadFileNode', { url: `${base}/files/invoice.pdf`, save_path: 'keep.txt', overwrite: false })).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    });
    expect(await readFile(join(workdir, 'keep.txt'), 'utf8')).toBe('mine');
    await expect(run('HttpDownloadFileNode', { url: `${base}/files/invoice.pdf`, save_path: '/tmp/elsewhere.pdf' }, 'dl')).rejects.toThrow(
      'nodes.dl.config.save_path: "/tmp/elsewhere.pdf" is outside the working directory',
    );
  });

  it('uploads a file as multipart with extra fields and the step idempotency key', async () => {
    await writeFile(join(workdir, 'report.csv'), 'a,b\n1,2\n');
    const { outputs } = await run('HttpUploadFileNode', { url: `${base}/upload`, file_path: 'report.csv', field_name: 'doc', extra_fields: { kind: 'csv' } });
    expect(outputs).toMatchObject({ status_code: 201, success: true, error: '', response_json: { method: 'POST' } });
    const request = received[0];
    expect(request?.headers['idempotency-key']).toBe('run-9:5');
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const body = request?.body.toString() ?? '';
    expect(body).toContain('name="doc"; filename="report.csv"');
    expect(body).toContain('a,b\n1,2\n');
    expect(body).toContain('name="kind"');
  });

  it('a missing upload file fails with FILE_NOT_FOUND; a missing url is a config error', async () => {
    await expect(run('HttpUploadFileNode', { url: `${base}/upload`, file_path: 'nope.csv' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    // url is an input port: it is "missing" only when no data connection feeds it.
    expect(catalog.validate([{ id: 'u1', type: 'HttpUploadFileNode', config: { file_path: 'a', timeout: 'soon' } }], () => [])).toEqual([
      expect.objectContaining({ path: 'nodes.u1.config.url' }),
      expect.objectContaining({ path: 'nodes.u1.config.timeout' }),
    ]);
  });
});

describe('OAuth 2.0 nodes', () => {
  it('client credentials: posts the form and returns the token fields', async () => {
    const { outputs } = await run('OAuth2TokenExchangeNode', {
      grant_type: 'client_credentials',
      client_id: 'robot',
      client_secret: 'shh',
      token_url: `${base}/token`,
      scope: 'read',
    });
    expect(outputs).toMatchObject({ access_token: 'tok-client_credentials', token_type: 'Bearer', expires_in: 3600, scope: 'read', refresh_token: '' });
    expect(received[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('authorization code exchange sends code, redirect_uri and PKCE verifier', async () => {
    await run('OAuth2TokenExchangeNode', { client_id: 'c', client_secret: 'shh', token_url: `${base}/token`, code: 'the-code', code_verifier: 'v' });
    expect(Object.fromEntries(new URLSearchParams(received[0]?.body.toString()))).toMatchObject({
      grant_type: 'authorization_code',
      code: 'the-code',
      code_verifier: 'v',
    });
  });

  it('an OAuth error answer fails with the endpoint error; a grant without its field is a config error', async () => {
    const failure = await run('OAuth2TokenExchangeNode', {
      grant_type: 'client_credentials',
      client_id: 'c',
      client_secret: 'wrong',
      token_url: `${base}/token`,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuth2Error);
    expect(failure).toMatchObject({ oauthError: 'invalid_client' });
    await expect(run('OAuth2TokenExchangeNode', { grant_type: 'refresh_token', client_id: 'c', token_url: `${base}/token` }, 'ox')).rejects.toThrow(
      NodeConfigError,
    );
    await expect(run('OAuth2TokenExchangeNode', { grant_type: 'refresh_token', client_id: 'c', token_url: `${base}/token` }, 'ox')).rejects.toThrow(
      'nodes.ox.config.refresh_token',
    );
  });

  it('validates a token by introspection (RFC 7662) with Basic client authentication', async () => {
    const good = await run('OAuth2TokenValidateNode', { introspection_url: `${base}/introspect`, client_id: 'rs', client_secret: 'rs-secret', token: 'good' });
    expect(good.outputs).toMatchObject({ active: true, client_id: 'robot', scope: 'read', expires_at: 1900000000, token_type: 'Bearer' });
    expect(
      (await run('OAuth2TokenValidateNode', { introspection_url: `${base}/introspect`, client_id: 'rs', client_secret: 'rs-secret', token: 'stale' })).outputs[
        'active'
      ],
    ).toBe(false);
    await expect(
      run('OAuth2TokenValidateNode', { introspection_url: `${base}/introspect`, client_id: 'rs', client_secret: 'nope', token: 'good' }),
    ).rejects.toBeInstanceOf(OAuth2Error);
  });

  it('authorize builds the URL with state and an S256 PKCE challenge', async () => {
    const { outputs } = await run('OAuth2AuthorizeNode', { client_id: 'c', auth_url: 'https://id.example.com/authorize', scope: 'openid', state: 'st' });
    const url = new URL(outputs['auth_url'] as string);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'c',
      response_type: 'code',
      state: 'st',
      scope: 'openid',
      code_challenge_method: 'S256',
    });
    const { createHash } = await import('node:crypto');
    expect(url.searchParams.get('code_challenge')).toBe(
      createHash('sha256')
        .update(outputs['code_verifier'] as string)
        .digest('base64url'),
    );
  });
});

describe('HttpSuperNode (action-based)', () => {
  it('POST Request sends the body with an Idempotency-Key and returns response_* outputs', async () => {
    const { outputs } = await run('HttpSuperNode', { action: 'POST Request', url: `${base}/things`, body: { a: 1 } });
    expect(outputs).toMatchObject({ status_code: 201, success: true, response_json: { method: 'POST', size: 7 } });
    expect(received[0]?.headers).toMatchObject({ 'idempotency-key': 'run-9:5', 'content-type': 'application/json' });
  });

  it('Download File and Configure Auth', async () => {
    expect((await run('HttpSuperNode', { action: 'Download File', url: `${base}/files/invoice.pdf`, save_path: 'super.pdf' })).outputs).toMatchObject({
      file_size: PAYLOAD.length,
      status_code: 200,
    });
    expect((await run('HttpSuperNode', { action: 'Configure Auth', auth_type: 'api_key', token: 't', header_name: 'X-T' })).outputs).toEqual({
      auth_headers: { 'X-T': 't' },
      success: true,
    });
  });

  it('an unknown action is a config error on action', () => {
    expect(catalog.validate([{ id: 's1', type: 'HttpSuperNode', config: { action: 'TELNET' } }])).toEqual([
      expect.objectContaining({ path: 'nodes.s1.config.action' }),
    ]);
  });
});
