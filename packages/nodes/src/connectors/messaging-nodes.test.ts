import type { Json, JsonObject } from '@casare-rpa/domain';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';
import { JsonStandIn, type ReceivedRequest, type StandInAnswer } from '../testing/json-stand-in.js';

const BOT_TOKEN = '123456:bot-secret-token';
const GRAPH_TOKEN = 'graph-secret-token';

const catalog = createNodeCatalog();
let api: JsonStandIn;

/** Stand-ins of the Telegram Bot API methods and of the WhatsApp Cloud API messages endpoint. */
function answer(request: ReceivedRequest): StandInAnswer {
  if (request.url.startsWith(`/telegram/bot${BOT_TOKEN}/`)) {
    const method = request.url.split('/').pop() ?? '';
    const sent = JSON.parse(request.body || '{}') as JsonObject;
    const results: Record<string, Json> = {
      editMessageText: { message_id: sent['message_id'] ?? 0, chat: { id: 4242 }, text: sent['text'] ?? '' },
      deleteMessage: true,
      answerCallbackQuery: true,
      sendMediaGroup: [{ message_id: 501 }, { message_id: 502 }],
      getUpdates: [
        { update_id: 9001, message: { text: 'hi' } },
        { update_id: 9002, callback_query: { id: 'cb-1' } },
      ],
    };
    if (method === 'deleteMessage' && sent['message_id'] === 404)
      return { status: 400, body: { ok: false, description: 'Bad Request: message to delete not found' } };
    return { status: 200, body: { ok: true, result: results[method] ?? null } };
  }
  if (request.url.startsWith('/telegram/')) return { status: 401, body: { ok: false, description: 'Unauthorized' } };
  if (request.url === '/graph/555/messages') {
    if (request.headers.authorization !== `Bearer ${GRAPH_TOKEN}`) return { status: 401, body: { error: { message: 'Invalid OAuth access token' } } };
    return { status: 200, body: { messaging_product: 'whatsapp', messages: [{ id: 'wamid.XYZ' }] } };
  }
  return { status: 404, body: { error: { message: 'no such endpoint' } } };
}

beforeAll(async () => {
  api = await JsonStandIn.start(answer);
});
afterAll(async () => {
  await api.stop();
});
beforeEach(() => {
  api.received.length = 0;
});

const run = (type: string, config: JsonObject, id = 'm') => catalog.execute(aNodeExecution(type).withId(id).withConfig(config).build());
const telegram = (extra: JsonObject): JsonObject => ({ bot_token: BOT_TOKEN, chat_id: '4242', api_base_url: `${api.base}/telegram`, ...extra });
const whatsapp = (extra: JsonObject): JsonObject => ({
  access_token: GRAPH_TOKEN,
  phone_number_id: '555',
  to: '+1 555 0001',
  api_base_url: `${api.base}/graph`,
  ...extra,
});

describe('Telegram nodes beyond sending (local Bot API stand-in)', () => {
  it('edits a message and deletes one', async () => {
    expect((await run('TelegramEditMessageNode', telegram({ message_id: 77, text: 'Paid *now*', parse_mode: 'MarkdownV2' }))).outputs).toEqual({
      message_id: 77,
      chat_id: 4242,
      success: true,
      error: '',
    });
    expect(api.received[0]?.url).toBe(`/telegram/bot${BOT_TOKEN}/editMessageText`);
    expect(api.bodyOf(0)).toEqual({ chat_id: '4242', parse_mode: 'MarkdownV2', message_id: 77, text: 'Paid *now*' });
    expect((await run('TelegramDeleteMessageNode', telegram({ message_id: 77 }))).outputs).toEqual({ success: true, error: '' });
    expect(api.bodyOf(1)).toEqual({ chat_id: '4242', message_id: 77 });
    const failure = await run('TelegramDeleteMessageNode', telegram({ message_id: 404 }), 'del').then(
      () => new Error('expected a failure'),
      (error: unknown) => error as Error,
    );
    expect(failure).toMatchObject({ code: 'CONNECTOR_FAILED', status: 400, nodeId: 'del' });
    expect(failure.message).toContain('message to delete not found');
    expect(failure.message).not.toContain('bot-secret-token');
  });

  it('sends an album of 2 to 10 items and returns the message ids', async () => {
    const first: JsonObject = { type: 'photo', media: 'https://example.com/a.jpg', caption: 'a' };
    const media: JsonObject[] = [first, { type: 'photo', media: 'AgACfile-id' }];
    expect((await run('TelegramSendMediaGroupNode', telegram({ media_json: JSON.stringify(media), disable_notification: true }))).outputs).toEqual({
      message_ids: '501,502',
      count: 2,
      success: true,
      error: '',
    });
    expect(api.bodyOf(0)).toEqual({ chat_id: '4242', disable_notification: true, media });
    await expect(run('TelegramSendMediaGroupNode', telegram({ media_json: [first] }), 'mg')).rejects.toThrow(
      'nodes.mg.config.media_json: an album holds 2 to 10 items',
    );
    await expect(run('TelegramSendMediaGroupNode', telegram({ media_json: [{ type: 'gif', media: 'x' }, first] }), 'mg')).rejects.toThrow(
      'nodes.mg.config.media_json[0]',
    );
  });

  it('answers a callback query and polls updates with the long-poll timeout', async () => {
    expect((await run('TelegramAnswerCallbackNode', telegram({ chat_id: '', callback_query_id: 'cb-1', text: 'Done', show_alert: true }))).outputs).toEqual({
      success: true,
      error: '',
    });
    expect(api.bodyOf(0)).toEqual({ callback_query_id: 'cb-1', show_alert: true, text: 'Done' });
    const { outputs } = await run('TelegramGetUpdatesNode', telegram({ chat_id: '', offset: 9001, limit: 10, timeout: 0 }));
    expect(outputs).toMatchObject({ count: 2, last_update_id: 9002, success: true });
    expect(JSON.parse(typeof outputs['updates_json'] === 'string' ? outputs['updates_json'] : '')).toHaveLength(2);
    expect(api.bodyOf(1)).toEqual({ offset: 9001, limit: 10, timeout: 0 });
    await expect(run('TelegramGetUpdatesNode', telegram({ limit: 500 }), 'up')).rejects.toThrow('nodes.up.config.limit');
  });

  it('validation names node and field', () => {
    expect(catalog.validate([aWorkflowNode('TelegramEditMessageNode', { chat_id: '1', text: 'x', message_id: 'abc' }, 'te')])).toEqual([
      expect.objectContaining({ nodeId: 'te', path: 'nodes.te.config.message_id' }),
    ]);
  });
});

describe('WhatsApp media, location and interactive nodes (local Graph API stand-in)', () => {
  it('sends an image by URL, a document by media id with its file name, and a video', async () => {
    expect((await run('WhatsAppSendImageNode', whatsapp({ image: 'https://example.com/cat.jpg', caption: 'cat' }))).outputs).toEqual({
      message_id: 'wamid.XYZ',
      phone_number: '15550001',
      success: true,
      error: '',
      image_path: 'https://example.com/cat.jpg',
    });
    expect(api.bodyOf(0)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '15550001',
      type: 'image',
      image: { link: 'https://example.com/cat.jpg', caption: 'cat' },
    });
    await run('WhatsAppSendDocumentNode', whatsapp({ document: 'media-123', filename: 'report.pdf' }));
    expect(api.bodyOf(1)).toMatchObject({ type: 'document', document: { id: 'media-123', filename: 'report.pdf' } });
    expect((await run('WhatsAppSendVideoNode', whatsapp({ video: 'https://example.com/v.mp4' }))).outputs['video_path']).toBe('https://example.com/v.mp4');
    expect(api.bodyOf(2)).toMatchObject({ type: 'video', video: { link: 'https://example.com/v.mp4' } });
  });

  it('sends a location and refuses coordinates out of range', async () => {
    await run('WhatsAppSendLocationNode', whatsapp({ latitude: '52.37', longitude: 4.89, name: 'Office' }));
    expect(api.bodyOf(0)).toMatchObject({ type: 'location', location: { latitude: 52.37, longitude: 4.89, name: 'Office' } });
    await expect(run('WhatsAppSendLocationNode', whatsapp({ latitude: 0, longitude: 200 }), 'wl')).rejects.toThrow('nodes.wl.config.longitude');
  });

  it('sends buttons or a list, checking the action first', async () => {
    const buttons = { buttons: [{ type: 'reply', reply: { id: 'yes', title: 'Yes' } }] };
    const sent = await run(
      'WhatsAppSendInteractiveNode',
      whatsapp({ body_text: 'Approve?', action_json: JSON.stringify(buttons), header_json: { type: 'text', text: 'Invoice 42' }, footer_text: 'casare' }),
    );
    expect(sent.outputs).toMatchObject({ message_id: 'wamid.XYZ', interactive_type: 'button' });
    expect(api.bodyOf(0)).toMatchObject({
      type: 'interactive',
      interactive: { type: 'button', body: { text: 'Approve?' }, action: buttons, header: { type: 'text', text: 'Invoice 42' }, footer: { text: 'casare' } },
    });
    await expect(run('WhatsAppSendInteractiveNode', whatsapp({ body_text: 'x', action_json: {} }), 'wi')).rejects.toThrow(
      'nodes.wi.config.action_json.buttons',
    );
    await expect(
      run('WhatsAppSendInteractiveNode', whatsapp({ interactive_type: 'list', body_text: 'x', action_json: { sections: [] } }), 'wi'),
    ).rejects.toThrow('nodes.wi.config.action_json');
    expect(api.received).toHaveLength(1);
  });

  it('a refused token fails with the API message', async () => {
    await expect(run('WhatsAppSendImageNode', whatsapp({ access_token: 'nope', image: 'https://x/y.png' }))).rejects.toMatchObject({
      code: 'CONNECTOR_AUTH_FAILED',
    });
  });
});
