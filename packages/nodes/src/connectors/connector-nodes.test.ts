import { CasareError, hasErrorCode } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { ConnectorApiError } from './connector-api.js';
import { conversationHintKey } from './connector-nodes.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const BOT_TOKEN = '123456:bot-secret-token';
const GRAPH_TOKEN = 'graph-secret-token';
const LLM_KEY = 'sk-llm-secret';

const catalog = createNodeCatalog();
let server: Server;
let base: string;
let received: Received[] = [];
let workdir: string;

/** Stand-ins for the Telegram Bot API, the WhatsApp Cloud API and an OpenAI-compatible endpoint (Google's are in google-nodes.test.ts). */
function answer(request: Received): { status: number; body: JsonObject } {
  if (request.url.startsWith(`/telegram/bot${BOT_TOKEN}/`)) {
    const method = request.url.split('/').pop();
    return { status: 200, body: { ok: true, result: { message_id: method === 'sendMessage' ? 77 : 78, chat: { id: 4242 } } } };
  }
  if (request.url.startsWith('/telegram/')) return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
  if (request.url === '/graph/555/messages') {
    if (request.headers.authorization !== `Bearer ${GRAPH_TOKEN}`) return { status: 401, body: { error: { message: 'Invalid OAuth access token' } } };
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ wa_id: '15550001' }], messages: [{ id: 'wamid.ABC' }] } };
  }
  if (request.url === '/llm/v1/chat/completions') {
    if (request.headers.authorization !== `Bearer ${LLM_KEY}`) return { status: 401, body: { error: { message: 'bad key' } } };
    const sent = JSON.parse(request.body) as { model: string; messages: Array<{ role: string; content: string }> };
    const users = sent.messages.filter((message) => message.role === 'user').map((message) => message.content);
    return {
      status: 200,
      body: { model: sent.model, choices: [{ message: { role: 'assistant', content: `echo(${users.join(' | ')})` } }], usage: { total_tokens: 12 } },
    };
  }
  return { status: 404, body: { error: { message: 'no such endpoint' } } };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const { status, body } = answer(entry);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  workdir = await mkdtemp(join(tmpdir(), 'casare-connectors-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
});

const run = (type: string, config: JsonObject, id = 'c', resources: JsonObject = {}) =>
  catalog.execute(aNodeExecution(type).withId(id).withConfig(config).withResources(resources).inDirectory(workdir).build());

describe('Telegram nodes (local Bot API stand-in)', () => {
  const telegram = (extra: JsonObject): JsonObject => ({ bot_token: BOT_TOKEN, chat_id: '4242', api_base_url: `${base}/telegram`, ...extra });

  it('sends a message with parse mode and returns message and chat ids', async () => {
    const { outputs } = await run('TelegramSendMessageNode', telegram({ text: 'Invoice *42* paid', parse_mode: 'MarkdownV2', disable_notification: true }));
    expect(outputs).toEqual({ message_id: 77, chat_id: 4242, success: true, error: '', text: 'Invoice *42* paid' });
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ chat_id: '4242', disable_notification: true, parse_mode: 'MarkdownV2', text: 'Invoice *42* paid' });
  });

  it('uploads a document of the working directory as multipart; an URL is passed on', async () => {
    await writeFile(join(workdir, 'report.pdf'), '%PDF-report');
    expect((await run('TelegramSendDocumentNode', telegram({ document: 'report.pdf', caption: 'monthly' }))).outputs).toMatchObject({
      message_id: 78,
      document_path: 'report.pdf',
    });
    expect(received[0]?.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(received[0]?.body).toContain('filename="report.pdf"');
    expect(received[0]?.body).toContain('%PDF-report');
    await run('TelegramSendPhotoNode', telegram({ photo: 'https://example.com/cat.jpg' }));
    expect(JSON.parse(received[1]?.body ?? '')).toMatchObject({ photo: 'https://example.com/cat.jpg' });
  });

  it('a wrong token fails with CONNECTOR_AUTH_FAILED and never shows the token', async () => {
    const failure = await run('TelegramSendMessageNode', telegram({ bot_token: '999:wrong-token', text: 'x' }), 'tg').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorApiError);
    expect(failure).toBeInstanceOf(CasareError);
    expect(hasErrorCode(failure, 'CONNECTOR_AUTH_FAILED')).toBe(true);
    expect(failure).toMatchObject({ code: 'CONNECTOR_AUTH_FAILED', status: 401, nodeId: 'tg' });
    expect((failure as Error).message).toContain('Unauthorized');
    expect((failure as Error).message).not.toContain('wrong-token');
  });

  it('bad coordinates, a missing token or a bad parse mode are config errors naming node and field', async () => {
    await expect(run('TelegramSendLocationNode', telegram({ latitude: 91, longitude: 0 }), 'loc')).rejects.toThrow('nodes.loc.config.latitude');
    await expect(run('TelegramSendMessageNode', { chat_id: '1', text: 'x', api_base_url: `${base}/telegram` }, 'nt')).rejects.toThrow(
      'nodes.nt.config.bot_token: required',
    );
    expect(catalog.validate([{ id: 't1', type: 'TelegramSendMessageNode', config: { chat_id: '1', text: 'x', parse_mode: 'BBCode' } }])).toEqual([
      expect.objectContaining({ nodeId: 't1', path: 'nodes.t1.config.parse_mode' }),
    ]);
  });
});

describe('WhatsApp Cloud API nodes (local Graph API stand-in)', () => {
  const whatsapp = (extra: JsonObject): JsonObject => ({
    access_token: GRAPH_TOKEN,
    phone_number_id: '555',
    to: '+1 555 0001',
    api_base_url: `${base}/graph`,
    ...extra,
  });

  it('sends a text and a template with a Bearer token', async () => {
    expect((await run('WhatsAppSendMessageNode', whatsapp({ text: 'hello' }))).outputs).toEqual({
      message_id: 'wamid.ABC',
      phone_number: '15550001',
      success: true,
      error: '',
      text: 'hello',
    });
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '15550001',
      type: 'text',
      text: { body: 'hello', preview_url: false },
    });
    const components = [{ type: 'body', parameters: [{ type: 'text', text: '42' }] }];
    await run('WhatsAppSendTemplateNode', whatsapp({ template_name: 'invoice_paid', components: JSON.stringify(components) }));
    expect(JSON.parse(received[1]?.body ?? '')).toMatchObject({
      type: 'template',
      template: { name: 'invoice_paid', language: { code: 'en_US' }, components },
    });
  });

  it('a refused token fails with the API message; bad components are a config error', async () => {
    await expect(run('WhatsAppSendMessageNode', whatsapp({ access_token: 'nope', text: 'x' }))).rejects.toThrow('Invalid OAuth access token');
    await expect(run('WhatsAppSendTemplateNode', whatsapp({ template_name: 't', components: '"just text"' }), 'wt')).rejects.toThrow(
      'nodes.wt.config.components',
    );
  });
});

describe('LLM nodes (local OpenAI-compatible stand-in)', () => {
  const llm = (extra: JsonObject): JsonObject => ({ api_key: LLM_KEY, base_url: `${base}/llm/v1`, model: 'test-model', ...extra });

  it('completes a prompt with a system prompt', async () => {
    const { outputs } = await run('LLMCompletionNode', llm({ prompt: 'Summarise invoice 42', system_prompt: 'Be brief', temperature: 0 }));
    expect(outputs).toEqual({ response: 'echo(Summarise invoice 42)', tokens_used: 12, model_used: 'test-model', success: true, error: '' });
    expect(JSON.parse(received[0]?.body ?? '')).toMatchObject({
      model: 'test-model',
      temperature: 0,
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Summarise invoice 42' },
      ],
    });
  });

  it('chat keeps the conversation in the run state (a resource hint), so a resumed run continues it', async () => {
    const first = await run('LLMChatNode', llm({ message: 'hi', conversation_id: 'conv-1' }));
    expect(first.outputs).toMatchObject({ response: 'echo(hi)', conversation_id: 'conv-1' });
    const hint = first.resources ?? {};
    const second = await run('LLMChatNode', llm({ message: 'and then?', conversation_id: 'conv-1' }), 'c', hint);
    expect(second.outputs['response']).toBe('echo(hi | and then?)');
    expect(second.resources?.[conversationHintKey('conv-1')]).toEqual({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'echo(hi)' },
        { role: 'user', content: 'and then?' },
        { role: 'assistant', content: 'echo(hi | and then?)' },
      ],
    });
    expect(JSON.stringify(second)).not.toContain(LLM_KEY);
  });

  it('a bad key fails with CONNECTOR_AUTH_FAILED; a bad temperature is a config error', async () => {
    await expect(run('LLMCompletionNode', llm({ api_key: 'wrong', prompt: 'x' }))).rejects.toMatchObject({ code: 'CONNECTOR_AUTH_FAILED' });
    await expect(run('LLMCompletionNode', llm({ prompt: 'x', temperature: 3 }), 'lt')).rejects.toThrow('nodes.lt.config.temperature');
    await expect(run('LLMCompletionNode', llm({ prompt: 'x', base_url: 'http://127.0.0.1:1/v1' }))).rejects.toMatchObject({ code: 'CONNECTOR_UNREACHABLE' });
  });
});
