import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from '@casare-rpa/domain';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

interface Received {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: JsonObject;
}

const catalog = createNodeCatalog();
let server: Server;
let base: string;
let received: Received[] = [];

beforeAll(async () => {
  // A local webhook receiver that deduplicates by Idempotency-Key, as a real one may.
  const seen = new Set<string>();
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const key = String(request.headers['idempotency-key']);
      if (seen.has(key)) return void response.writeHead(409).end('duplicate');
      seen.add(key);
      received.push({ url: request.url ?? '', headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonObject });
      if (request.url === '/broken') return void response.writeHead(500).end('receiver down');
      response.writeHead(200).end('ok');
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

const notify = (config: JsonObject, stepIndex = 4) =>
  catalog.execute(aNodeExecution('WebhookNotifyNode').withId('hook').withConfig(config).inRun('run-7', stepIndex).build());

describe('WebhookNotifyNode', () => {
  it('POSTs the generic payload with the step’s Idempotency-Key', async () => {
    const outcome = await notify({ webhook_url: `${base}/hook`, message: 'invoice robot failed', error_details: { node: 'fetch', code: 'HTTP_FAILED' } });
    expect(outcome.outputs).toEqual({ success: true, response: 'ok', status_code: 200 });
    expect(received).toEqual([
      {
        url: '/hook',
        headers: expect.objectContaining({ 'idempotency-key': 'run-7:4', 'content-type': 'application/json' }),
        body: { message: 'invoice robot failed', details: { node: 'fetch', code: 'HTTP_FAILED' }, source: 'CasareRPA' },
      },
    ]);
  });

  it('a re-run after a crash sends the same key, so the receiver drops it', async () => {
    await notify({ webhook_url: `${base}/hook` }, 9);
    const again = await notify({ webhook_url: `${base}/hook` }, 9);
    expect(received).toHaveLength(1);
    expect(again.outputs).toMatchObject({ success: false, status_code: 409 });
  });

  it('builds the slack, discord and teams payloads', async () => {
    const details = { node: 'fetch' };
    await notify({ webhook_url: base, format: 'slack', message: 'm', error_details: details }, 11);
    await notify({ webhook_url: base, format: 'DISCORD', message: 'm', error_details: details }, 12);
    await notify({ webhook_url: base, format: 'teams', message: 'm', error_details: details }, 13);
    expect(received.map((entry) => entry.body)).toEqual([
      { text: 'm', attachments: [{ color: 'danger', title: 'Error Details', fields: [{ title: 'node', value: 'fetch', short: true }] }] },
      { content: 'm', embeds: [{ title: 'Error Details', color: 15158332, fields: [{ name: 'node', value: 'fetch', inline: true }] }] },
      { '@type': 'MessageCard', themeColor: 'FF0000', summary: 'm', sections: [{ activityTitle: 'm', facts: [{ name: 'node', value: 'fetch' }] }] },
    ]);
  });

  it('reports a receiver error as data and fails on a connection error', async () => {
    expect((await notify({ webhook_url: `${base}/broken` }, 20)).outputs).toEqual({ success: false, response: 'receiver down', status_code: 500 });
    await expect(notify({ webhook_url: 'http://127.0.0.1:1/nobody' }, 21)).rejects.toMatchObject({
      code: 'HTTP_FAILED',
      message: expect.stringContaining('nodes.hook'),
    });
  });

  it('names node id and field of a bad config, and is a world node', async () => {
    const node = (config: Record<string, unknown>) => ({ id: 'w1', type: 'WebhookNotifyNode', config, position: [0, 0] }) as never;
    expect(catalog.validate([node({ webhook_url: base, format: 'pager' })])).toMatchObject([{ path: 'nodes.w1.config.format', nodeId: 'w1' }]);
    expect(catalog.validate([node({ webhook_url: base, timeout: 0 })])).toMatchObject([{ path: 'nodes.w1.config.timeout' }]);
    expect(catalog.validate([node({ webhook_url: base, error_details: 'not a dict' })])).toMatchObject([{ path: 'nodes.w1.config.error_details' }]);
    await expect(notify({ webhook_url: 'ftp://example.test/x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(notify({})).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('webhook_url') });
    expect(catalog.effectOf(aWorkflowNode('WebhookNotifyNode'))).toBe('world');
  });
});
