import type { NodeExecution } from '@casare-rpa/application';
import type { Json, NodeOutcome } from '@casare-rpa/domain';
import { basename } from 'node:path';
import { z } from 'zod';
import { boolean, integer, isJsonArray, list, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { textOf } from '../data/values.js';
import { resolveInside } from '../files/working-directory.js';

/** A mail server refused or dropped the exchange (SMTP or IMAP). */
export class EmailError extends Error {
  constructor(
    /** Node whose exchange failed. */
    readonly nodeId: string,
    /** `EMAIL_AUTH_FAILED`, `EMAIL_SEND_FAILED` or `EMAIL_IMAP_FAILED`. */
    readonly code: 'EMAIL_AUTH_FAILED' | 'EMAIL_SEND_FAILED' | 'EMAIL_IMAP_FAILED',
    message: string,
    options?: ErrorOptions,
  ) {
    super(`nodes.${nodeId}: ${message}`, options);
    this.name = 'EmailError';
  }
}

/** v1 lists addresses and attachment paths either as a list or as one comma-separated text. */
export function commaList(value: Json | undefined): string[] {
  if (value === null || value === undefined) return [];
  const items = isJsonArray(value) ? value.map((item) => textOf(item)) : textOf(value).split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** Fields of SendEmailNode, shared with EmailSuperNode's `send` action. */
export const SEND_EMAIL_FIELDS = {
  smtp_server: text('smtp.gmail.com'),
  smtp_port: integer(587),
  username: optionalText(),
  password: optionalText(),
  from_email: optionalText(),
  to_email: z.preprocess(
    (value) => (value === null ? undefined : value),
    z.union([z.string(), z.array(z.string())], { error: 'expected text or a list of addresses' }).optional(),
  ),
  subject: text(''),
  body: text(''),
  cc: z.preprocess((value) => (value === null ? undefined : value), z.union([z.string(), z.array(z.string())]).optional()),
  bcc: z.preprocess((value) => (value === null ? undefined : value), z.union([z.string(), z.array(z.string())]).optional()),
  use_tls: boolean(true),
  use_ssl: boolean(false),
  is_html: boolean(false),
  timeout: integer(30),
  reply_to: optionalText(),
  priority: oneOf(['high', 'normal', 'low'], 'normal'),
  read_receipt: boolean(false),
  sender_name: optionalText(),
  attachments: z.preprocess((value) => (value === '' ? [] : value), z.union([list(), z.string()]).optional()),
  allow_outside_working_dir: boolean(false),
};

const sendEmailConfig = z.looseObject(SEND_EMAIL_FIELDS);

/** The parsed config of a send. */
export type SendEmailConfig = z.output<typeof sendEmailConfig>;

/**
 * `Message-ID` of the mail a step sends: derived from the idempotency key, so the message a re-run
 * after a crash sends again carries the same id and a mailbox (or a person) can tell it is a repeat.
 */
export function messageIdFor(idempotencyKey: string, fromEmail: string | undefined): string {
  const local = idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.');
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(fromEmail ?? '')?.[1] ?? 'casare-rpa.invalid';
  return `<casare.${local}@${domain}>`;
}

/** Sends one mail over SMTP with nodemailer; the password is used here and never returned. */
export async function sendEmail(config: SendEmailConfig, execution: NodeExecution): Promise<NodeOutcome> {
  const to = commaList(config.to_email ?? null);
  if (to.length === 0) throw new ConfigFieldError('to_email', 'required: no recipient address given');
  if (config.smtp_port < 1 || config.smtp_port > 65535) throw new ConfigFieldError('smtp_port', 'must be a port number between 1 and 65535');
  if (config.timeout <= 0) throw new ConfigFieldError('timeout', 'must be a positive number of seconds');
  const cc = commaList(config.cc ?? null);
  const bcc = commaList(config.bcc ?? null);
  const from = config.from_email ?? config.username;
  if (!from) throw new ConfigFieldError('from_email', 'required when no username is given');

  const attachmentPaths = typeof config.attachments === 'string' ? commaList(config.attachments) : commaList(config.attachments ?? []);
  const attachments = [];
  for (const [index, path] of attachmentPaths.entries()) {
    const full = await resolveInside(execution.workingDirectory, path, `attachments[${index}]`, config.allow_outside_working_dir);
    attachments.push({ filename: basename(full), path: full });
  }

  const headers: Record<string, string> = {};
  if (config.read_receipt) headers['Disposition-Notification-To'] = from;
  const messageId = messageIdFor(execution.idempotencyKey, from);
  const timeoutMs = config.timeout * 1000;
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: config.smtp_server,
    port: config.smtp_port,
    secure: config.use_ssl,
    // v1 semantics: use_tls means STARTTLS is required; without it the session stays in clear text.
    requireTLS: !config.use_ssl && config.use_tls,
    ignoreTLS: !config.use_ssl && !config.use_tls,
    auth: config.username && config.password ? { user: config.username, pass: config.password } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const abort = () => transport.close();
  execution.signal.addEventListener('abort', abort, { once: true });
  try {
    const info = await transport.sendMail({
      messageId,
      from: config.sender_name ? { name: config.sender_name, address: from } : from,
      to,
      cc,
      bcc,
      replyTo: config.reply_to,
      subject: config.subject,
      ...(config.is_html ? { html: config.body } : { text: config.body }),
      headers,
      // nodemailer writes X-Priority, X-MSMail-Priority and Importance, as v1 did.
      priority: config.priority,
      attachments,
    });
    return { outputs: { success: true, message_id: info.messageId, recipients: to.length + cc.length + bcc.length } };
  } catch (error) {
    const smtp = error as Error & { code?: string; responseCode?: number };
    const auth = smtp.code === 'EAUTH' || smtp.responseCode === 535;
    throw new EmailError(
      execution.node.id,
      auth ? 'EMAIL_AUTH_FAILED' : 'EMAIL_SEND_FAILED',
      `${auth ? 'SMTP authentication failed' : 'sending mail failed'} at ${config.smtp_server}:${config.smtp_port}: ${smtp.message}`,
      { cause: error },
    );
  } finally {
    execution.signal.removeEventListener('abort', abort);
    transport.close();
  }
}

const sendEmailNode = defineNode({
  types: ['SendEmailNode'],
  config: sendEmailConfig,
  ports: {
    inputs: ['smtp_server', 'smtp_port', 'username', 'password', 'from_email', 'to_email', 'subject', 'body', 'cc', 'bcc', 'attachments'],
    outputs: ['success', 'message_id', 'recipients'],
  },
  run: (config, execution) => sendEmail(config, execution),
});

/** SMTP nodes (SendEmailNode). */
export const smtpNodeHandlers: readonly CatalogNodeHandler[] = [sendEmailNode];
