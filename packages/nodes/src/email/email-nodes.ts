import type { NodeExecution } from '@casare-rpa/application';
import type { JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { z } from 'zod';
import { isJsonObject, oneOf } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { deleteEmail, IMAP_CONFIGS, imapNodeHandlers, markEmail, moveEmail, readEmails, saveAttachments } from './imap-nodes.js';
import { SEND_EMAIL_FIELDS, sendEmail, smtpNodeHandlers } from './smtp-nodes.js';

const ACTIONS = ['Send Email', 'Read Emails', 'Mark Email', 'Delete Email', 'Move Email', 'Save Attachment'] as const;

/** Parses the super node's fields with one action's schema; the first problem names its field. */
function parseAs<S extends z.ZodType>(schema: S, config: JsonObject): z.output<S> {
  const result = schema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigFieldError(issue?.path.map(String).join('.') || 'action', issue?.message ?? 'invalid');
}

/** EmailSuperNode spells a few fields its own way (`use_smtp_ssl`, `use_imap_ssl`, `permanent_delete`). */
async function runAction(action: (typeof ACTIONS)[number], raw: JsonObject, execution: NodeExecution): Promise<NodeOutcome> {
  const empty = { success: true, message_id: '', emails: [], count: 0, saved_files: [], error: '' };
  const imap = { ...raw, use_ssl: raw['use_imap_ssl'] ?? raw['use_ssl'] ?? true };
  switch (action) {
    case 'Send Email': {
      const config = parseAs(z.looseObject(SEND_EMAIL_FIELDS), { ...raw, use_ssl: raw['use_smtp_ssl'] ?? raw['use_ssl'] ?? false });
      const { outputs } = await sendEmail(config, execution);
      return { outputs: { ...empty, message_id: outputs['message_id'] ?? '' } };
    }
    case 'Read Emails': {
      const emails = await readEmails(parseAs(IMAP_CONFIGS.readConfig, imap), execution);
      return { outputs: { ...empty, emails, count: emails.length } };
    }
    case 'Mark Email':
      await markEmail(parseAs(IMAP_CONFIGS.markConfig, imap), execution);
      return { outputs: empty };
    case 'Delete Email':
      await deleteEmail(parseAs(IMAP_CONFIGS.deleteConfig, { ...imap, permanent: raw['permanent_delete'] ?? raw['permanent'] ?? false }), execution);
      return { outputs: empty };
    case 'Move Email':
      return {
        outputs: {
          ...empty,
          success: await moveEmail(parseAs(IMAP_CONFIGS.moveConfig, { ...imap, source_folder: raw['source_folder'] ?? raw['folder'] ?? 'INBOX' }), execution),
        },
      };
    case 'Save Attachment': {
      const saved = await saveAttachments(parseAs(IMAP_CONFIGS.saveConfig, imap), execution);
      return { outputs: { ...empty, saved_files: saved, count: saved.length } };
    }
  }
}

const emailSuperNode = defineNode({
  types: ['EmailSuperNode'],
  config: z.looseObject({ action: oneOf(ACTIONS, 'Send Email') }),
  ports: {
    inputs: [
      'username',
      'password',
      'smtp_server',
      'smtp_port',
      'from_email',
      'to_email',
      'subject',
      'body',
      'cc',
      'bcc',
      'attachments',
      'imap_server',
      'imap_port',
      'folder',
      'email_uid',
      'target_folder',
      'save_path',
    ],
    outputs: ['success', 'message_id', 'emails', 'count', 'saved_files', 'error'],
  },
  run: (config, execution) => runAction(config.action, isJsonObject(config) ? (config as JsonObject) : {}, execution),
});

/** Email nodes: SendEmailNode over SMTP, the IMAP read/mark/delete/move/attachment nodes, EmailSuperNode. */
export const emailNodeHandlers: readonly CatalogNodeHandler[] = [...smtpNodeHandlers, ...imapNodeHandlers, emailSuperNode];
