import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireExternalService } from '@casare-rpa/testkit';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace, type CasareProcess } from './casare-process.js';

// `casare serve` and child workflows as users run them: real `casare` processes on DBOS and a real
// PostgreSQL, real HTTP on loopback, SIGKILL for crashes. Each test owns a throwaway database, so
// the runs it counts are its own.

const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');

interface ListedRun {
  runId: string;
  status: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends `<line>` to ledger.txt: the ledger shows how often a node really ran. */
const append = (line: string) => ({ action: 'Append File', file_path: 'ledger.txt', content: `${line}\n` });

describe.skipIf(!hasPostgres)('casare serve on DBOS (PostgreSQL)', { timeout: 240_000 }, () => {
  let ws: Workspace;
  const databases: TestDatabase[] = [];
  const processes: CasareProcess[] = [];

  beforeAll(async () => {
    requireBuiltBinary();
    ws = await Workspace.create('serve');
  });

  afterAll(async () => {
    for (const child of processes) child.child.kill('SIGKILL');
    await Promise.all(processes.map((child) => child.ended.catch(() => undefined)));
    await Promise.all(databases.map((database) => database.drop()));
    await ws.dispose();
  });

  function databaseFor(label: string): TestDatabase {
    const database = new TestDatabase(label);
    databases.push(database);
    return database;
  }

  async function ledger(): Promise<string[]> {
    const text = await readFile(join(ws.dir, 'ledger.txt'), 'utf8').catch(() => '');
    return text.split('\n').filter((line) => line !== '');
  }

  async function runs(env: Record<string, string>): Promise<ListedRun[]> {
    const listed = await ws.run(['runs', 'list', '--json', '--limit', '1000'], env);
    expect(listed.code, listed.stderr).toBe(0);
    return jsonOf<ListedRun[]>(listed);
  }

  /** Starts `casare serve` and resolves with its webhook base URL once it listens. */
  async function serve(files: string[], env: Record<string, string>): Promise<{ child: CasareProcess; base: string }> {
    const child = ws.start(['serve', '--port', '0', '--durability', 'dbos', ...files], env, 200_000);
    processes.push(child);
    const line = await Promise.race([
      child.waitForLine('stdout', /listening on http:\/\//),
      child.ended.then((ended) => Promise.reject(new Error(`casare serve ended (${ended.code}): ${ended.stderr}`))),
    ]);
    return { child, base: /listening on (http:\/\/[\d.:]+)/.exec(line)?.[1] ?? '' };
  }

  async function stop(child: CasareProcess): Promise<void> {
    child.child.kill('SIGINT');
    const ended = await child.ended;
    expect(ended.code, ended.stderr).toBe(0);
  }

  it('two serving processes, one SIGKILLed midway and restarted: each 2 s tick of 20 s ran exactly once', async () => {
    const database = databaseFor('sched');
    await ws.write(
      'ticks.json',
      workflowDoc('ticks')
        .node('tick', 'ScheduleTriggerNode', { frequency: 'interval', interval_seconds: 2, timezone: 'UTC' })
        .node('record', 'FileSystemSuperNode', append('tick {{tick.trigger_time}}'))
        .chain('tick', 'record')
        .build(),
    );
    const envA = database.env({ CASARE_EXECUTOR_ID: `${database.executorId}-a` });
    const envB = database.env({ CASARE_EXECUTOR_ID: `${database.executorId}-b` });
    // One after the other: two processes creating the same missing database race in PostgreSQL.
    const a = await serve(['ticks.json'], envA);
    const b = await serve(['ticks.json'], envB);
    const servedFrom = Date.now();
    await sleep(9_000);
    await a.child.kill();
    await sleep(3_000);
    const restarted = await serve(['ticks.json'], envA);
    await sleep(Math.max(0, servedFrom + 20_000 - Date.now()));
    const servedUntil = Date.now();
    await Promise.all([stop(b.child), stop(restarted.child)]);

    // Ticks strictly inside the window, with a margin for start-up and the last run in flight.
    const expected: string[] = [];
    for (let tick = Math.ceil((servedFrom + 500) / 2000) * 2000; tick <= servedUntil - 3000; tick += 2000) expected.push(new Date(tick).toISOString());
    expect(expected.length).toBeGreaterThanOrEqual(7);
    const tickRuns = (await runs(envB)).filter((run) => run.runId.startsWith('schedule:ticks:tick:'));
    const byTick = new Map(tickRuns.map((run) => [run.runId.slice('schedule:ticks:tick:'.length), run]));
    expect(tickRuns.length).toBe(byTick.size);
    const lines = await ledger();
    for (const tick of expected) {
      expect(byTick.get(tick)?.status, `tick ${tick}`).toBe('succeeded');
      expect(
        lines.filter((line) => line === `tick ${tick}`),
        `ledger lines of tick ${tick}`,
      ).toHaveLength(1);
    }
    // No run of a tick outside the schedule: every run id is a 2 s boundary.
    for (const tick of byTick.keys()) expect(Date.parse(tick) % 2000, tick).toBe(0);
  });

  it('a webhook delivered three times with one delivery id starts one run; a bad signature gets 401 and no run', async () => {
    const database = databaseFor('hook');
    const env = database.env({ CASARE_SECRET_HOOK_KEY: 'k3y' });
    await ws.write(
      'orders.json',
      workflowDoc('orders')
        .node('hook', 'WebhookTriggerNode', {
          endpoint: '/orders',
          secret: '{{$secret:HOOK_KEY}}',
          validate_signature: true,
          json_only: true,
          max_payload_size: 1024,
        })
        .node('record', 'FileSystemSuperNode', append('order {{hook.payload.id}} {{$run.id}}'))
        .chain('hook', 'record')
        .build(),
    );
    const { child, base } = await serve(['orders.json'], env);
    const url = `${base}/webhooks/orders`;
    const body = JSON.stringify({ id: 42 });
    const signed = (text: string, key = 'k3y') => `sha256=${createHmac('sha256', key).update(text).digest('hex')}`;
    const post = (text: string, headers: Record<string, string>, query = '') =>
      fetch(`${url}${query}`, { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...headers } });

    const first = await post(body, { 'X-Signature-256': signed(body), 'X-Delivery-Id': 'delivery-1' }, '?wait=true');
    expect(first.status).toBe(200);
    const result = (await first.json()) as { runId: string; status: string };
    expect(result).toMatchObject({ runId: 'webhook:orders:hook:delivery-1', status: 'succeeded' });
    for (let again = 0; again < 2; again++) {
      const redelivered = await post(body, { 'X-Signature-256': signed(body), 'X-Delivery-Id': 'delivery-1' });
      expect(redelivered.status).toBe(202);
      expect(await redelivered.json()).toEqual({ runId: 'webhook:orders:hook:delivery-1', duplicate: true });
    }

    const refusals: [Response, number][] = [
      [await post(body, { 'X-Signature-256': signed(body, 'wrong'), 'X-Delivery-Id': 'delivery-2' }), 401],
      [await post(body, { 'X-Delivery-Id': 'delivery-3' }), 401],
      [await post('{not json', { 'X-Signature-256': signed('{not json'), 'X-Delivery-Id': 'delivery-4' }), 400],
      [await post('x'.repeat(2048), { 'X-Signature-256': signed('x'.repeat(2048)) }), 413],
      [await fetch(`${base}/webhooks/unknown`, { method: 'POST', body }), 404],
    ];
    for (const [response, status] of refusals) {
      expect(response.status).toBe(status);
      const text = await response.text();
      expect(text.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(text)).toHaveProperty('error');
    }
    await stop(child);

    const hookRuns = (await runs(env)).filter((run) => run.runId.startsWith('webhook:'));
    expect(hookRuns).toEqual([expect.objectContaining({ runId: 'webhook:orders:hook:delivery-1', status: 'succeeded' })]);
    expect((await ledger()).filter((line) => line.startsWith('order '))).toEqual(['order 42 webhook:orders:hook:delivery-1']);
  });

  it('a parent SIGKILLed after starting its child: after recovery one child run exists and the parent gets its result', async () => {
    const database = databaseFor('child');
    const env = database.env();
    await ws.write(
      'child.json',
      workflowDoc('child')
        .node('call', 'WorkflowCallTriggerNode', { call_alias: 'answer' })
        .node('before', 'FileSystemSuperNode', append('child before {{call.caller_run_id}}'))
        .node('wait', 'WaitNode', { seconds: 4 })
        .node('set_answer', 'SetVariableNode', { variable_name: 'answer', value: '{{call.params.n}}0' })
        .node('after', 'FileSystemSuperNode', append('child after {{answer}}'))
        .chain('call', 'before', 'wait', 'set_answer', 'after')
        .build(),
    );
    await ws.write(
      'parent.json',
      workflowDoc('parent')
        .start()
        .node('sub', 'CallSubworkflowNode', { subworkflow_id: 'child.json', params: { n: 4 } })
        .node('got', 'FileSystemSuperNode', append('parent got {{sub.result.answer}} from {{sub.child_run_id}}'))
        .chain('start', 'sub', 'got')
        .build(),
    );
    const parent = ws.start(['run', 'parent.json', '--run-id', 'parent-1'], env);
    processes.push(parent);
    await parent.waitForLine('stdout', /^✓ before\s+FileSystemSuperNode\s+completed/);
    await parent.kill();
    expect(await ledger()).toContain('child before parent-1');

    const recovered = await ws.run(['recover', '--json'], env);
    expect(recovered.code, recovered.stderr).toBe(0);
    const statuses = (jsonOf<{ recovered: { runId: string; status: string }[] }>(recovered).recovered ?? []).map((run) => `${run.runId} ${run.status}`).sort();
    expect(statuses).toEqual(['parent-1 succeeded', 'parent-1:0:child succeeded']);

    const all = await runs(env);
    expect(all.filter((run) => run.runId.startsWith('parent-1:')).map((run) => run.runId)).toEqual(['parent-1:0:child']);
    const lines = await ledger();
    expect(lines.filter((line) => line.startsWith('child before'))).toEqual(['child before parent-1']);
    expect(lines.filter((line) => line.startsWith('child after'))).toEqual(['child after 40']);
    expect(lines.filter((line) => line.startsWith('parent got'))).toEqual(['parent got 40 from parent-1:0:child']);

    const shownParent = jsonOf<{ children?: string[] }>(await ws.run(['runs', 'show', 'parent-1', '--json'], env));
    expect(shownParent.children).toEqual(['parent-1:0:child']);
    const shownChild = jsonOf<{ parent?: { runId: string; stepIndex: number } }>(await ws.run(['runs', 'show', 'parent-1:0:child', '--json'], env));
    expect(shownChild.parent).toEqual({ runId: 'parent-1', stepIndex: 0 });
  });
});
