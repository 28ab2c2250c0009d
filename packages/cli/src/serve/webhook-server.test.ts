import { createHmac } from 'node:crypto';
import type { JsonObject } from '@casare-rpa/domain';
import { webhookTriggerConfig, type TriggerEvent } from '@casare-rpa/nodes';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServedWorkflow } from './served-workflows.js';
import { WebhookServer, type WebhookDispatch } from './webhook-server.js';

// The HTTP rules of webhook endpoints over real loopback HTTP; the dispatch records the runs the
// server asks for (the pg test starts real ones).

function servedWith(config: JsonObject): ServedWorkflow {
  return {
    label: 'hook.json',
    key: 'hook',
    document: {},
    schedules: [],
    unarmed: [],
    webhooks: [{ nodeId: 'in', path: '/webhooks/in', config: webhookTriggerConfig.parse(config) }],
  };
}

class RecordingDispatch implements WebhookDispatch {
  readonly started = new Map<string, TriggerEvent>();
  startRun(_workflow: ServedWorkflow, runId: string, event: TriggerEvent): Promise<{ existed: boolean }> {
    const existed = this.started.has(runId);
    if (!existed) this.started.set(runId, event);
    return Promise.resolve({ existed });
  }
  waitForRun(runId: string): Promise<JsonObject> {
    return Promise.resolve({ runId, status: 'completed' });
  }
  resolveSecret(value: string): Promise<string | undefined> {
    return Promise.resolve(value === '{{$secret:MISSING}}' ? undefined : value);
  }
}

describe('WebhookServer', () => {
  let server: WebhookServer | undefined;
  afterEach(async () => server?.close());

  async function serving(config: JsonObject): Promise<{ base: string; dispatch: RecordingDispatch }> {
    const dispatch = new RecordingDispatch();
    server = new WebhookServer([servedWith(config)], dispatch);
    const port = await server.listen(0, '127.0.0.1');
    return { base: `http://127.0.0.1:${port}/webhooks/in`, dispatch };
  }

  it('makes the run id from the delivery id, else from a hash of the body, and hands the body over', async () => {
    const { base, dispatch } = await serving({});
    const first = await fetch(base, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'k-1', authorization: 'Bearer t' },
    });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ runId: 'webhook:hook:in:k-1', duplicate: false });
    const event = dispatch.started.get('webhook:hook:in:k-1');
    expect(event?.outputs['payload']).toEqual({ a: 1 });
    expect(event?.outputs['headers']).not.toHaveProperty('authorization');
    await fetch(base, { method: 'POST', body: 'plain' });
    await fetch(base, { method: 'POST', body: 'plain' });
    const hashed = [...dispatch.started.keys()].filter((id) => id.startsWith('webhook:hook:in:body-'));
    expect(hashed).toHaveLength(1);
    expect(dispatch.started.get(hashed[0] ?? '')?.outputs['payload']).toBe('plain');
  });

  it('requires the HMAC-SHA256 of the raw body when validate_signature is set', async () => {
    const { base, dispatch } = await serving({ secret: 's', validate_signature: true });
    const body = '{"b":2}';
    const hmac = createHmac('sha256', 's').update(body).digest('hex');
    for (const signature of [undefined, 'sha256=00', `sha256=${hmac.slice(0, -2)}zz`, createHmac('sha256', 'other').update(body).digest('hex')]) {
      const refused = await fetch(base, { method: 'POST', body, headers: signature === undefined ? {} : { 'X-Signature-256': signature } });
      expect(refused.status, String(signature)).toBe(401);
    }
    expect(dispatch.started.size).toBe(0);
    expect((await fetch(base, { method: 'POST', body, headers: { 'X-Signature-256': hmac } })).status).toBe(202);
    expect((await fetch(base, { method: 'POST', body, headers: { 'X-Signature-256': `sha256=${hmac}`, 'X-Delivery-Id': 'd' } })).status).toBe(202);
    expect(dispatch.started.size).toBe(2);
  });

  it('refuses bodies over the limit, non-JSON bodies where only JSON is accepted, other methods and bad header credentials', async () => {
    const { base, dispatch } = await serving({ max_payload_size: 10, json_only: true, auth_type: 'header', auth_header_name: 'X-Key', auth_header_value: 'v' });
    const headers = { 'X-Key': 'v', 'content-type': 'application/json' };
    expect((await fetch(base, { method: 'POST', body: '{"long":"enough"}', headers })).status).toBe(413);
    expect((await fetch(base, { method: 'POST', body: 'abc', headers: { 'X-Key': 'v', 'content-type': 'text/plain' } })).status).toBe(400);
    expect((await fetch(base, { method: 'PUT', body: '{}', headers })).status).toBe(405);
    expect((await fetch(base, { method: 'POST', body: '{}', headers: { ...headers, 'X-Key': 'w' } })).status).toBe(401);
    expect(dispatch.started.size).toBe(0);
    const waited = await fetch(`${base}?wait=true`, { method: 'POST', body: '{}', headers });
    expect(waited.status).toBe(200);
    expect(await waited.json()).toMatchObject({ status: 'completed' });
  });

  it("answers with the node's response_code and response_body in custom mode, after starting the run", async () => {
    const { base, dispatch } = await serving({ response_mode: 'custom', response_code: 200, response_body: '{"status": "received"}' });
    const answered = await fetch(base, { method: 'POST', body: 'x', headers: { 'X-Delivery-Id': 'c' } });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ status: 'received' });
    expect([...dispatch.started.keys()]).toEqual(['webhook:hook:in:c']);
  });
});
