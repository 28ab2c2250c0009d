import type { Json, JsonObject } from '@casare-rpa/domain';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Mail from 'nodemailer/lib/mailer';
import { boolean, integer, isJsonObject, list, nonEmptyText, oneOf, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import type { CatalogNodeHandler } from '../catalog/node-definition.js';
import { commaList, messageIdFor } from '../email/smtp-nodes.js';
import { resolveInside } from '../files/working-directory.js';
import { batchStatus, eachOf, googleNodes, idList, listAt, objectAt, itemList, operation, segment, textItems, type GoogleApi } from './google-api.js';

// Gmail API v1, one row per v1 type. Mails are RFC 822 messages built by nodemailer's MailComposer
// (as SendEmailNode builds them) and sent base64url-encoded. A sent mail's Message-ID comes from
// the run's idempotency key; before sending, the node asks Gmail for a message with that id
// (`rfc822msgid:`), so the re-run of a step that crashed after Gmail took the mail sends nothing.

const USER = 'gmail/v1/users/me';

const recipientFields = { to: nonEmptyText(), cc: text(''), bcc: text('') };
const bodyFields = { body: text(''), body_type: oneOf(['plain', 'html', 'text'], 'plain') };
const attachmentField = { attachments: itemList(), allow_outside_working_dir: boolean(false) };
const composeFields = { ...recipientFields, subject: text(''), ...bodyFields, ...attachmentField };

type BodyType = 'plain' | 'html' | 'text';

interface Outgoing {
  readonly to: string;
  readonly cc: string;
  readonly bcc: string;
  readonly subject: string;
  readonly body: string;
  readonly bodyType: BodyType;
  readonly messageId: string;
  readonly attachments?: Mail.Attachment[];
  readonly inReplyTo?: string;
  readonly references?: string;
}

/** The RFC 822 message, base64url-encoded as Gmail's `raw` wants it. */
async function rawMessage(mail: Outgoing): Promise<string> {
  // Loaded on first use (docs/architecture.md): a process that sends no Gmail never loads it.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const built = await new MailComposer({
    to: commaList(mail.to),
    cc: commaList(mail.cc),
    bcc: commaList(mail.bcc),
    subject: mail.subject,
    messageId: mail.messageId,
    ...(mail.bodyType === 'html' ? { html: mail.body } : { text: mail.body }),
    ...(mail.attachments ? { attachments: mail.attachments } : {}),
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: mail.references ?? mail.inReplyTo } : {}),
  })
    .compile()
    .build();
  return built.toString('base64url');
}

/** Working-directory files to attach; a missing one is a config error, not a mail without it. */
async function attachmentsOf(api: GoogleApi, value: readonly Json[], allowOutside: boolean): Promise<Mail.Attachment[]> {
  const attachments: Mail.Attachment[] = [];
  for (const path of textItems(value)) {
    const full = await resolveInside(api.execution.workingDirectory, path, 'attachments', allowOutside);
    const isFile = await stat(full).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!isFile) throw new ConfigFieldError('attachments', `no such file: ${path}`);
    attachments.push({ path: full });
  }
  return attachments;
}

/** The Message-ID of the run's mail number `index` of this step. */
function messageIdOf(api: GoogleApi, index?: number): string {
  return messageIdFor(index === undefined ? api.execution.idempotencyKey : `${api.execution.idempotencyKey}.${index}`, undefined);
}

/** Gmail's `rfc822msgid:` search: the message (or draft) this step already made, if any. */
async function madeBefore(api: GoogleApi, messageId: string, drafts: boolean): Promise<JsonObject | undefined> {
  const q = `rfc822msgid:${messageId.replace(/^<|>$/g, '')}`;
  const found = await api.call('GET', drafts ? `${USER}/drafts` : `${USER}/messages`, { query: { q, maxResults: 1, includeSpamTrash: true } });
  const first = listAt(found, drafts ? 'drafts' : 'messages')[0];
  return isJsonObject(first) ? first : undefined;
}

/** Sends one mail unless this step sent it already; returns Gmail's message id and thread id. */
async function sendOnce(api: GoogleApi, mail: Outgoing, threadId?: string): Promise<JsonObject> {
  const sent =
    (await madeBefore(api, mail.messageId, false)) ??
    (await api.call('POST', `${USER}/messages/send`, { json: { raw: await rawMessage(mail), ...(threadId ? { threadId } : {}) } }));
  return { message_id: sent['id'] ?? '', thread_id: sent['threadId'] ?? '' };
}

/** The headers of a Gmail message payload, by lower-case name. */
function headersOf(payload: JsonObject): Map<string, string> {
  const headers = new Map<string, string>();
  for (const header of listAt(payload, 'headers')) {
    if (isJsonObject(header) && typeof header['name'] === 'string' && typeof header['value'] === 'string')
      headers.set(header['name'].toLowerCase(), header['value']);
  }
  return headers;
}

/** Every MIME part of a payload, depth first. */
function partsOf(part: JsonObject): JsonObject[] {
  return [part, ...listAt(part, 'parts').flatMap((child) => (isJsonObject(child) ? partsOf(child) : []))];
}

function decoded(part: JsonObject | undefined): string {
  const data = objectAt(part, 'body')['data'];
  return typeof data === 'string' ? Buffer.from(data, 'base64url').toString('utf8') : '';
}

/** Subject, addresses, text body and attachment list of a `format=full` message. */
function readMessage(message: JsonObject): JsonObject {
  const payload = objectAt(message, 'payload');
  const headers = headersOf(payload);
  const parts = partsOf(payload);
  const textPart = parts.find((part) => part['mimeType'] === 'text/plain' && !part['filename']) ?? parts.find((part) => part['mimeType'] === 'text/html');
  const attachments = parts
    .filter((part) => typeof part['filename'] === 'string' && part['filename'] !== '')
    .map((part) => ({
      filename: part['filename'] ?? '',
      mimeType: part['mimeType'] ?? '',
      size: objectAt(part, 'body')['size'] ?? 0,
      attachmentId: objectAt(part, 'body')['attachmentId'] ?? '',
    }));
  return {
    subject: headers.get('subject') ?? '',
    from: headers.get('from') ?? '',
    to: headers.get('to') ?? '',
    date: headers.get('date') ?? '',
    body: decoded(textPart),
    snippet: message['snippet'] ?? '',
    labels: listAt(message, 'labelIds'),
    attachments,
  };
}

/** Adds and removes labels of one message; returns its labels after. */
async function relabel(api: GoogleApi, messageId: string, add: readonly string[], remove: readonly string[]): Promise<JsonObject> {
  const answer = await api.call('POST', `${USER}/messages/${segment(messageId)}/modify`, { json: { addLabelIds: [...add], removeLabelIds: [...remove] } });
  return { labels: listAt(answer, 'labelIds') };
}

/** A node that only switches fixed labels of one message (mark read, archive...). */
function labelSwitch(types: readonly string[], add: readonly string[], remove: readonly string[]) {
  return operation({
    types,
    fields: { message_id: nonEmptyText() },
    outputs: [],
    run: async (config, api) => {
      await relabel(api, config.message_id, add, remove);
      return {};
    },
  });
}

const listFields = { max_results: integer(10), page_token: text('') };

async function listMessages(api: GoogleApi, config: { max_results: number; page_token: string }, filter: { q?: string; labelIds?: string[] }) {
  if (config.max_results < 1 || config.max_results > 500) throw new ConfigFieldError('max_results', 'must be between 1 and 500');
  const answer = await api.call('GET', `${USER}/messages`, { query: { maxResults: config.max_results, pageToken: config.page_token, ...filter } });
  const messages = listAt(answer, 'messages');
  return { messages, count: messages.length, next_page_token: answer['nextPageToken'] ?? '' };
}

const SEND_OUTPUTS = ['message_id', 'thread_id'];

const gmailOperations = [
  operation({
    types: ['GmailSendEmailNode'],
    fields: { ...recipientFields, subject: text(''), ...bodyFields },
    outputs: SEND_OUTPUTS,
    run: (config, api) => sendOnce(api, { ...config, bodyType: config.body_type, messageId: messageIdOf(api) }),
  }),
  operation({
    types: ['GmailSendWithAttachmentNode'],
    fields: composeFields,
    outputs: SEND_OUTPUTS,
    run: async (config, api) => {
      const attachments = await attachmentsOf(api, config.attachments, config.allow_outside_working_dir);
      return sendOnce(api, { ...config, bodyType: config.body_type, messageId: messageIdOf(api), attachments });
    },
  }),
  operation({
    types: ['GmailCreateDraftNode'],
    fields: composeFields,
    outputs: ['draft_id', 'message_id'],
    run: async (config, api) => {
      const messageId = messageIdOf(api);
      const attachments = await attachmentsOf(api, config.attachments, config.allow_outside_working_dir);
      const draft =
        (await madeBefore(api, messageId, true)) ??
        (await api.call('POST', `${USER}/drafts`, {
          json: { message: { raw: await rawMessage({ ...config, bodyType: config.body_type, messageId, attachments }) } },
        }));
      return { draft_id: draft['id'] ?? '', message_id: objectAt(draft, 'message')['id'] ?? '' };
    },
  }),
  operation({
    types: ['GmailSendDraftNode'],
    fields: { draft_id: nonEmptyText() },
    outputs: SEND_OUTPUTS,
    run: async (config, api) => {
      const sent = await api.call('POST', `${USER}/drafts/send`, { json: { id: config.draft_id } });
      return { message_id: sent['id'] ?? '', thread_id: sent['threadId'] ?? '' };
    },
  }),
  operation({
    types: ['GmailReplyToEmailNode'],
    fields: { thread_id: nonEmptyText(), message_id: nonEmptyText(), ...bodyFields, cc: text(''), bcc: text('') },
    outputs: SEND_OUTPUTS,
    run: async (config, api) => {
      const original = await api.call('GET', `${USER}/messages/${segment(config.message_id)}`, {
        query: { format: 'metadata', metadataHeaders: ['Subject', 'From', 'Reply-To', 'Message-ID', 'References'] },
      });
      const headers = headersOf(objectAt(original, 'payload'));
      const subject = headers.get('subject') ?? '';
      const parentId = headers.get('message-id') ?? '';
      return sendOnce(
        api,
        {
          to: headers.get('reply-to') ?? headers.get('from') ?? '',
          cc: config.cc,
          bcc: config.bcc,
          subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`,
          body: config.body,
          bodyType: config.body_type,
          messageId: messageIdOf(api),
          ...(parentId ? { inReplyTo: parentId, references: `${headers.get('references') ?? ''} ${parentId}`.trim() } : {}),
        },
        config.thread_id,
      );
    },
  }),
  operation({
    types: ['GmailForwardEmailNode'],
    fields: { message_id: nonEmptyText(), ...recipientFields, additional_body: text('') },
    outputs: SEND_OUTPUTS,
    run: async (config, api) => {
      const original = await api.call('GET', `${USER}/messages/${segment(config.message_id)}`, { query: { format: 'raw' } });
      const raw = typeof original['raw'] === 'string' ? Buffer.from(original['raw'], 'base64url') : Buffer.alloc(0);
      const subject = /^Subject:[ \t]*(.*)$/im.exec(raw.subarray(0, 64 * 1024).toString('utf8'))?.[1]?.trim() ?? '';
      // The original travels whole as a message/rfc822 attachment, its own attachments included.
      const attachments: Mail.Attachment[] = [{ filename: 'forwarded.eml', content: raw, contentType: 'message/rfc822' }];
      return sendOnce(api, {
        ...config,
        subject: /^fwd?:/i.test(subject) ? subject : `Fwd: ${subject}`,
        body: config.additional_body,
        bodyType: 'plain',
        messageId: messageIdOf(api),
        attachments,
      });
    },
  }),
  operation({
    types: ['GmailBatchSendNode'],
    fields: { emails: list() },
    outputs: ['results', 'sent_count', 'failed_count'],
    run: async (config, api) => {
      if (config.emails.length === 0) throw new ConfigFieldError('emails', 'must list at least one email');
      const emails = config.emails.map((email, index) => {
        if (!isJsonObject(email)) throw new ConfigFieldError(`emails[${index}]`, 'expected an object with to, subject and body');
        return email;
      });
      const field = (email: JsonObject, name: string) => (typeof email[name] === 'string' ? email[name] : '');
      const batch = await eachOf(
        emails,
        true,
        (email) => ({ to: field(email, 'to') }),
        (email, index) =>
          sendOnce(api, {
            to: field(email, 'to'),
            cc: field(email, 'cc'),
            bcc: field(email, 'bcc'),
            subject: field(email, 'subject'),
            body: field(email, 'body'),
            bodyType: field(email, 'body_type') === 'html' ? 'html' : 'plain',
            messageId: messageIdOf(api, index),
          }),
      );
      return { results: batch.results, sent_count: batch.done, failed_count: batch.failed, ...batchStatus(batch, 'emails') };
    },
  }),
  operation({
    types: ['GmailGetEmailNode'],
    fields: { message_id: nonEmptyText(), format: oneOf(['full', 'metadata', 'minimal', 'raw'], 'full') },
    inputs: ['message_id'],
    outputs: ['subject', 'from', 'to', 'date', 'body', 'snippet', 'labels', 'attachments'],
    run: async (config, api) => readMessage(await api.call('GET', `${USER}/messages/${segment(config.message_id)}`, { query: { format: config.format } })),
  }),
  operation({
    types: ['GmailListEmailsNode'],
    fields: { ...listFields, label_ids: itemList(['INBOX']) },
    inputs: ['max_results', 'label_ids'],
    outputs: ['messages', 'count', 'next_page_token'],
    run: (config, api) => listMessages(api, config, { labelIds: textItems(config.label_ids) }),
  }),
  operation({
    types: ['GmailSearchEmailsNode'],
    fields: { query: nonEmptyText(), ...listFields },
    inputs: ['query', 'max_results'],
    outputs: ['messages', 'count', 'next_page_token'],
    run: (config, api) => listMessages(api, config, { q: config.query }),
  }),
  operation({
    types: ['GmailGetThreadNode'],
    fields: { thread_id: nonEmptyText() },
    outputs: ['messages', 'count', 'snippet'],
    run: async (config, api) => {
      const thread = await api.call('GET', `${USER}/threads/${segment(config.thread_id)}`, { query: { format: 'full' } });
      const messages = listAt(thread, 'messages');
      return { messages, count: messages.length, snippet: thread['snippet'] ?? '' };
    },
  }),
  operation({
    types: ['GmailGetAttachmentNode'],
    fields: { message_id: nonEmptyText(), attachment_id: nonEmptyText(), save_path: text(''), filename: text(''), allow_outside_working_dir: boolean(false) },
    inputs: ['message_id', 'attachment_id', 'save_path', 'filename'],
    outputs: ['attachment_data', 'save_path', 'filename', 'size', 'saved'],
    run: async (config, api) => {
      const answer = await api.call('GET', `${USER}/messages/${segment(config.message_id)}/attachments/${segment(config.attachment_id)}`);
      const bytes = typeof answer['data'] === 'string' ? Buffer.from(answer['data'], 'base64url') : Buffer.alloc(0);
      const target = config.save_path || config.filename;
      if (target === '') return { attachment_data: bytes.toString('base64'), save_path: '', filename: '', size: bytes.length, saved: false };
      const field = config.save_path ? 'save_path' : 'filename';
      const full = await resolveInside(api.execution.workingDirectory, target, field, config.allow_outside_working_dir);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, bytes);
      return { attachment_data: '', save_path: target, filename: config.filename || target.split(/[\\/]/).pop() || '', size: bytes.length, saved: true };
    },
  }),
  operation({
    types: ['GmailModifyLabelsNode'],
    fields: { message_id: nonEmptyText(), add_labels: itemList(), remove_labels: itemList() },
    outputs: ['labels'],
    run: (config, api) => relabel(api, config.message_id, textItems(config.add_labels), textItems(config.remove_labels)),
  }),
  operation({
    types: ['GmailAddLabelNode'],
    fields: { message_id: nonEmptyText(), label_ids: itemList() },
    outputs: ['labels'],
    run: (config, api) => relabel(api, config.message_id, idList(config.label_ids, 'label_ids'), []),
  }),
  operation({
    types: ['GmailRemoveLabelNode'],
    fields: { message_id: nonEmptyText(), label_ids: itemList() },
    outputs: ['labels'],
    run: (config, api) => relabel(api, config.message_id, [], idList(config.label_ids, 'label_ids')),
  }),
  labelSwitch(['GmailMarkAsReadNode'], [], ['UNREAD']),
  labelSwitch(['GmailMarkAsUnreadNode'], ['UNREAD'], []),
  labelSwitch(['GmailArchiveEmailNode'], [], ['INBOX']),
  operation({
    types: ['GmailStarEmailNode'],
    fields: { message_id: nonEmptyText(), star: boolean(true) },
    outputs: [],
    run: async (config, api) => {
      await relabel(api, config.message_id, config.star ? ['STARRED'] : [], config.star ? [] : ['STARRED']);
      return {};
    },
  }),
  operation({
    types: ['GmailMoveToTrashNode', 'GmailTrashEmailNode'],
    fields: { message_id: nonEmptyText() },
    outputs: [],
    run: async (config, api) => {
      await api.call('POST', `${USER}/messages/${segment(config.message_id)}/trash`);
      return {};
    },
  }),
  operation({
    types: ['GmailDeleteEmailNode'],
    fields: { message_id: nonEmptyText() },
    outputs: [],
    run: async (config, api) => {
      await api.call('DELETE', `${USER}/messages/${segment(config.message_id)}`);
      return {};
    },
  }),
  operation({
    types: ['GmailBatchModifyNode'],
    fields: { message_ids: itemList(), add_labels: itemList(), remove_labels: itemList() },
    outputs: ['modified_count'],
    run: async (config, api) => {
      const ids = idList(config.message_ids, 'message_ids');
      await api.call('POST', `${USER}/messages/batchModify`, {
        json: { ids, addLabelIds: textItems(config.add_labels), removeLabelIds: textItems(config.remove_labels) },
      });
      return { modified_count: ids.length };
    },
  }),
  operation({
    types: ['GmailBatchDeleteNode'],
    fields: { message_ids: itemList() },
    outputs: ['deleted_count'],
    run: async (config, api) => {
      const ids = idList(config.message_ids, 'message_ids');
      await api.call('POST', `${USER}/messages/batchDelete`, { json: { ids } });
      return { deleted_count: ids.length };
    },
  }),
  operation({
    types: ['GmailGetLabelsNode'],
    fields: {},
    outputs: ['labels', 'count'],
    run: async (_config, api) => {
      const labels = listAt(await api.call('GET', `${USER}/labels`), 'labels');
      return { labels, count: labels.length };
    },
  }),
];

/** Gmail API nodes: send, drafts, reply, forward, read, search, labels, trash, batches. */
export const gmailNodeHandlers: readonly CatalogNodeHandler[] = googleNodes({ name: 'Gmail', base: 'https://gmail.googleapis.com' }, gmailOperations);
