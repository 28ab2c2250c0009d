import { requireExternalService } from '@casare-rpa/testkit';
import type { JsonObject } from '@casare-rpa/domain';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeConfigError } from '../catalog/node-config-error.js';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';
import { EmailError } from './smtp-nodes.js';

interface Delivered {
  readonly from: string;
  readonly to: readonly string[];
  readonly user: string | undefined;
  readonly mail: ParsedMail;
}

const catalog = createNodeCatalog();
let smtp: SMTPServer;
let smtpPort: number;
let delivered: Delivered[] = [];
let workdir: string;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'robot' && auth.password === 's3cret') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          delivered.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            user: session.user as string | undefined,
            mail,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  workdir = await mkdtemp(join(tmpdir(), 'casare-email-'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(resolve));
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(() => {
  delivered = [];
});

const smtpConfig = (extra: JsonObject): JsonObject => ({ smtp_server: '127.0.0.1', smtp_port: smtpPort, use_tls: false, ...extra });
const send = (config: JsonObject, stepIndex = 4, id = 'mail') =>
  catalog.execute(aNodeExecution('SendEmailNode').withId(id).withConfig(smtpConfig(config)).inRun('run-7', stepIndex).inDirectory(workdir).build());

describe('SendEmailNode over SMTP (smtp-server on loopback)', () => {
  it('delivers to, cc and bcc with subject, body, priority and a Message-ID from the idempotency key', async () => {
    const { outputs } = await send({
      from_email: 'robot@example.com',
      sender_name: 'Robot',
      to_email: 'a@example.com, b@example.com',
      cc: 'c@example.com',
      bcc: ['d@example.com'],
      subject: 'Invoice 42',
      body: 'Hello',
      priority: 'high',
      reply_to: 'desk@example.com',
    });
    expect(outputs).toEqual({ success: true, message_id: '<casare.run-7.4@example.com>', recipients: 4 });
    expect(delivered).toHaveLength(1);
    const [message] = delivered;
    expect(message?.to).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
    expect(message?.mail.messageId).toBe('<casare.run-7.4@example.com>');
    expect(message?.mail.subject).toBe('Invoice 42');
    expect(message?.mail.text?.trim()).toBe('Hello');
    expect(message?.mail.from?.text).toBe('"Robot" <robot@example.com>');
    expect(message?.mail.headers.get('priority')).toBe('high');
    expect(message?.mail.headers.get('bcc')).toBeUndefined();
  });

  it('a re-run of the same step (after a crash) sends the same Message-ID; another step a new one', async () => {
    await send({ from_email: 'robot@example.com', to_email: 'a@example.com' }, 9);
    await send({ from_email: 'robot@example.com', to_email: 'a@example.com' }, 9);
    await send({ from_email: 'robot@example.com', to_email: 'a@example.com' }, 10);
    expect(delivered.map((d) => d.mail.messageId)).toEqual(['<casare.run-7.9@example.com>', '<casare.run-7.9@example.com>', '<casare.run-7.10@example.com>']);
  });

  it('logs in with username and password, sends HTML and attaches files from the working directory', async () => {
    await mkdir(join(workdir, 'out'), { recursive: true });
    await writeFile(join(workdir, 'out', 'report.csv'), 'a,b\n1,2\n');
    await send({
      username: 'robot',
      password: 's3cret',
      from_email: 'robot@example.com',
      to_email: 'a@example.com',
      body: '<b>hi</b>',
      is_html: true,
      attachments: 'out/report.csv',
    });
    const mail = delivered[0]?.mail;
    expect(delivered[0]?.user).toBe('robot');
    expect(mail?.html).toContain('<b>hi</b>');
    expect(mail?.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['report.csv', 'a,b\n1,2\n']]);
  });

  it('a wrong password fails with EMAIL_AUTH_FAILED naming the node, without the password', async () => {
    const failure = await send({ username: 'robot', password: 'wrong-pass', from_email: 'robot@example.com', to_email: 'a@example.com' }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EmailError);
    expect(failure).toMatchObject({ code: 'EMAIL_AUTH_FAILED', nodeId: 'mail' });
    expect((failure as Error).message).not.toContain('wrong-pass');
    expect(delivered).toHaveLength(0);
  });

  it('a server that is not listening fails with EMAIL_SEND_FAILED', async () => {
    const execution = aNodeExecution('SendEmailNode')
      .withId('mail')
      .withConfig({ smtp_server: '127.0.0.1', smtp_port: 1, use_tls: false, from_email: 'r@example.com', to_email: 'a@example.com', timeout: 5 })
      .build();
    await expect(catalog.execute(execution)).rejects.toMatchObject({ code: 'EMAIL_SEND_FAILED' });
  });

  it('an attachment outside the working directory is a config error on its path', async () => {
    await expect(send({ from_email: 'r@example.com', to_email: 'a@example.com', attachments: ['/etc/passwd'] })).rejects.toThrow(
      /nodes\.mail\.config\.attachments\[0\]: "\/etc\/passwd" is outside the working directory/,
    );
  });

  it('no recipient or a bad port is a config error naming node and field', async () => {
    await expect(send({ from_email: 'r@example.com' })).rejects.toThrow(NodeConfigError);
    await expect(send({ from_email: 'r@example.com' })).rejects.toThrow('nodes.mail.config.to_email');
    const issues = catalog.validate([{ id: 'm1', type: 'SendEmailNode', config: { smtp_port: 'abc', to_email: 'a@b.c' } }]);
    expect(issues).toEqual([expect.objectContaining({ nodeId: 'm1', path: 'nodes.m1.config.smtp_port' })]);
  });
});

// ---------------------------------------------------------------------------------------------
// IMAP: a real Dovecot, started by the test on loopback with a throw-away config and mail store.

const DOVECOT = '/usr/sbin/dovecot';
const hasDovecot = requireExternalService('Dovecot', existsSync(DOVECOT), `no ${DOVECOT} (apt-get install dovecot-imapd; scripts/setup.sh does it)`);

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Dovecot did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.runIf(hasDovecot)('IMAP nodes against Dovecot on loopback', () => {
  let dovecot: ChildProcess;
  let root: string;
  let imapPort: number;
  const USER = 'robot';
  const PASS = 'imap-pass';

  const imapConfig = (extra: JsonObject): JsonObject => ({
    imap_server: '127.0.0.1',
    imap_port: imapPort,
    use_ssl: false,
    username: USER,
    password: PASS,
    ...extra,
  });
  const imap = (type: string, config: JsonObject, id = 'imap') =>
    catalog.execute(aNodeExecution(type).withId(id).withConfig(imapConfig(config)).inRun('run-8', 2).inDirectory(workdir).build());

  async function deliver(mail: ConstructorParameters<typeof MailComposer>[0], flags: string[] = []): Promise<void> {
    const raw = await new MailComposer(mail).compile().build();
    const client = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, auth: { user: USER, pass: PASS }, logger: false });
    await client.connect();
    await client.append('INBOX', raw, flags);
    await client.logout();
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'casare-dovecot-'));
    await chmod(root, 0o755); // Dovecot's auth and mail processes run as other users
    imapPort = await freePort();
    await Promise.all(['run', 'state', 'home'].map((dir) => mkdir(join(root, dir))));
    await chown(join(root, 'home'), 65534, 65534);
    await writeFile(join(root, 'users'), `${USER}:{PLAIN}${PASS}\n`);
    await writeFile(
      join(root, 'dovecot.conf'),
      [
        `base_dir = ${root}/run`,
        `state_dir = ${root}/state`,
        `log_path = ${root}/dovecot.log`,
        'protocols = imap',
        'listen = 127.0.0.1',
        'ssl = no',
        'disable_plaintext_auth = no',
        'auth_mechanisms = plain login',
        'auth_failure_delay = 0',
        'first_valid_uid = 1',
        `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${root}/users\n}`,
        `userdb {\n  driver = static\n  args = uid=65534 gid=65534 home=${root}/home/%u\n}`,
        'mail_location = maildir:~/Maildir',
        'namespace inbox {\n  inbox = yes\n  mailbox Archive {\n    auto = create\n  }\n}',
        `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${imapPort}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
        'service stats {\n  unix_listener stats-writer {\n    mode = 0666\n  }\n}',
      ].join('\n'),
    );
    dovecot = spawn(DOVECOT, ['-F', '-c', join(root, 'dovecot.conf')], { stdio: 'ignore' });
    await waitForPort(imapPort, 10_000);
    await deliver({ from: 'boss@example.com', to: 'robot@example.com', subject: 'Invoice 1', text: 'first', messageId: '<one@example.com>' });
    await deliver(
      {
        from: 'shop@example.com',
        to: 'robot@example.com',
        subject: 'Invoice 2',
        text: 'second',
        attachments: [{ filename: '../../evil/invoice.pdf', content: 'PDF-BYTES' }],
      },
      ['\\Seen'],
    );
    await deliver({ from: 'boss@example.com', to: 'robot@example.com', subject: 'Lunch', html: '<p>third</p>' });
  }, 30_000);

  afterAll(async () => {
    dovecot?.kill('SIGTERM');
    await new Promise((resolve) => (dovecot?.exitCode !== null ? resolve(undefined) : dovecot.once('exit', resolve)));
    await rm(root, { recursive: true, force: true });
  });

  it('reads the newest messages with headers, bodies, attachments and UIDs', async () => {
    const { outputs } = await imap('ReadEmailsNode', { limit: 2 });
    expect(outputs['count']).toBe(2);
    const emails = outputs['emails'] as JsonObject[];
    expect(emails.map((email) => email['subject'])).toEqual(['Lunch', 'Invoice 2']);
    expect(emails[1]).toMatchObject({
      from: 'shop@example.com',
      body_text: 'second',
      has_attachments: true,
      attachments: [{ filename: '../../evil/invoice.pdf', size: 9 }],
    });
    expect(emails[0]?.['body_html']).toContain('<p>third</p>');
  });

  it('searches with v1 criteria (UNSEEN, FROM, SUBJECT) and marks what it read', async () => {
    const unseenFromBoss = await imap('ReadEmailsNode', { search_criteria: "UNSEEN FROM 'boss@example.com'", newest_first: false });
    expect((unseenFromBoss.outputs['emails'] as JsonObject[]).map((email) => email['subject'])).toEqual(['Invoice 1', 'Lunch']);
    await imap('ReadEmailsNode', { search_criteria: 'SUBJECT Lunch', mark_as_read: true });
    const unseen = await imap('ReadEmailsNode', { search_criteria: 'UNSEEN' });
    expect((unseen.outputs['emails'] as JsonObject[]).map((email) => email['subject'])).toEqual(['Invoice 1']);
    await expect(imap('ReadEmailsNode', { search_criteria: 'LARGEST 5' }, 'rs')).rejects.toThrow(
      'nodes.rs.config.search_criteria: unsupported IMAP search term',
    );
  });

  it('marks, saves attachments inside the working directory (once), moves and deletes by UID', async () => {
    const emails = (await imap('ReadEmailsNode', {})).outputs['emails'] as JsonObject[];
    const uidOf = (subject: string) => emails.find((email) => email['subject'] === subject)?.['uid'] as string;

    await imap('MarkEmailNode', { email_uid: uidOf('Invoice 1'), mark_as: 'flagged' });
    expect(((await imap('ReadEmailsNode', { search_criteria: 'FLAGGED' })).outputs['emails'] as JsonObject[]).map((e) => e['subject'])).toEqual(['Invoice 1']);

    const first = await imap('SaveAttachmentNode', { email_uid: uidOf('Invoice 2'), save_path: 'attachments' });
    expect(first.outputs).toEqual({ saved_files: ['attachments/invoice.pdf'], count: 1 });
    expect(await readFile(join(workdir, 'attachments/invoice.pdf'), 'utf8')).toBe('PDF-BYTES');
    await imap('SaveAttachmentNode', { email_uid: uidOf('Invoice 2'), save_path: 'attachments' });
    expect(await readdir(join(workdir, 'attachments'))).toEqual(['invoice.pdf']);

    expect((await imap('MoveEmailNode', { email_uid: uidOf('Lunch'), target_folder: 'Archive' })).outputs).toEqual({ success: true });
    const archived = await imap('ReadEmailsNode', { folder: 'Archive' });
    expect((archived.outputs['emails'] as JsonObject[]).map((e) => e['subject'])).toEqual(['Lunch']);

    await imap('DeleteEmailNode', { email_uid: uidOf('Invoice 1'), permanent: true });
    const left = await imap('ReadEmailsNode', {});
    expect((left.outputs['emails'] as JsonObject[]).map((e) => e['subject'])).toEqual(['Invoice 2']);
  });

  it('EmailSuperNode runs the IMAP actions with its own field names', async () => {
    const { outputs } = await imap('EmailSuperNode', { action: 'Read Emails', use_imap_ssl: false, limit: 5 });
    expect(outputs).toMatchObject({ success: true, count: 1, message_id: '', saved_files: [] });
  });

  it('a wrong password fails with EMAIL_AUTH_FAILED, a bad UID is a config error, a missing folder an IMAP error', async () => {
    const failure = await imap('ReadEmailsNode', { password: 'not-it' }, 'bad').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'EMAIL_AUTH_FAILED', nodeId: 'bad' });
    expect((failure as Error).message).not.toContain('not-it');
    await expect(imap('MarkEmailNode', { email_uid: 'abc' }, 'mk')).rejects.toThrow('nodes.mk.config.email_uid');
    await expect(imap('ReadEmailsNode', { folder: 'NoSuchFolder' })).rejects.toMatchObject({ code: 'EMAIL_IMAP_FAILED' });
  });
});

describe('pure email helpers', () => {
  const emails: JsonObject[] = [
    { subject: 'Invoice 1', from: 'boss@example.com', has_attachments: false },
    { subject: 'Invoice 2', from: 'shop@example.com', has_attachments: true },
  ];

  it('FilterEmailsNode filters by subject, sender and attachments', async () => {
    const run = (config: JsonObject) =>
      catalog.execute(
        aNodeExecution('FilterEmailsNode')
          .withConfig({ emails, ...config })
          .build(),
      );
    expect((await run({ subject_contains: 'invoice' })).outputs['count']).toBe(2);
    expect((await run({ from_contains: 'SHOP', has_attachments: true })).outputs).toEqual({ filtered: [emails[1]], count: 1 });
    expect(catalog.effectOf(aWorkflowNode('FilterEmailsNode'))).toBe('pure');
  });

  it('GetEmailContentNode extracts fields and names a bad email input', async () => {
    const { outputs } = await catalog.execute(
      aNodeExecution('GetEmailContentNode')
        .withConfig({ email: emails[0] ?? null })
        .build(),
    );
    expect(outputs).toMatchObject({ subject: 'Invoice 1', from: 'boss@example.com', attachments: [] });
    await expect(catalog.execute(aNodeExecution('GetEmailContentNode').withId('g').withConfig({ email: 'x' }).build())).rejects.toThrow('nodes.g.config.email');
  });
});
