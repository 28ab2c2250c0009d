import type { JsonObject } from '@casare-rpa/domain';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeConfigError } from '../catalog/node-config-error.js';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
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
    await send({ username: 'robot', password: 's3cret', from_email: 'robot@example.com', to_email: 'a@example.com', body: '<b>hi</b>', is_html: true, attachments: 'out/report.csv' });
    const mail = delivered[0]?.mail;
    expect(delivered[0]?.user).toBe('robot');
    expect(mail?.html).toContain('<b>hi</b>');
    expect(mail?.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['report.csv', 'a,b\n1,2\n']]);
  });

  it('a wrong password fails with EMAIL_AUTH_FAILED naming the node, without the password', async () => {
    const failure = await send({ username: 'robot', password: 'wrong-pass', from_email: 'robot@example.com', to_email: 'a@example.com' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmailError);
    expect(failure).toMatchObject({ code: 'EMAIL_AUTH_FAILED', nodeId: 'mail' });
    expect((failure as Error).message).not.toContain('wrong-pass');
    expect(delivered).toHaveLength(0);
  });

  it('a server that is not listening fails with EMAIL_SEND_FAILED', async () => {
    const execution = aNodeExecution('SendEmailNode').withId('mail').withConfig({ smtp_server: '127.0.0.1', smtp_port: 1, use_tls: false, from_email: 'r@example.com', to_email: 'a@example.com', timeout: 5 }).build();
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
