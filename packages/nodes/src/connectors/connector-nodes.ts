import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import {
  anyValue,
  boolean,
  integer,
  isJsonArray,
  isJsonObject,
  nonEmptyText,
  number,
  oneOf,
  optionalText,
  text,
  tryParseJson,
} from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { resolveInside } from '../files/working-directory.js';
import { callConnector, requiredToken } from './connector-api.js';

// ---------------------------------------------------------------------------------------------
// Telegram Bot API

const TELEGRAM_API = 'https://api.telegram.org';

/** Config fields every Telegram node shares. */
export const telegramFields = {
  bot_token: optionalText(),
  chat_id: nonEmptyText(),
  parse_mode: oneOf(['Markdown', 'MarkdownV2', 'HTML']).optional(),
  disable_notification: boolean(false),
  api_base_url: text(TELEGRAM_API),
  timeout: number(30),
  allow_outside_working_dir: boolean(false),
};

/** Parsed shared Telegram config. */
export type TelegramConfig = z.output<z.ZodObject<typeof telegramFields>>;

/** Calls one Bot API method and returns its `result`; the token is in the URL path, which messages never show. */
export async function telegramResult(
  execution: NodeExecution,
  config: TelegramConfig,
  method: string,
  payload: JsonObject | FormData,
  timeoutSeconds = config.timeout,
): Promise<Json> {
  const token = requiredToken(config.bot_token, 'bot_token');
  const answer = await callConnector(execution, {
    service: 'Telegram',
    base: config.api_base_url,
    path: `bot${token}/${method}`,
    shownPath: `bot***/${method}`,
    ...(payload instanceof FormData ? { form: payload } : { json: payload }),
    timeoutSeconds,
    errorOf: (body) => (typeof body['description'] === 'string' ? body['description'] : undefined),
  });
  return answer['result'] ?? null;
}

/** Calls a Bot API method that answers with a message; returns its ids. */
export async function telegram(
  execution: NodeExecution,
  config: TelegramConfig,
  method: string,
  payload: JsonObject | FormData,
): Promise<{ message_id: Json; chat_id: Json }> {
  const answer = await telegramResult(execution, config, method, payload);
  const result = isJsonObject(answer) ? answer : {};
  const chat = isJsonObject(result['chat']) ? result['chat'] : {};
  return { message_id: result['message_id'] ?? 0, chat_id: chat['id'] ?? 0 };
}

/** The fields of a message every send method takes. */
export function common(config: TelegramConfig): JsonObject {
  return { chat_id: config.chat_id, disable_notification: config.disable_notification, ...(config.parse_mode ? { parse_mode: config.parse_mode } : {}) };
}

/** Outputs of the Telegram nodes that send a message. */
export const TELEGRAM_OUTPUTS = ['message_id', 'chat_id', 'success', 'error'];

const telegramSendMessageNode = defineNode({
  types: ['TelegramSendMessageNode'],
  config: z.looseObject({ ...telegramFields, text: nonEmptyText(), reply_to_message_id: integer(0) }),
  ports: { inputs: ['bot_token', 'chat_id', 'text', 'parse_mode', 'disable_notification', 'reply_to_message_id'], outputs: [...TELEGRAM_OUTPUTS, 'text'] },
  run: async (config, execution) => {
    if (config.text.length > 4096) throw new ConfigFieldError('text', 'Telegram messages hold at most 4096 characters');
    const payload: JsonObject = {
      ...common(config),
      text: config.text,
      ...(config.reply_to_message_id ? { reply_to_message_id: config.reply_to_message_id } : {}),
    };
    const sent = await telegram(execution, config, 'sendMessage', payload);
    return { outputs: { ...sent, success: true, error: '', text: config.text } };
  },
});

/**
 * A photo or document: a file of the working directory is uploaded; anything else (an URL, a
 * Telegram file_id) is passed on as text.
 */
async function telegramFile(
  execution: NodeExecution,
  config: TelegramConfig,
  field: 'photo' | 'document',
  value: string,
  extra: JsonObject,
): Promise<JsonObject | FormData> {
  const isUrl = /^https?:\/\//i.test(value);
  const local = isUrl ? undefined : await resolveInside(execution.workingDirectory, value, field, config.allow_outside_working_dir);
  const exists = local
    ? await stat(local).then(
        (info) => info.isFile(),
        () => false,
      )
    : false;
  if (!local || !exists) return { ...common(config), ...extra, [field]: value };
  const form = new FormData();
  for (const [name, item] of Object.entries({ ...common(config), ...extra })) form.append(name, textOf(item));
  const filename = typeof extra['filename'] === 'string' && extra['filename'] !== '' ? extra['filename'] : basename(local);
  form.append(field, await openAsBlob(local), filename);
  return form;
}

const telegramSendPhotoNode = defineNode({
  types: ['TelegramSendPhotoNode'],
  config: z.looseObject({ ...telegramFields, photo: nonEmptyText(), caption: text('') }),
  ports: { inputs: ['bot_token', 'chat_id', 'photo', 'caption', 'parse_mode', 'disable_notification'], outputs: [...TELEGRAM_OUTPUTS, 'photo_path'] },
  run: async (config, execution) => {
    const payload = await telegramFile(execution, config, 'photo', config.photo, config.caption ? { caption: config.caption } : {});
    return { outputs: { ...(await telegram(execution, config, 'sendPhoto', payload)), success: true, error: '', photo_path: config.photo } };
  },
});

const telegramSendDocumentNode = defineNode({
  types: ['TelegramSendDocumentNode'],
  config: z.looseObject({ ...telegramFields, document: nonEmptyText(), filename: text(''), caption: text('') }),
  ports: {
    inputs: ['bot_token', 'chat_id', 'document', 'filename', 'caption', 'parse_mode', 'disable_notification'],
    outputs: [...TELEGRAM_OUTPUTS, 'document_path'],
  },
  run: async (config, execution) => {
    const payload = await telegramFile(execution, config, 'document', config.document, {
      ...(config.caption ? { caption: config.caption } : {}),
      ...(config.filename ? { filename: config.filename } : {}),
    });
    return { outputs: { ...(await telegram(execution, config, 'sendDocument', payload)), success: true, error: '', document_path: config.document } };
  },
});

const telegramSendLocationNode = defineNode({
  types: ['TelegramSendLocationNode'],
  config: z.looseObject({ ...telegramFields, latitude: number(), longitude: number() }),
  ports: { inputs: ['bot_token', 'chat_id', 'latitude', 'longitude', 'disable_notification'], outputs: [...TELEGRAM_OUTPUTS, 'latitude', 'longitude'] },
  run: async (config, execution) => {
    if (config.latitude < -90 || config.latitude > 90) throw new ConfigFieldError('latitude', 'must be between -90 and 90');
    if (config.longitude < -180 || config.longitude > 180) throw new ConfigFieldError('longitude', 'must be between -180 and 180');
    const sent = await telegram(execution, config, 'sendLocation', { ...common(config), latitude: config.latitude, longitude: config.longitude });
    return { outputs: { ...sent, success: true, error: '', latitude: config.latitude, longitude: config.longitude } };
  },
});

// ---------------------------------------------------------------------------------------------
// WhatsApp Business Cloud API (Meta Graph API)

const WHATSAPP_API = 'https://graph.facebook.com/v18.0';

/** Config fields every WhatsApp node shares. */
export const whatsappFields = {
  access_token: optionalText(),
  phone_number_id: optionalText(),
  to: nonEmptyText(),
  api_base_url: text(WHATSAPP_API),
  timeout: number(30),
};

/** Sends one WhatsApp Cloud API message to `to`; returns the message id and the number it went to. */
export async function whatsapp(execution: NodeExecution, config: z.output<z.ZodObject<typeof whatsappFields>>, message: JsonObject) {
  const token = requiredToken(config.access_token, 'access_token');
  const phoneId = requiredToken(config.phone_number_id, 'phone_number_id');
  const to = config.to.replace(/[\s+]/g, '');
  const answer = await callConnector(execution, {
    service: 'WhatsApp',
    base: config.api_base_url,
    path: `${encodeURIComponent(phoneId)}/messages`,
    shownPath: `${encodeURIComponent(phoneId)}/messages`,
    headers: { authorization: `Bearer ${token}` },
    json: { messaging_product: 'whatsapp', recipient_type: 'individual', to, ...message },
    timeoutSeconds: config.timeout,
    errorOf: (body) => (isJsonObject(body['error']) && typeof body['error']['message'] === 'string' ? body['error']['message'] : undefined),
  });
  const messages = isJsonArray(answer['messages']) ? answer['messages'] : [];
  const first = isJsonObject(messages[0]) ? messages[0] : {};
  return { message_id: first['id'] ?? '', phone_number: to, success: true, error: '' };
}

const whatsappSendMessageNode = defineNode({
  types: ['WhatsAppSendMessageNode'],
  config: z.looseObject({ ...whatsappFields, text: nonEmptyText(), preview_url: boolean(false) }),
  ports: { inputs: ['access_token', 'phone_number_id', 'to', 'text', 'preview_url'], outputs: ['message_id', 'phone_number', 'success', 'error', 'text'] },
  run: async (config, execution) => ({
    outputs: { ...(await whatsapp(execution, config, { type: 'text', text: { body: config.text, preview_url: config.preview_url } })), text: config.text },
  }),
});

const whatsappSendTemplateNode = defineNode({
  types: ['WhatsAppSendTemplateNode'],
  config: z.looseObject({ ...whatsappFields, template_name: nonEmptyText(), language_code: text('en_US'), components: anyValue() }),
  ports: {
    inputs: ['access_token', 'phone_number_id', 'to', 'template_name', 'language_code', 'components'],
    outputs: ['message_id', 'phone_number', 'success', 'error', 'template_name'],
  },
  run: async (config, execution) => {
    const parsed = typeof config.components === 'string' ? (config.components.trim() === '' ? [] : tryParseJson(config.components)) : config.components;
    if (parsed !== null && parsed !== undefined && !isJsonArray(parsed) && !(isJsonObject(parsed) && Object.keys(parsed).length === 0)) {
      throw new ConfigFieldError('components', 'expected a JSON list of template components');
    }
    const components = isJsonArray(parsed) ? parsed : [];
    const template: JsonObject = { name: config.template_name, language: { code: config.language_code }, ...(components.length > 0 ? { components } : {}) };
    return { outputs: { ...(await whatsapp(execution, config, { type: 'template', template })), template_name: config.template_name } };
  },
});

// ---------------------------------------------------------------------------------------------
// LLM chat/completion against an OpenAI-compatible endpoint

const LLM_API = 'https://api.openai.com/v1';

/** Config fields every node calling the OpenAI-compatible endpoint shares. */
export const llmFields = {
  api_key: optionalText(),
  base_url: text(LLM_API),
  model: text('gpt-4o-mini'),
  system_prompt: text(''),
  temperature: number(0.7),
  max_tokens: integer(1000),
  timeout: number(120),
};

/** Parsed shared LLM config. */
export type LlmConfig = z.output<z.ZodObject<typeof llmFields>>;
/** One part of a message with an image (OpenAI's vision format): text, or an image as a URL or `data:` URL. */
export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
/** One message of a chat completion; a user message may mix text and images. */
export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string | ChatContentPart[] };

/** One JSON call to the OpenAI-compatible endpoint (`chat/completions`, `embeddings`), the key sent as a Bearer token. */
export function callLlmEndpoint(
  execution: NodeExecution,
  config: { readonly api_key?: string | undefined; readonly base_url: string; readonly timeout: number },
  path: string,
  json: Json,
): Promise<JsonObject> {
  const key = requiredToken(config.api_key, 'api_key');
  return callConnector(execution, {
    service: 'LLM',
    base: config.base_url,
    path,
    shownPath: path,
    headers: { authorization: `Bearer ${key}` },
    json,
    timeoutSeconds: config.timeout,
    errorOf: (body) => (isJsonObject(body['error']) && typeof body['error']['message'] === 'string' ? body['error']['message'] : undefined),
  });
}

/** One chat completion; returns the answer text, tokens used and the model that answered. */
export async function chatCompletion(execution: NodeExecution, config: LlmConfig, messages: readonly ChatMessage[]) {
  if (config.temperature < 0 || config.temperature > 2) throw new ConfigFieldError('temperature', 'must be between 0 and 2');
  if (config.max_tokens < 1) throw new ConfigFieldError('max_tokens', 'must be at least 1');
  const answer = await callLlmEndpoint(execution, config, 'chat/completions', {
    model: config.model,
    messages: messages.map((message) => ({ ...message })),
    temperature: config.temperature,
    max_tokens: config.max_tokens,
  });
  const choices = isJsonArray(answer['choices']) ? answer['choices'] : [];
  const first = isJsonObject(choices[0]) ? choices[0] : {};
  const message = isJsonObject(first['message']) ? first['message'] : {};
  const usage = isJsonObject(answer['usage']) ? answer['usage'] : {};
  return {
    response: typeof message['content'] === 'string' ? message['content'] : '',
    tokens_used: usage['total_tokens'] ?? 0,
    model_used: answer['model'] ?? config.model,
  };
}

/** Puts the config's system prompt, if any, before the messages. */
export function withSystem(config: LlmConfig, messages: ChatMessage[]): ChatMessage[] {
  return config.system_prompt ? [{ role: 'system', content: config.system_prompt }, ...messages] : messages;
}

const LLM_OUTPUTS = ['response', 'tokens_used', 'model_used', 'success', 'error'];

const llmCompletionNode = defineNode({
  types: ['LLMCompletionNode'],
  config: z.looseObject({ ...llmFields, prompt: nonEmptyText() }),
  ports: { inputs: ['prompt', 'model', 'system_prompt', 'temperature', 'max_tokens'], outputs: LLM_OUTPUTS },
  run: async (config, execution) => ({
    outputs: { ...(await chatCompletion(execution, config, withSystem(config, [{ role: 'user', content: config.prompt }]))), success: true, error: '' },
  }),
});

/** Resource hint key holding one conversation's messages (kept in the run's state, so a resumed run continues it). */
export function conversationHintKey(conversationId: string): string {
  return `llm:conversation:${conversationId}`;
}

function historyOf(execution: NodeExecution, conversationId: string): ChatMessage[] {
  const hint = execution.resources[conversationHintKey(conversationId)];
  const messages = isJsonObject(hint) && isJsonArray(hint['messages']) ? hint['messages'] : [];
  return messages.flatMap((message): ChatMessage[] =>
    isJsonObject(message) && (message['role'] === 'user' || message['role'] === 'assistant') && typeof message['content'] === 'string'
      ? [{ role: message['role'], content: message['content'] }]
      : [],
  );
}

const llmChatNode = defineNode({
  types: ['LLMChatNode'],
  config: z.looseObject({ ...llmFields, message: nonEmptyText(), conversation_id: text('') }),
  ports: { inputs: ['message', 'conversation_id', 'model', 'system_prompt', 'temperature', 'max_tokens'], outputs: [...LLM_OUTPUTS, 'conversation_id'] },
  run: async (config, execution) => {
    const conversationId = config.conversation_id || randomUUID();
    const history: ChatMessage[] = [...historyOf(execution, conversationId), { role: 'user', content: config.message }];
    const answer = await chatCompletion(execution, config, withSystem(config, history));
    const messages = [...history, { role: 'assistant', content: answer.response }];
    return {
      outputs: { ...answer, success: true, error: '', conversation_id: conversationId },
      resources: { [conversationHintKey(conversationId)]: { messages } },
    };
  },
});

/** Connector nodes: Telegram (message, photo, document, location), WhatsApp Cloud API (message, template), LLM completion and chat. */
export const connectorNodeHandlers: readonly CatalogNodeHandler[] = [
  telegramSendMessageNode,
  telegramSendPhotoNode,
  telegramSendDocumentNode,
  telegramSendLocationNode,
  whatsappSendMessageNode,
  whatsappSendTemplateNode,
  llmCompletionNode,
  llmChatNode,
];
