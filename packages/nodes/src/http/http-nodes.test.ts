import type { JsonObject } from '@casare-rpa/domain';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { HttpRequestError } from './http-nodes.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const catalog = createNodeCatalog();
let server: Server;
let base: string;
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url?.startsWith('/slow')) return; // never answers: the client's timeout must fire
      const redirect = /^\/redirect\/(\d+)\/(.*)$/.exec(request.url ?? '');
      if (redirect) {
        response.writeHead(Number(redirect[1]), { location: decodeURIComponent(redirect[2] ?? '') }).end();
        return;
      }
      if (request.url === '/loop') {
        response.writeHead(302, { location: '/loop' }).end();
        return;
      }
      if (request.url === '/cookies') {
        response
          .writeHead(200, [
            ['set-cookie', 'a=1'],
            ['set-cookie', 'b=2'],
            ['content-type', 'text/plain'],
          ])
          .end('ok');
        return;
      }
      if (request.url?.startsWith('/text')) {
        response.writeHead(418, { 'content-type': 'text/plain', 'x-reason': 'teapot' }).end('short and stout');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, url: request.url, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

const request = (type: string, config: JsonObject, id = 'http', stepIndex = 3) =>
  catalog.execute(aNodeExecution(type).withId(id).withConfig(config).inRun('run-42', stepIndex).build());

describe('HTTP request nodes', () => {
  it('GET returns body, status code, headers and parsed JSON, without an Idempotency-Key', async () => {
    const { outputs } = await request('HTTPSuperNode', { action: 'GET', url: `${base}/get`, params: { q: 'a b' } });
    expect(outputs).toMatchObject({ status_code: 200, success: true, json: { method: 'GET', url: '/get?q=a+b' } });
    expect(JSON.parse(outputs['body'] as string)).toMatchObject({ method: 'GET' });
    expect((outputs['headers'] as JsonObject)['content-type']).toBe('application/json');
    expect(received[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s sends Idempotency-Key: <runId>:<stepIndex>', async (method) => {
    await request('HttpRequestNode', { method, url: `${base}/things`, body: '{"test": "data"}' });
    expect(received[0]).toMatchObject({ method, headers: { 'idempotency-key': 'run-42:3', 'content-type': 'application/json' }, body: '{"test": "data"}' });
  });

  it('keeps the same key on every attempt of the step and a key the workflow set itself', async () => {
    const retried = aNodeExecution('HTTPRequestNode').withConfig({ method: 'POST', url: base }).inRun('run-42', 7).withAttempt(3).build();
    await catalog.execute(retried);
    await request('HTTPSuperNode', { action: 'POST', url: base, headers: { 'Idempotency-Key': 'mine' } });
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual(['run-42:7', 'mine']);
  });

  it('sends a structured body as JSON and plain text as text', async () => {
    await request('HTTPSuperNode', { action: 'POST', url: base, body: { a: 1 } });
    await request('HTTPSuperNode', { action: 'PUT', url: base, body: 'hello' });
    expect(received.map((r) => [r.headers['content-type'], r.body])).toEqual([
      ['application/json', '{"a":1}'],
      ['text/plain; charset=utf-8', 'hello'],
    ]);
  });

  it('returns a non-2xx answer as data unless fail_on_error_status is set', async () => {
    const { outputs } = await request('HTTPSuperNode', { url: `${base}/text` });
    expect(outputs).toMatchObject({ status_code: 418, success: false, body: 'short and stout', json: null, headers: { 'x-reason': 'teapot' } });
    await expect(request('HTTPSuperNode', { url: `${base}/text`, fail_on_error_status: true })).rejects.toMatchObject({ code: 'HTTP_STATUS' });
  });

  it('times out with HTTP_TIMEOUT naming the node', async () => {
    const error = await request('HTTPSuperNode', { url: `${base}/slow`, timeout: 0.2 }, 'slow_call').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error).toMatchObject({ code: 'HTTP_TIMEOUT', nodeId: 'slow_call' });
  });

  it('stops when the step is aborted', async () => {
    const controller = new AbortController();
    const pending = catalog.execute(
      aNodeExecution('HTTPSuperNode')
        .withConfig({ url: `${base}/slow` })
        .withSignal(controller.signal)
        .build(),
    );
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'HTTP_ABORTED' });
  });

  it('fails with HTTP_FAILED when nothing listens', async () => {
    await expect(request('HTTPSuperNode', { url: 'http://127.0.0.1:1/' })).rejects.toMatchObject({ code: 'HTTP_FAILED' });
  });

  it('follows redirects as fetch does: 302 after a POST and 303 continue as GET, 307 and 308 keep method and body', async () => {
    const post302 = await request('HTTPSuperNode', { action: 'POST', url: `${base}/redirect/302/${encodeURIComponent('/landed?from=302')}`, body: 'x' });
    expect(post302.outputs).toMatchObject({ status_code: 200, url: `${base}/landed?from=302`, json: { method: 'GET', body: '' } });
    const put303 = await request('HTTPSuperNode', { action: 'PUT', url: `${base}/redirect/303/${encodeURIComponent('/landed')}`, body: 'x' });
    expect(put303.outputs).toMatchObject({ json: { method: 'GET', body: '' } });
    const post307 = await request('HTTPSuperNode', { action: 'POST', url: `${base}/redirect/307/${encodeURIComponent('/kept')}`, body: { a: 1 } });
    expect(post307.outputs).toMatchObject({ url: `${base}/kept`, json: { method: 'POST', url: '/kept', body: '{"a":1}' } });
    const patch308 = await request('HTTPSuperNode', { action: 'PATCH', url: `${base}/redirect/308/${encodeURIComponent('/kept')}`, body: 'y' });
    expect(patch308.outputs).toMatchObject({ json: { method: 'PATCH', body: 'y' } });
    // The key and the content type travel with the body; the GET after a 302 carries neither body header.
    expect(received[1]?.headers).toMatchObject({ 'idempotency-key': 'run-42:3' });
    expect(received[1]?.headers['content-type']).toBeUndefined();
    expect(received.find((r) => r.url === '/kept' && r.method === 'POST')?.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'run-42:3',
    });
  });

  it('drops Authorization on a redirect to another origin and keeps it on the same origin', async () => {
    const other = base.replace('127.0.0.1', 'localhost');
    await request('HTTPSuperNode', { url: `${base}/redirect/302/${encodeURIComponent(`${other}/elsewhere`)}`, headers: { Authorization: 'Bearer t' } });
    await request('HTTPSuperNode', { url: `${base}/redirect/302/${encodeURIComponent('/same')}`, headers: { Authorization: 'Bearer t' } });
    expect(received.find((r) => r.url === '/elsewhere')?.headers['authorization']).toBeUndefined();
    expect(received.find((r) => r.url === '/same')?.headers['authorization']).toBe('Bearer t');
  });

  it('gives up after 20 redirects and refuses a redirect out of http(s), naming the node', async () => {
    await expect(request('HTTPSuperNode', { url: `${base}/loop` }, 'looping')).rejects.toMatchObject({
      code: 'HTTP_FAILED',
      nodeId: 'looping',
      message: expect.stringContaining('more than 20 redirects'),
    });
    expect(received).toHaveLength(21);
    await expect(request('HTTPSuperNode', { url: `${base}/redirect/302/${encodeURIComponent('file:///etc/passwd')}` })).rejects.toThrow(
      /redirect to file: refused/,
    );
  });

  it('joins a repeated response header', async () => {
    const { outputs } = await request('HTTPSuperNode', { url: `${base}/cookies` });
    expect((outputs['headers'] as JsonObject)['set-cookie']).toBe('a=1, b=2');
  });

  it('refuses a header name or value that cannot go on the wire, naming the field', async () => {
    await expect(request('HTTPSuperNode', { url: base, headers: { 'bad name': 'x' } }, 'api')).rejects.toThrow(
      'nodes.api.config.headers.bad name: not a valid HTTP header',
    );
    await expect(request('HTTPSuperNode', { url: base, headers: { 'X-Split': 'a\r\nInjected: 1' } }, 'api')).rejects.toThrow(
      'nodes.api.config.headers.X-Split: not a valid HTTP header',
    );
    expect(received).toHaveLength(0);
  });

  it('names node and field for a missing URL, a wrong type and a bad method', async () => {
    await expect(request('HTTPSuperNode', { action: 'GET' }, 'api')).rejects.toThrow('nodes.api.config.url: required');
    await expect(request('HTTPSuperNode', { url: 42 }, 'api')).rejects.toThrow('nodes.api.config.url: not a valid URL: "42"');
    await expect(request('HTTPSuperNode', { url: ['x'] }, 'api')).rejects.toThrow('nodes.api.config.url: expected text, got a list');
    await expect(request('HTTPSuperNode', { url: 'ftp://x/' }, 'api')).rejects.toThrow(
      'nodes.api.config.url: only http and https URLs are supported, got ftp:',
    );
    await expect(request('HttpRequestNode', { url: base, method: 'BREW' }, 'api')).rejects.toThrow(/^nodes\.api\.config\.method: expected one of "GET"/);
    await expect(request('HttpRequestNode', { url: base, headers: 'nope' }, 'api')).rejects.toThrow(
      'nodes.api.config.headers: expected a dictionary, got "nope"',
    );
  });
});
