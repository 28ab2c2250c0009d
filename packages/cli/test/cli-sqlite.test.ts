import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, jsonOf, requireBuiltBinary, Workspace } from './casare-process.js';

// The `casare` binary with its default durability and no database server: SQLite in
// .casare/casare.db under the working directory. Runs, a SIGKILL in the middle of a durable sleep,
// `casare recover`, and `casare runs list|show|cancel|resume|fork` on the file.

/** Appends a line to ledger.txt before and after a durable sleep: the ledger counts real side effects. */
// A step per node (`every-node`), so the tests name each step by its node.
const ledgerFlow = () =>
  workflowDoc()
    .name('ledger')
    .settings({ checkpoint: 'every-node' })
    .variable('wait_seconds', 0.1)
    .start()
    .node('append_before', 'FileSystemSuperNode', { action: 'Append File', file_path: 'ledger.txt', content: 'before {{$run.id}}\n' })
    .node('wait', 'WaitNode', { seconds: '{{wait_seconds}}' })
    .node('append_after', 'FileSystemSuperNode', { action: 'Append File', file_path: 'ledger.txt', content: 'after {{$run.id}}\n' })
    .end()
    .chain('start', 'append_before', 'wait', 'append_after', 'end')
    .build();

interface Shown {
  run: { runId: string; status: string; executorId?: string; resumedAt?: number };
  steps: Array<{ index: number; nodeId: string; status: string; replayed: boolean }>;
}

describe('casare on SQLite (the default, no server)', { timeout: 180_000 }, () => {
  const env = childEnv();
  let ws: Workspace;

  async function ledger(runId: string): Promise<string[]> {
    const text = await readFile(join(ws.dir, 'ledger.txt'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.endsWith(` ${runId}`))
      .map((line) => line.split(' ')[0] ?? '');
  }

  async function show(runId: string): Promise<Shown> {
    const ended = await ws.run(['runs', 'show', runId, '--json'], env);
    expect(ended.code, ended.stderr).toBe(0);
    return jsonOf<Shown>(ended);
  }

  beforeAll(async () => {
    requireBuiltBinary();
    ws = await Workspace.create('sqlite');
    await ws.write('ledger.json', ledgerFlow());
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it('runs durably in .casare/casare.db by default, says where, and lists the run', async () => {
    const ended = await ws.run(['run', 'ledger.json', '--run-id', 'first'], env);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`Run first (durable in ${join(ws.dir, '.casare', 'casare.db')}, executor casare-local)`);
    expect(ended.stderr).not.toContain('not crash-safe');
    expect(existsSync(join(ws.dir, '.casare', 'casare.db'))).toBe(true);
    const listed = await ws.run(['runs', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(jsonOf<Array<{ runId: string; status: string }>>(listed)).toEqual([expect.objectContaining({ runId: 'first', status: 'succeeded' })]);
    const shown = await show('first');
    expect(shown.steps.filter((step) => step.nodeId !== 'sleep').map((step) => step.nodeId)).toEqual(['start', 'append_before', 'wait', 'append_after', 'end']);
    const again = await ws.run(['run', 'ledger.json', '--run-id', 'first'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Run first exists (succeeded): its recorded result follows, nothing is executed.');
    expect(await ledger('first')).toEqual(['before', 'after']);
  });

  it('a sub-workflow gets its inputs from the parent’s params (SubflowInput) and returns its outputs (SubflowOutput)', async () => {
    await ws.write(
      'child.json',
      workflowDoc('child')
        .node('in', 'SubflowInputNode', { port_name: 'n' })
        .node('calc', 'SetVariableNode', { variable_name: 'x', value: '{{in.value}}0' })
        .node('out', 'SubflowOutputNode', { port_name: 'answer', value: '{{x}}' })
        .chain('in', 'calc')
        .build(),
    );
    await ws.write(
      'parent.json',
      workflowDoc('parent')
        .start()
        .node('sub', 'CallSubworkflowNode', { subworkflow_id: 'child.json', params: { n: 4 } })
        .node('got', 'SetVariableNode', { variable_name: 'got', value: '{{sub.result.answer}}' })
        .end()
        .chain('start', 'sub', 'got', 'end')
        .build(),
    );
    const ended = await ws.run(['run', 'parent.json', '--run-id', 'parent-1', '--json'], env);
    expect(ended.code, ended.stderr).toBe(0);
    expect(jsonOf<{ variables: Record<string, unknown> }>(ended).variables).toMatchObject({ got: '40' });
    // The child is a run of its own, under the id derived from the parent step's key.
    const listed = jsonOf<Array<{ runId: string; status: string }>>(await ws.run(['runs', 'list', '--json'], env));
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ runId: 'parent-1:0:child', status: 'succeeded' })]));
  });

  it('a run killed with SIGKILL in its durable sleep stays pending; casare recover finishes it without repeating a completed node', async () => {
    const child = ws.start(['run', 'ledger.json', '--run-id', 'killed', '--var', 'wait_seconds=2'], env);
    await child.waitForLine('stdout', /^✓ wait\s+WaitNode\s+completed/);
    expect((await child.kill()).signal).toBe('SIGKILL');
    expect((await show('killed')).run.status).toBe('pending');
    const recovered = await ws.run(['recover', '--json'], env);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(jsonOf<{ recovered: Array<{ runId: string; status: string }> }>(recovered).recovered).toEqual([
      { runId: 'killed', status: 'succeeded', error: null },
    ]);
    const shown = await show('killed');
    expect(shown.run.status).toBe('succeeded');
    expect(shown.run.resumedAt).toBeTypeOf('number');
    expect(shown.steps.find((step) => step.nodeId === 'append_before')?.replayed).toBe(true);
    expect(await ledger('killed')).toEqual(['before', 'after']);
  });

  it('runs cancel stops a run another process executes; runs resume and runs fork finish and branch it', async () => {
    const child = ws.start(['run', 'ledger.json', '--run-id', 'cancelled', '--var', 'wait_seconds=8', '--json'], env);
    await child.waitForLine('stderr', /^✓ wait\s+WaitNode\s+completed/);
    const cancel = await ws.run(['runs', 'cancel', 'cancelled'], env);
    expect(cancel.code, cancel.stderr).toBe(0);
    const ended = await child.ended;
    expect(ended.code).toBe(1);
    expect((await show('cancelled')).run.status).toBe('cancelled');
    expect(await ledger('cancelled')).toEqual(['before']);
    const resumed = await ws.run(['runs', 'resume', 'cancelled', '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await ledger('cancelled')).toEqual(['before', 'after']);
    const forked = await ws.run(['runs', 'fork', 'cancelled', '--from-step', '2', '--run-id', 'forked', '--json'], env);
    expect(forked.code, forked.stderr).toBe(0);
    expect(await ledger('forked')).toEqual(['after']);
    expect((await show('forked')).run.status).toBe('succeeded');
  });

  it('a file that is not a casare journal is refused with its path, and left as it was', async () => {
    await ws.write('not-a-journal.db', 'just some text, not SQLite\n');
    const ended = await ws.run(['run', 'ledger.json'], { ...env, CASARE_SQLITE_PATH: 'not-a-journal.db' });
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain(join(ws.dir, 'not-a-journal.db'));
    expect(ended.stderr).toContain('not a casare journal');
    expect(await readFile(join(ws.dir, 'not-a-journal.db'), 'utf8')).toBe('just some text, not SQLite\n');
  });

  it('casare console reads the SQLite file: the runs list names the workflow, a run page has its steps', async () => {
    const ran = await ws.run(['run', 'ledger.json', '--run-id', 'for-console'], env);
    expect(ran.code, ran.stderr).toBe(0);
    const console = ws.start(['console', '--port', '0'], env, 60_000);
    try {
      const line = await console.waitForLine('stdout', /^Console on (http:\/\/\S+?)[;\s]/);
      const base = (/^Console on (http:\/\/\S+?)[;\s]/.exec(line)?.[1] ?? '').replace(/\/$/, '');
      const runs = (await (await fetch(`${base}/api/runs`)).json()) as Array<{ runId: string; workflowTitle?: string; sourceFile?: string }>;
      expect(runs.find((run) => run.runId === 'for-console')).toMatchObject({ workflowTitle: 'ledger', sourceFile: 'ledger.json' });
      const page = await fetch(`${base}/api/runs/for-console`);
      expect(page.status).toBe(200);
      expect(JSON.stringify(await page.json())).toContain('append_after');
      expect((await fetch(`${base}/api/runs/no-such-run`)).status).toBe(404);
    } finally {
      await console.kill();
    }
  });
});
