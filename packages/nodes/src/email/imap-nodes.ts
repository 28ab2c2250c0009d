import type { NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';
import type { ImapFlow, SearchObject } from 'imapflow';
import type { AddressObject, ParsedMail } from 'mailparser';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parse as parseShellWords } from 'shell-quote';
import { z } from 'zod';
import { anyValue, boolean, integer, isJsonObject, list, nonEmptyText, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { resolveInside, writeFileAtomic } from '../files/working-directory.js';
import { EmailError } from './smtp-nodes.js';

// IMAP nodes on imapflow: each step opens its own session (login, work, logout), so nothing is
// held across steps and a re-run after a crash simply connects again. Message ids are IMAP UIDs.

/** Connection fields every IMAP node shares (v1 names). */
export const IMAP_FIELDS = {
  imap_server: text('imap.gmail.com'),
  imap_port: integer(993),
  username: optionalText(),
  password: optionalText(),
  use_ssl: boolean(true),
  timeout: integer(30),
};

type ImapConfig = { imap_server: string; imap_port: number; username?: string | undefined; password?: string | undefined; use_ssl: boolean; timeout: number };

/** Parses a raw message with mailparser, imported on first use (a process that reads no mail never loads it). */
async function parseMail(source: Buffer): Promise<ParsedMail> {
  const { simpleParser } = await import('mailparser');
  return simpleParser(source);
}

/** Opens a session, runs `work` with `mailbox` locked, logs out; failures name the node. */
export async function withMailbox<T>(execution: NodeExecution, config: ImapConfig, mailbox: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  if (!config.username) throw new ConfigFieldError('username', 'required to log in to the IMAP server');
  if (!config.password) throw new ConfigFieldError('password', 'required to log in to the IMAP server');
  if (config.timeout <= 0) throw new ConfigFieldError('timeout', 'must be a positive number of seconds');
  const timeoutMs = config.timeout * 1000;
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: config.imap_server,
    port: config.imap_port,
    secure: config.use_ssl,
    auth: { user: config.username, pass: config.password },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: Math.max(timeoutMs, 60_000),
    disableAutoIdle: true,
  });
  client.on('error', () => undefined); // surfaced by the awaited command that fails
  const abort = () => client.close();
  execution.signal.addEventListener('abort', abort, { once: true });
  const where = `${config.imap_server}:${config.imap_port}`;
  try {
    try {
      await client.connect();
    } catch (error) {
      const auth = (error as { authenticationFailed?: boolean }).authenticationFailed === true;
      throw new EmailError(
        execution.node.id,
        auth ? 'EMAIL_AUTH_FAILED' : 'EMAIL_IMAP_FAILED',
        `${auth ? 'IMAP login failed' : 'IMAP connection failed'} at ${where}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const lock = await client.getMailboxLock(mailbox).catch((error: unknown) => {
      throw new EmailError(execution.node.id, 'EMAIL_IMAP_FAILED', `cannot open folder ${JSON.stringify(mailbox)} at ${where}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    try {
      return await work(client);
    } catch (error) {
      if (error instanceof EmailError || error instanceof ConfigFieldError) throw error;
      throw new EmailError(execution.node.id, 'EMAIL_IMAP_FAILED', `IMAP command failed at ${where}: ${(error as Error).message}`, { cause: error });
    } finally {
      lock.release();
    }
  } finally {
    execution.signal.removeEventListener('abort', abort);
    await client.logout().catch(() => client.close());
  }
}

const FLAG_WORDS: Record<string, SearchObject> = {
  ALL: { all: true },
  SEEN: { seen: true },
  UNSEEN: { seen: false },
  FLAGGED: { flagged: true },
  UNFLAGGED: { flagged: false },
  ANSWERED: { answered: true },
  UNANSWERED: { answered: false },
  DELETED: { deleted: true },
  UNDELETED: { deleted: false },
  DRAFT: { draft: true },
  NEW: { new: true },
  RECENT: { recent: true },
};
const TEXT_WORDS = { FROM: 'from', TO: 'to', CC: 'cc', BCC: 'bcc', SUBJECT: 'subject', BODY: 'body', TEXT: 'text' } as const;
const DATE_WORDS = { SINCE: 'since', BEFORE: 'before', ON: 'on' } as const;

/** v1's IMAP search text (`UNSEEN FROM 'boss@example.com'`) as an imapflow query; all terms must hold. */
export function searchQuery(criteria: string): SearchObject {
  const words = parseShellWords(criteria.trim() === '' ? 'ALL' : criteria).map((entry) =>
    typeof entry === 'string' ? entry : 'op' in entry ? String(entry.op) : '',
  );
  const query: Record<string, unknown> = {};
  for (let index = 0; index < words.length; index++) {
    const word = (words[index] ?? '').toUpperCase();
    if (word === '') continue;
    if (word in FLAG_WORDS) {
      Object.assign(query, FLAG_WORDS[word]);
      continue;
    }
    const value = words[index + 1];
    const textKey = TEXT_WORDS[word as keyof typeof TEXT_WORDS];
    const dateKey = DATE_WORDS[word as keyof typeof DATE_WORDS];
    if ((textKey || dateKey) && value === undefined) throw new ConfigFieldError('search_criteria', `${word} needs a value`);
    if (textKey) query[textKey] = value;
    else if (dateKey) {
      const date = new Date(value as string);
      if (Number.isNaN(date.getTime())) throw new ConfigFieldError('search_criteria', `${word} needs a date, got ${JSON.stringify(value)}`);
      query[dateKey] = date;
    } else {
      throw new ConfigFieldError(
        'search_criteria',
        `unsupported IMAP search term ${JSON.stringify(words[index])} (supported: ${[...Object.keys(FLAG_WORDS), ...Object.keys(TEXT_WORDS), ...Object.keys(DATE_WORDS)].join(', ')})`,
      );
    }
    index++;
  }
  return query;
}

function addressText(address: AddressObject | AddressObject[] | undefined): string {
  if (!address) return '';
  return (Array.isArray(address) ? address : [address]).map((entry) => entry.text).join(', ');
}

/** A parsed mail as v1's `parse_email_message` described it, plus its UID. */
function emailRecord(uid: number, mail: ParsedMail, includeBody: boolean, flags: ReadonlySet<string> | undefined): JsonObject {
  const attachments = mail.attachments.map((attachment) => ({
    filename: attachment.filename ?? '',
    content_type: attachment.contentType,
    size: attachment.size,
  }));
  return {
    uid: String(uid),
    message_id: mail.messageId ?? '',
    subject: mail.subject ?? '',
    from: addressText(mail.from),
    to: addressText(mail.to),
    cc: addressText(mail.cc),
    date: mail.date ? mail.date.toISOString() : '',
    body_text: includeBody ? (mail.text ?? '') : '',
    body_html: includeBody && typeof mail.html === 'string' ? mail.html : '',
    attachments,
    has_attachments: attachments.length > 0,
    seen: flags?.has('\\Seen') ?? false,
  };
}

const readConfig = z.looseObject({
  ...IMAP_FIELDS,
  folder: text('INBOX'),
  limit: integer(10),
  search_criteria: text('ALL'),
  mark_as_read: boolean(false),
  include_body: boolean(true),
  newest_first: boolean(true),
});

/** Reads the newest (or oldest) `limit` messages matching the search. */
export async function readEmails(config: z.output<typeof readConfig>, execution: NodeExecution): Promise<JsonObject[]> {
  const query = searchQuery(config.search_criteria);
  if (config.limit < 0) throw new ConfigFieldError('limit', 'must be 0 (no limit) or more');
  return withMailbox(execution, config, config.folder, async (client) => {
    const found = (await client.search(query, { uid: true })) || [];
    const ordered = [...found].sort((a, b) => a - b);
    const picked = config.limit > 0 ? (config.newest_first ? ordered.slice(-config.limit) : ordered.slice(0, config.limit)) : ordered;
    if (config.newest_first) picked.reverse();
    const emails: JsonObject[] = [];
    for (const uid of picked) {
      const message = await client.fetchOne(String(uid), { source: true, flags: true }, { uid: true });
      if (!message || !message.source) continue;
      emails.push(emailRecord(uid, await parseMail(message.source), config.include_body, message.flags));
    }
    if (config.mark_as_read && picked.length > 0) await client.messageFlagsAdd(picked.join(','), ['\\Seen'], { uid: true });
    return emails;
  });
}

const readEmailsNode = defineNode({
  types: ['ReadEmailsNode'],
  config: readConfig,
  ports: { inputs: ['imap_server', 'imap_port', 'username', 'password', 'folder', 'limit', 'search_criteria'], outputs: ['emails', 'count'] },
  run: async (config, execution) => {
    const emails = await readEmails(config, execution);
    return { outputs: { emails, count: emails.length } };
  },
});

function uidOf(value: string): string {
  const uid = value.trim();
  if (!/^\d+$/.test(uid)) throw new ConfigFieldError('email_uid', `expected a message UID (a number), got ${JSON.stringify(value)}`);
  return uid;
}

const MARKS = { read: ['add', '\\Seen'], unread: ['remove', '\\Seen'], flagged: ['add', '\\Flagged'], unflagged: ['remove', '\\Flagged'] } as const;

const markConfig = z.looseObject({
  ...IMAP_FIELDS,
  email_uid: nonEmptyText(),
  folder: text('INBOX'),
  mark_as: oneOf(['read', 'unread', 'flagged', 'unflagged'], 'read'),
});

/** Sets or clears one flag; setting a flag twice is harmless, so a re-run after a crash is too. */
export async function markEmail(config: z.output<typeof markConfig>, execution: NodeExecution): Promise<void> {
  const uid = uidOf(config.email_uid);
  const [change, flag] = MARKS[config.mark_as];
  await withMailbox(execution, config, config.folder, (client) =>
    change === 'add' ? client.messageFlagsAdd(uid, [flag], { uid: true }) : client.messageFlagsRemove(uid, [flag], { uid: true }),
  );
}

const markEmailNode = defineNode({
  types: ['MarkEmailNode'],
  config: markConfig,
  ports: { inputs: ['imap_server', 'username', 'password', 'email_uid', 'folder', 'mark_as'], outputs: ['success'] },
  run: async (config, execution) => {
    await markEmail(config, execution);
    return { outputs: { success: true } };
  },
});

const deleteConfig = z.looseObject({ ...IMAP_FIELDS, email_uid: nonEmptyText(), folder: text('INBOX'), permanent: boolean(false) });

/** Flags the message `\Deleted`, and expunges it when `permanent`. */
export async function deleteEmail(config: z.output<typeof deleteConfig>, execution: NodeExecution): Promise<void> {
  const uid = uidOf(config.email_uid);
  await withMailbox(execution, config, config.folder, async (client) => {
    if (config.permanent) await client.messageDelete(uid, { uid: true });
    else await client.messageFlagsAdd(uid, ['\\Deleted'], { uid: true });
  });
}

const deleteEmailNode = defineNode({
  types: ['DeleteEmailNode'],
  config: deleteConfig,
  ports: { inputs: ['imap_server', 'username', 'password', 'email_uid', 'folder'], outputs: ['success'] },
  run: async (config, execution) => {
    await deleteEmail(config, execution);
    return { outputs: { success: true } };
  },
});

const moveConfig = z.looseObject({ ...IMAP_FIELDS, email_uid: nonEmptyText(), source_folder: text('INBOX'), target_folder: nonEmptyText() });

/** Moves one message (MOVE where the server has it, copy and expunge otherwise). */
export async function moveEmail(config: z.output<typeof moveConfig>, execution: NodeExecution): Promise<boolean> {
  const uid = uidOf(config.email_uid);
  return withMailbox(execution, config, config.source_folder, async (client) => Boolean(await client.messageMove(uid, config.target_folder, { uid: true })));
}

const moveEmailNode = defineNode({
  types: ['MoveEmailNode'],
  config: moveConfig,
  ports: { inputs: ['imap_server', 'username', 'password', 'email_uid', 'source_folder', 'target_folder'], outputs: ['success'] },
  run: async (config, execution) => ({ outputs: { success: await moveEmail(config, execution) } }),
});

const saveConfig = z.looseObject({
  ...IMAP_FIELDS,
  email_uid: nonEmptyText(),
  folder: text('INBOX'),
  save_path: text('.'),
  allow_outside_working_dir: boolean(false),
});

/**
 * Saves a message's attachments into `save_path` (inside the working directory). A name from the
 * mail is reduced to its base name; a file of that name with other content gets `_1`, `_2`...,
 * while one with the same content is reused, so a re-run after a crash does not duplicate files.
 */
export async function saveAttachments(config: z.output<typeof saveConfig>, execution: NodeExecution): Promise<string[]> {
  const uid = uidOf(config.email_uid);
  const directory = await resolveInside(execution.workingDirectory, config.save_path, 'save_path', config.allow_outside_working_dir);
  const mail = await withMailbox(execution, config, config.folder, async (client) => {
    const message = await client.fetchOne(uid, { source: true }, { uid: true });
    if (!message || !message.source)
      throw new EmailError(execution.node.id, 'EMAIL_IMAP_FAILED', `no message with UID ${uid} in ${JSON.stringify(config.folder)}`);
    return parseMail(message.source);
  });
  await mkdir(directory, { recursive: true });
  const saved: string[] = [];
  for (const [index, attachment] of mail.attachments.entries()) {
    const safe = basename((attachment.filename ?? '').replace(/\\/g, '/')).replace(/^\.+/, '') || `attachment-${index + 1}`;
    const extension = extname(safe);
    const stem = safe.slice(0, safe.length - extension.length);
    for (let counter = 0; ; counter++) {
      const name = counter === 0 ? safe : `${stem}_${counter}${extension}`;
      const target = join(directory, name);
      const existing = await readFile(target).catch(() => undefined);
      if (existing && !existing.equals(attachment.content)) continue;
      if (!existing) await writeFileAtomic(target, attachment.content);
      saved.push(join(config.save_path, name));
      break;
    }
  }
  return saved;
}

const saveAttachmentNode = defineNode({
  types: ['SaveAttachmentNode'],
  config: saveConfig,
  ports: { inputs: ['imap_server', 'username', 'password', 'email_uid', 'save_path', 'folder'], outputs: ['saved_files', 'count'] },
  run: async (config, execution) => {
    const saved = await saveAttachments(config, execution);
    return { outputs: { saved_files: saved, count: saved.length } };
  },
});

const getEmailContentNode = defineNode({
  types: ['GetEmailContentNode'],
  effect: 'pure',
  config: z.looseObject({ email: anyValue() }),
  ports: { inputs: ['email'], outputs: ['subject', 'from', 'to', 'date', 'body_text', 'body_html', 'attachments'] },
  run: (config) => {
    if (!isJsonObject(config.email)) throw new ConfigFieldError('email', 'expected an email object (one item of ReadEmailsNode.emails)');
    const field = (name: string): Json => (config.email as JsonObject)[name] ?? '';
    return {
      outputs: {
        subject: field('subject'),
        from: field('from'),
        to: field('to'),
        date: field('date'),
        body_text: field('body_text'),
        body_html: field('body_html'),
        attachments: field('attachments') || [],
      },
    };
  },
});

const filterEmailsNode = defineNode({
  types: ['FilterEmailsNode'],
  effect: 'pure',
  config: z.looseObject({
    emails: list(),
    subject_contains: text(''),
    from_contains: text(''),
    has_attachments: z.preprocess((value) => (value === '' ? null : value), z.boolean().nullable().default(null)),
  }),
  ports: { inputs: ['emails', 'subject_contains', 'from_contains', 'has_attachments'], outputs: ['filtered', 'count'] },
  run: (config) => {
    const contains = (value: Json | undefined, part: string) =>
      part === '' ||
      textOf(value ?? '')
        .toLowerCase()
        .includes(part.toLowerCase());
    const filtered = config.emails.filter(
      (email): email is JsonObject =>
        isJsonObject(email) &&
        contains(email['subject'], config.subject_contains) &&
        contains(email['from'], config.from_contains) &&
        (config.has_attachments === null || (email['has_attachments'] === true) === config.has_attachments),
    );
    return { outputs: { filtered, count: filtered.length } };
  },
});

/** The parsed configs the super node hands to the shared IMAP actions. */
export const IMAP_CONFIGS = { readConfig, markConfig, deleteConfig, moveConfig, saveConfig };

/** IMAP nodes: ReadEmails, Mark/Delete/Move Email, SaveAttachment, and the pure GetEmailContent and FilterEmails. */
export const imapNodeHandlers: readonly CatalogNodeHandler[] = [
  readEmailsNode,
  markEmailNode,
  deleteEmailNode,
  moveEmailNode,
  saveAttachmentNode,
  getEmailContentNode,
  filterEmailsNode,
];
