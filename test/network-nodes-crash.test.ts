import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecuteWorkflowUseCase, settleRun, type SecretProvider, type StepPoint } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { InMemoryDurableRunner, InMemoryJournal } from '@casare-rpa/infra-memory';
import { createNodeCatalog } from '@casare-rpa/nodes';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A crash after a world node's effect but before its step is recorded makes the recovered run do
// the effect again: SendEmailNode's Message-ID and HttpUploadFileNode's Idempotency-Key are the
// same both times, so the far side can tell the second one is a repeat.

const SMTP_PASSWORD = 'smtp-secret-password';
const secrets: SecretProvider = { loadSecret: (name) => Promise.resolve(name === 'SMTP_PASSWORD' ? SMTP_PASSWORD : undefined) };

let smtp: SMTPServer;
let smtpPort: number;
let http: Server;
let httpBase: string;
let workdir: string;
const messageIds: string[] = [];
const uploads: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _session, callback) => (auth.password === SMTP_PASSWORD ? callback(null, { user: auth.username }) : callback(new Error('bad password'))),
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then((mail) => {
          messageIds.push(mail.messageId ?? '');
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  http = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      uploads.push(request.headers);
      response.writeHead(201, { 'content-type': 'application/json' }).end('{"stored":true}');
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  workdir = await mkdtemp(join(tmpdir(), 'casare-net-crash-'));
  await writeFile(join(workdir, 'invoice.csv'), 'id,total\n42,100\n');
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(resolve));
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await rm(workdir, { recursive: true, force: true });
});

function engine(journal: InMemoryJournal, crashAfterBodyOf?: string) {
  const runner = new InMemoryDurableRunner({
    journal,
    onStepPoint: (point: StepPoint, self) => {
      if (point.phase === 'after-body' && point.name === crashAfterBodyOf) self.crash();
    },
  });
  const useCase = new ExecuteWorkflowUseCase(createNodeCatalog(), { emit: () => undefined }, secrets);
  useCase.registerWith(runner);
  return { runner, useCase };
}

describe('world nodes re-run after a crash with the same idempotency key', () => {
  it.each(['mail', 'upload'])('crash right after %s did its effect: the recovered run repeats it with the same key', async (crashed) => {
    messageIds.length = 0;
    uploads.length = 0;
    const document = workflowDoc()
      .start()
      .node('mail', 'SendEmailNode', {
        smtp_server: '127.0.0.1',
        smtp_port: smtpPort,
        use_tls: false,
        username: 'robot',
        password: '{{$secret:SMTP_PASSWORD}}',
        from_email: 'robot@example.com',
        to_email: 'desk@example.com',
        subject: 'Invoice 42',
      })
      .node('upload', 'HttpUploadFileNode', { url: `${httpBase}/upload`, file_path: 'invoice.csv' })
      .chain('start', 'mail', 'upload')
      .build() as unknown as JsonObject;
    const journal = new InMemoryJournal();
    // The mail node ends the first step, which the pure Start node opens and names.
    const first = engine(journal, crashed === 'mail' ? 'start' : crashed);
    await first.runner.launch();
    await first.useCase.start(first.runner, { document, workingDirectory: workdir }, { runId: `run-${crashed}` });
    await first.runner.stopped;

    const second = engine(journal);
    await second.runner.launch();
    const result = await settleRun(second.runner.handle(`run-${crashed}`));
    expect(result.status).toBe('completed');
    const sent = crashed === 'mail' ? 2 : 1;
    expect(messageIds).toHaveLength(sent);
    expect(new Set(messageIds).size).toBe(1);
    expect(messageIds[0]).toMatch(new RegExp(`^<casare\\.run-${crashed}\\.\\d+@example\\.com>$`));
    const keys = uploads.map((headers) => headers['idempotency-key']);
    expect(keys).toHaveLength(crashed === 'upload' ? 2 : 1);
    expect(new Set(keys).size).toBe(1);
    expect(JSON.stringify(result)).not.toContain(SMTP_PASSWORD);
    await second.runner.shutdown();
  });
});
