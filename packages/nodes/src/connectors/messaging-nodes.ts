import type { JsonObject } from '@casare-rpa/domain';
import { z } from 'zod';
import { boolean, dict, integer, isJsonArray, isJsonObject, list, nonEmptyText, number, oneOf, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { textOf } from '../data/values.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { common, telegram, telegramFields, telegramResult, TELEGRAM_OUTPUTS, whatsapp, whatsappFields } from './connector-nodes.js';

// More Telegram Bot API and WhatsApp Cloud API nodes, on the same calls as the send nodes of
// connector-nodes.ts: edit, delete, albums, callback answers and polling for Telegram; images,
// documents, videos, locations and buttons or lists for WhatsApp. Media are given as URLs or the
// service's own file/media ids.

const telegramEditMessageNode = defineNode({
  types: ['TelegramEditMessageNode'],
  config: z.looseObject({ ...telegramFields, message_id: integer(), text: nonEmptyText() }),
  ports: { inputs: ['bot_token', 'chat_id', 'message_id', 'text', 'parse_mode'], outputs: TELEGRAM_OUTPUTS },
  run: async (config, execution) => {
    if (config.text.length > 4096) throw new ConfigFieldError('text', 'Telegram messages hold at most 4096 characters');
    const { disable_notification: _quiet, ...fields } = common(config);
    const sent = await telegram(execution, config, 'editMessageText', { ...fields, message_id: config.message_id, text: config.text });
    return { outputs: { ...sent, success: true, error: '' } };
  },
});

const telegramDeleteMessageNode = defineNode({
  types: ['TelegramDeleteMessageNode'],
  config: z.looseObject({ ...telegramFields, message_id: integer() }),
  ports: { inputs: ['bot_token', 'chat_id', 'message_id'], outputs: ['success', 'error'] },
  run: async (config, execution) => {
    await telegramResult(execution, config, 'deleteMessage', { chat_id: config.chat_id, message_id: config.message_id });
    return { outputs: { success: true, error: '' } };
  },
});

const telegramSendMediaGroupNode = defineNode({
  types: ['TelegramSendMediaGroupNode'],
  config: z.looseObject({ ...telegramFields, media_json: list() }),
  ports: { inputs: ['bot_token', 'chat_id', 'media_json', 'disable_notification'], outputs: ['message_ids', 'count', 'success', 'error'] },
  run: async (config, execution) => {
    const media = config.media_json;
    if (media.length < 2 || media.length > 10) throw new ConfigFieldError('media_json', `an album holds 2 to 10 items, got ${media.length}`);
    media.forEach((item, index) => {
      if (!isJsonObject(item) || !['photo', 'video', 'document', 'audio'].includes(textOf(item['type'] ?? '')) || typeof item['media'] !== 'string') {
        throw new ConfigFieldError(`media_json[${index}]`, 'expected {"type": "photo"|"video"|"document"|"audio", "media": "<URL or file_id>"}');
      }
    });
    const { parse_mode: _mode, ...fields } = common(config);
    const answer = await telegramResult(execution, config, 'sendMediaGroup', { ...fields, media: [...media] });
    const messages = isJsonArray(answer) ? answer : [];
    const ids = messages.map((message) => (isJsonObject(message) ? textOf(message['message_id'] ?? '') : ''));
    return { outputs: { message_ids: ids.join(','), count: messages.length, success: true, error: '' } };
  },
});

const telegramAnswerCallbackNode = defineNode({
  types: ['TelegramAnswerCallbackNode'],
  config: z.looseObject({ ...telegramFields, chat_id: text(''), callback_query_id: nonEmptyText(), text: text(''), show_alert: boolean(false), url: text('') }),
  ports: { inputs: ['bot_token', 'callback_query_id', 'text', 'show_alert', 'url'], outputs: ['success', 'error'] },
  run: async (config, execution) => {
    if (config.text.length > 200) throw new ConfigFieldError('text', 'a callback answer holds at most 200 characters');
    await telegramResult(execution, config, 'answerCallbackQuery', {
      callback_query_id: config.callback_query_id,
      show_alert: config.show_alert,
      ...(config.text ? { text: config.text } : {}),
      ...(config.url ? { url: config.url } : {}),
    });
    return { outputs: { success: true, error: '' } };
  },
});

const telegramGetUpdatesNode = defineNode({
  types: ['TelegramGetUpdatesNode'],
  // `timeout` is v1's long-polling wait here; the HTTP call may take that long plus a margin.
  config: z.looseObject({ ...telegramFields, chat_id: text(''), offset: integer(0), limit: integer(100), timeout: integer(30) }),
  ports: { inputs: ['bot_token', 'offset', 'limit', 'timeout'], outputs: ['updates_json', 'count', 'last_update_id', 'success', 'error'] },
  run: async (config, execution) => {
    if (config.limit < 1 || config.limit > 100) throw new ConfigFieldError('limit', 'must be between 1 and 100');
    if (config.timeout < 0 || config.timeout > 120) throw new ConfigFieldError('timeout', 'must be between 0 and 120 seconds');
    const answer = await telegramResult(
      execution,
      config,
      'getUpdates',
      { offset: config.offset, limit: config.limit, timeout: config.timeout },
      config.timeout + 15,
    );
    const updates = isJsonArray(answer) ? answer : [];
    const last = updates.at(-1);
    const lastId = isJsonObject(last) && typeof last['update_id'] === 'number' ? last['update_id'] : 0;
    return { outputs: { updates_json: JSON.stringify(updates), count: updates.length, last_update_id: lastId, success: true, error: '' } };
  },
});

/** A WhatsApp media object: `link` for an URL, `id` for a media id uploaded before. */
function mediaRef(value: string): JsonObject {
  return /^https?:\/\//i.test(value) ? { link: value } : { id: value };
}

const WHATSAPP_OUTPUTS = ['message_id', 'phone_number', 'success', 'error'];

/** The WhatsApp media nodes differ only in the media kind and whether it may carry a file name. */
const WHATSAPP_MEDIA = [
  { type: 'WhatsAppSendImageNode', kind: 'image', output: 'image_path', filename: false },
  { type: 'WhatsAppSendDocumentNode', kind: 'document', output: 'document_path', filename: true },
  { type: 'WhatsAppSendVideoNode', kind: 'video', output: 'video_path', filename: false },
] as const;

const whatsappMediaNodes = WHATSAPP_MEDIA.map(({ type, kind, output, filename }) =>
  defineNode({
    types: [type],
    config: z.looseObject({ ...whatsappFields, [kind]: nonEmptyText(), caption: text(''), filename: text('') }),
    ports: {
      inputs: ['access_token', 'phone_number_id', 'to', kind, 'caption', ...(filename ? ['filename'] : [])],
      outputs: [...WHATSAPP_OUTPUTS, output],
    },
    run: async (config, execution) => {
      const source = String(config[kind]);
      const media: JsonObject = {
        ...mediaRef(source),
        ...(config.caption ? { caption: config.caption } : {}),
        ...(filename && config.filename ? { filename: config.filename } : {}),
      };
      return { outputs: { ...(await whatsapp(execution, config, { type: kind, [kind]: media })), [output]: source } };
    },
  }),
);

const whatsappSendLocationNode = defineNode({
  types: ['WhatsAppSendLocationNode'],
  config: z.looseObject({ ...whatsappFields, latitude: number(), longitude: number(), name: text(''), address: text('') }),
  ports: {
    inputs: ['access_token', 'phone_number_id', 'to', 'latitude', 'longitude', 'name', 'address'],
    outputs: [...WHATSAPP_OUTPUTS, 'latitude', 'longitude'],
  },
  run: async (config, execution) => {
    if (config.latitude < -90 || config.latitude > 90) throw new ConfigFieldError('latitude', 'must be between -90 and 90');
    if (config.longitude < -180 || config.longitude > 180) throw new ConfigFieldError('longitude', 'must be between -180 and 180');
    const location: JsonObject = {
      latitude: config.latitude,
      longitude: config.longitude,
      ...(config.name ? { name: config.name } : {}),
      ...(config.address ? { address: config.address } : {}),
    };
    return { outputs: { ...(await whatsapp(execution, config, { type: 'location', location })), latitude: config.latitude, longitude: config.longitude } };
  },
});

const whatsappSendInteractiveNode = defineNode({
  types: ['WhatsAppSendInteractiveNode'],
  config: z.looseObject({
    ...whatsappFields,
    interactive_type: oneOf(['button', 'list'], 'button'),
    body_text: nonEmptyText(),
    action_json: dict(),
    header_json: dict(),
    footer_text: text(''),
  }),
  ports: {
    inputs: ['access_token', 'phone_number_id', 'to', 'interactive_type', 'body_text', 'action_json', 'header_json', 'footer_text'],
    outputs: [...WHATSAPP_OUTPUTS, 'interactive_type'],
  },
  run: async (config, execution) => {
    const action = config.action_json;
    if (config.interactive_type === 'button' && (!isJsonArray(action['buttons']) || action['buttons'].length === 0 || action['buttons'].length > 3)) {
      throw new ConfigFieldError('action_json.buttons', 'a button message needs 1 to 3 buttons ({"type": "reply", "reply": {"id": "...", "title": "..."}})');
    }
    if (config.interactive_type === 'list' && (!isJsonArray(action['sections']) || action['sections'].length === 0 || typeof action['button'] !== 'string')) {
      throw new ConfigFieldError('action_json', 'a list message needs "button" (its label) and a non-empty "sections" list');
    }
    const interactive: JsonObject = {
      type: config.interactive_type,
      body: { text: config.body_text },
      action,
      ...(Object.keys(config.header_json).length > 0 ? { header: config.header_json } : {}),
      ...(config.footer_text ? { footer: { text: config.footer_text } } : {}),
    };
    return { outputs: { ...(await whatsapp(execution, config, { type: 'interactive', interactive })), interactive_type: config.interactive_type } };
  },
});

/** Messaging nodes beyond the send nodes: Telegram edit, delete, album, callback answer, updates; WhatsApp media, location, interactive. */
export const messagingNodeHandlers: readonly CatalogNodeHandler[] = [
  telegramEditMessageNode,
  telegramDeleteMessageNode,
  telegramSendMediaGroupNode,
  telegramAnswerCallbackNode,
  telegramGetUpdatesNode,
  ...whatsappMediaNodes,
  whatsappSendLocationNode,
  whatsappSendInteractiveNode,
];
