import { request } from 'node:http';
import { RunNotFoundError, type RunStatus, type StepRecord } from '@casare-rpa/application';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleTokenRequiredError, startConsoleServer, type ConsoleServer } from './console-server.js';
import type { ConsoleRun, ConsoleRunFilter, ConsoleRunInput, ConsoleRunSource } from './run-source.js';

// Real HTTP requests against the console server on loopback. The run source is a small recording
// twin of the port (the DBOS adapter is driven by console.browser.pg.test.ts).

const TOKEN = 'a-console-token-of-some-length';

class RecordingRunSource implements ConsoleRunSource {
  readonly calls: string[] = [];
  constructor(private readonly runs: Map<string, { status: RunStatus; steps: StepRecord[] }>) {}
  list(filter: ConsoleRunFilter): Promise<readonly ConsoleRun[]> {
    this.calls.push(`list ${JSON.stringify(filter)}`);
    return Promise.resolve([...this.runs.keys()].map((runId) => this.summary(runId)));
  }
  status(runId: string): Promise<ConsoleRun> {
    return this.runs.has(runId) ? Promise.resolve(this.summary(runId)) : Promise.reject(new RunNotFoundError(runId));
  }
  steps(runId: string): Promise<readonly StepRecord[]> {
    return Promise.resolve(this.runs.get(runId)?.steps ?? []);
  }
  input(): Promise<ConsoleRunInput | undefined> {
    return Promise.resolve({ document: { nodes: { a: { node_id: 'a', node_type: 'LogNode', config: { message: 'hi' } } }, connections: [] } });
  }
  cancel(runId: string): Promise<void> {
    this.calls.push(`cancel ${runId}`);
    return Promise.resolve();
  }
  resume(runId: string): Promise<void> {
    this.calls.push(`resume ${runId}`);
    return Promise.resolve();
  }
  fork(runId: string, fromStep: number): Promise<string> {
    this.calls.push(`fork ${runId} ${fromStep}`);
    return Promise.resolve(`${runId}-fork`);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  private summary(runId: string): ConsoleRun {
    return { runId, workflowName: 'casare.workflow', status: this.runs.get(runId)?.status ?? 'pending', createdAt: 1, updatedAt: 2 };
  }
}

function aSource(): RecordingRunSource {
  const step: StepRecord = { index: 0, kind: 'step', name: 'a', status: 'completed', output: { outputs: {}, logs: ['hi'] }, startedAt: 1, completedAt: 2 };
  return new RecordingRunSource(
    new Map([
      ['live-1', { status: 'pending', steps: [step] }],
      ['done-1', { status: 'succeeded', steps: [step] }],
      ['stopped-1', { status: 'cancelled', steps: [step] }],
    ]),
  );
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

function send(server: ConsoleServer, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Headers of a POST the console's own page sends. */
function pagePost(server: ConsoleServer, key: string): Record<string, string> {
  return { origin: server.url.replace(/\/$/, ''), 'x-casare-token': key, 'content-type': 'application/json' };
}

function actionKeyOf(html: string): string {
  const match = /name="casare-action-key" content="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no action key in page:\n${html}`);
  return match[1];
}

let server: ConsoleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('console server without a token (loopback)', () => {
  it('refuses to listen off loopback without a token', async () => {
    await expect(startConsoleServer({ source: aSource(), host: '0.0.0.0', port: 0, assetsDir: '/nonexistent' })).rejects.toBeInstanceOf(
      ConsoleTokenRequiredError,
    );
  });

  it('serves the runs page, the run API, a 404 page for an unknown run and 400 for malformed requests', async () => {
    server = await startConsoleServer({ source: aSource(), host: '127.0.0.1', port: 0, assetsDir: '/nonexistent' });
    const home = await send(server, '/');
    expect(home.status).toBe(200);
    expect(home.headers['content-security-policy']).toContain("default-src 'self'");
    const view = await send(server, '/api/runs/live-1');
    expect(view.status).toBe(200);
    expect(JSON.parse(view.body)).toMatchObject({ run: { runId: 'live-1' }, logs: [{ nodeId: 'a', message: 'hi' }], actions: { cancel: true } });
    const unknown = await send(server, '/runs/no-such-run');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toContain('text/html');
    expect(unknown.body).toContain('no run with id no-such-run');
    expect((await send(server, '/api/runs/no-such-run')).status).toBe(404);
    expect((await send(server, '/api/runs?status=finished')).status).toBe(400);
    expect((await send(server, '/api/runs?limit=lots')).status).toBe(400);
    expect((await send(server, '/runs/%E0%A4%A')).status).toBe(400);
    expect((await send(server, '/api/runs?status=succeeded&workflow=Wait')).status).toBe(200);
  });

  it('answers only to its own Host name (DNS rebinding)', async () => {
    server = await startConsoleServer({ source: aSource(), host: '127.0.0.1', port: 0, assetsDir: '/nonexistent' });
    expect((await send(server, '/api/runs', { headers: { host: 'evil.example:80' } })).status).toBe(400);
  });

  it('acts only on a same-origin POST that carries the page key', async () => {
    const source = aSource();
    server = await startConsoleServer({ source, host: '127.0.0.1', port: 0, assetsDir: '/nonexistent' });
    const key = actionKeyOf((await send(server, '/runs/live-1')).body);
    expect((await send(server, '/api/runs/live-1/cancel')).status).toBe(405);
    expect(
      (await send(server, '/api/runs/live-1/cancel', { method: 'POST', headers: { ...pagePost(server, key), origin: 'http://evil.example' } })).status,
    ).toBe(403);
    const { origin: _origin, ...noOrigin } = pagePost(server, key);
    expect((await send(server, '/api/runs/live-1/cancel', { method: 'POST', headers: noOrigin })).status).toBe(403);
    expect((await send(server, '/api/runs/live-1/cancel', { method: 'POST', headers: pagePost(server, 'not-the-key') })).status).toBe(403);
    expect(source.calls.filter((call) => call.startsWith('cancel'))).toEqual([]);
    const cancelled = await send(server, '/api/runs/live-1/cancel', { method: 'POST', headers: pagePost(server, key), body: '{}' });
    expect(cancelled.status).toBe(200);
    expect(source.calls).toContain('cancel live-1');
    expect((await send(server, '/api/runs/done-1/cancel', { method: 'POST', headers: pagePost(server, key) })).status).toBe(409);
    expect((await send(server, '/api/runs/done-1/resume', { method: 'POST', headers: pagePost(server, key) })).status).toBe(409);
    expect((await send(server, '/api/runs/live-1/resume', { method: 'POST', headers: pagePost(server, key) })).status).toBe(409);
    expect((await send(server, '/api/runs/stopped-1/resume', { method: 'POST', headers: pagePost(server, key) })).status).toBe(200);
    expect(source.calls).toContain('resume stopped-1');
    expect((await send(server, '/api/runs/nope/cancel', { method: 'POST', headers: pagePost(server, key) })).status).toBe(404);
    expect((await send(server, '/api/runs/live-1/explode', { method: 'POST', headers: pagePost(server, key) })).status).toBe(404);
  });

  it('forks only from a step the run recorded, given as JSON', async () => {
    const source = aSource();
    server = await startConsoleServer({ source, host: '127.0.0.1', port: 0, assetsDir: '/nonexistent' });
    const key = actionKeyOf((await send(server, '/')).body);
    const fork = (body: string) =>
      send(server as ConsoleServer, '/api/runs/done-1/fork', { method: 'POST', headers: pagePost(server as ConsoleServer, key), body });
    expect((await fork('{"fromStep":')).status).toBe(400);
    expect((await fork('{"fromStep":-1}')).status).toBe(400);
    expect((await fork('{"fromStep":"1"}')).status).toBe(400);
    expect((await fork('{"fromStep":2}')).status).toBe(400);
    const forked = await fork('{"fromStep":1}');
    expect(forked.status).toBe(200);
    expect(JSON.parse(forked.body)).toMatchObject({ runId: 'done-1-fork' });
    expect(source.calls).toEqual(['fork done-1 1']);
  });
});

describe('console server with a token', () => {
  it('checks the token on every request: header, ?token= (which sets a cookie), then the cookie', async () => {
    server = await startConsoleServer({ source: aSource(), host: '127.0.0.1', port: 0, token: TOKEN, assetsDir: '/nonexistent' });
    for (const path of ['/', '/runs/live-1', '/api/runs', '/api/runs/live-1', '/assets/console.js']) {
      expect((await send(server, path)).status, path).toBe(401);
      expect((await send(server, path, { headers: { 'x-casare-token': 'wrong-token-wrong-token' } })).status, path).toBe(401);
    }
    const wrong = await send(server, '/?token=nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('wrong console token');
    expect((await send(server, '/api/runs', { headers: { 'x-casare-token': TOKEN } })).status).toBe(200);
    const opened = await send(server, `/?token=${TOKEN}`);
    expect(opened.status).toBe(200);
    const cookie = String(opened.headers['set-cookie']).split(';')[0] ?? '';
    expect(String(opened.headers['set-cookie'])).toContain('HttpOnly');
    expect((await send(server, '/api/runs', { headers: { cookie } })).status).toBe(200);
    // A cookie alone never authorizes a state change: another site's form would send it too.
    const post = await send(server, '/api/runs/live-1/cancel', { method: 'POST', headers: { cookie, origin: server.url.replace(/\/$/, '') } });
    expect(post.status).toBe(403);
    expect((await send(server, '/api/runs/live-1/cancel', { method: 'POST', headers: { cookie, ...pagePost(server, TOKEN) } })).status).toBe(200);
  });

  it('answers under any Host name when the token is right (behind a proxy, on 0.0.0.0)', async () => {
    server = await startConsoleServer({ source: aSource(), host: '127.0.0.1', port: 0, token: TOKEN, assetsDir: '/nonexistent' });
    expect((await send(server, '/api/runs', { headers: { host: 'console.example:80', 'x-casare-token': TOKEN } })).status).toBe(200);
    expect((await send(server, '/api/runs', { headers: { host: 'console.example:80' } })).status).toBe(401);
    const post = await send(server, '/api/runs/live-1/cancel', {
      method: 'POST',
      headers: { host: 'console.example:80', origin: 'http://console.example:80', 'x-casare-token': TOKEN },
    });
    expect(post.status).toBe(200);
  });
});
