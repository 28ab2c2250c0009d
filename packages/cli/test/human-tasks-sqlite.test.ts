import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, requireBuiltBinary, Workspace, type CasareProcess } from './casare-process.js';
import { confirmFlow, taskQueries, waitingForTask } from './human-tasks-flows.js';

// Human tasks on the default durability (SQLite, no server), with real `casare` processes: a run
// waiting on a ConfirmDialogNode is SIGKILLed, recovered, answered with `casare tasks answer`, and
// completes down the chosen branch; wrong and second answers are refused; an answer given while no
// process runs is consumed on recovery; a credential answer never reaches the journal file or the
// events in clear.

const PASSWORD = 'pw-Zx81-never-in-clear';

/** start -> login (CredentialDialogNode) -> use: append "<username> <password>" to secret.txt -> end. */
const credentialFlow = () =>
  workflowDoc()
    .name('login')
    .start()
    .node('login', 'CredentialDialogNode', { title: 'Portal login' })
    .node('use', 'FileSystemSuperNode', { action: 'Append File', file_path: 'secret.txt', content: '{{login.username}} {{login.password}}\n' })
    .node('note', 'LogNode', { message: 'logged in as {{login.username}} with {{login.password}}' })
    .end()
    .chain('start', 'login', 'use', 'note', 'end')
    .build();

describe('human tasks on SQLite (real processes)', { timeout: 300_000 }, () => {
  const env = childEnv();
  let ws: Workspace;

  const { ledger, tasksOf, runStatus } = taskQueries(
    () => ws,
    () => env,
  );
  const waiting = (child: CasareProcess): Promise<string> => waitingForTask(child);

  beforeAll(async () => {
    requireBuiltBinary();
    ws = await Workspace.create('tasks');
    await ws.write('approval.json', confirmFlow());
    await ws.write('approval-deadline.json', confirmFlow({ deadline_seconds: 1 }));
    await ws.write('login.json', credentialFlow());
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it('a run waiting on ConfirmDialogNode survives SIGKILL; recover waits again; tasks answer sends it down the chosen branch; a second answer is refused', async () => {
    const first = ws.start(['run', 'approval.json', '--run-id', 'pay-42'], env);
    const line = await waiting(first);
    const taskId = /task (\S+)/.exec(line)?.[1] ?? '';
    expect(taskId).toMatch(/^pay-42:\d+$/);
    expect((await first.kill()).signal).toBe('SIGKILL');
    expect(await runStatus('pay-42')).toBe('pending');

    const [task] = await tasksOf('pay-42', 'open');
    expect(task).toMatchObject({ taskId, runId: 'pay-42', nodeId: 'ask', status: 'open' });
    expect(task?.fields).toEqual([expect.objectContaining({ name: 'choice', type: 'choice', choices: ['yes', 'no'], required: true })]);
    const shown = await ws.run(['tasks', 'show', taskId], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Pay invoice 42?');
    expect(shown.stdout).toContain('choices: yes, no');

    const recovering = ws.start(['recover'], env);
    // The recovered run waits for the same task, with the same id.
    expect(await waiting(recovering)).toContain(`task ${taskId} `);

    const wrong = await ws.run(['tasks', 'answer', taskId, '--value', 'maybe'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('choice: "maybe" is not offered');
    expect(wrong.stderr).toContain('nothing was delivered');
    expect((await tasksOf('pay-42'))[0]?.status).toBe('open');

    const answered = await ws.run(['tasks', 'answer', taskId, '--value', 'yes'], env);
    expect(answered.code, answered.stderr).toBe(0);
    const second = await ws.run(['tasks', 'answer', taskId, '--value', 'no'], env);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`task ${taskId} is closed (already answered)`);

    const ended = await recovering.ended;
    expect(ended.code, ended.stderr).toBe(0);
    expect(await runStatus('pay-42')).toBe('succeeded');
    expect(await ledger('pay-42')).toEqual(['yes']);
    expect((await tasksOf('pay-42'))[0]?.status).toBe('answered');
    const unknown = await ws.run(['tasks', 'answer', 'no-such-task', '--value', 'yes'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no task no-such-task');
  });

  it('an answer given while no process runs the workflow is kept and consumed on recovery', async () => {
    const first = ws.start(['run', 'approval.json', '--run-id', 'pay-43'], env);
    const taskId = /task (\S+)/.exec(await waiting(first))?.[1] ?? '';
    await first.kill();
    const answered = await ws.run(['tasks', 'answer', taskId, '--json', '{"choice": "no"}'], env);
    expect(answered.code, answered.stderr).toBe(0);
    expect(await runStatus('pay-43')).toBe('pending');
    const recovered = await ws.run(['recover'], env);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(await runStatus('pay-43')).toBe('succeeded');
    expect(await ledger('pay-43')).toEqual(['no']);
  });

  it('a task past its deadline takes its default (no) and refuses a late answer', async () => {
    const ended = await ws.run(['run', 'approval-deadline.json', '--run-id', 'pay-44'], env);
    expect(ended.code, ended.stderr).toBe(0);
    expect(await ledger('pay-44')).toEqual(['no']);
    const [task] = await tasksOf('pay-44');
    expect(task?.status).toBe('timed_out');
    const late = await ws.run(['tasks', 'answer', task?.taskId ?? '', '--value', 'yes'], env);
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('is closed');
  });

  it('a credential answer is sealed: the node that uses it gets it, the journal file and the events never hold it', async () => {
    const first = ws.start(['run', 'login.json', '--run-id', 'login-1', '--json'], env);
    const line = await first.waitForLine('stderr', /waits for a person: task \S+/);
    const taskId = /task (\S+)/.exec(line)?.[1] ?? '';
    const missing = await ws.run(['tasks', 'answer', taskId, '--json', '{"username": "ada"}'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('password: required');
    const answered = await ws.run(['tasks', 'answer', taskId, '--json', JSON.stringify({ username: 'ada', password: PASSWORD })], env);
    expect(answered.code, answered.stderr).toBe(0);
    const ended = await first.ended;
    expect(ended.code, ended.stderr).toBe(0);
    expect(await readFile(join(ws.dir, 'secret.txt'), 'utf8')).toBe(`ada ${PASSWORD}\n`);
    expect(ended.stdout + ended.stderr).not.toContain(PASSWORD);
    const shown = await ws.run(['runs', 'show', 'login-1', '--json'], env);
    expect(shown.stdout).not.toContain(PASSWORD);
    for (const name of await readdir(join(ws.dir, '.casare'))) {
      const bytes = await readFile(join(ws.dir, '.casare', name));
      expect(bytes.includes(Buffer.from(PASSWORD)), name).toBe(false);
    }
  });
});
