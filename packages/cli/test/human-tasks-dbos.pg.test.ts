import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace, type CasareProcess } from './casare-process.js';
import { confirmFlow, taskQueries, waitingForTask } from './human-tasks-flows.js';

// Human tasks on DBOS, with real `casare` processes on the local PostgreSQL: the task lives in the
// system database (`DbosTaskInbox`), the wait is DBOS.recv and the answer a DBOS message. A run
// waiting on a ConfirmDialogNode is SIGKILLed, recovered by `casare recover`, answered with
// `casare tasks answer` from a process that runs no workflow, and completes down the chosen branch;
// a second answer is refused; an answer given while no process runs is consumed on recovery.

const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');

describe.skipIf(!hasPostgres)('human tasks on DBOS (real processes)', { timeout: 300_000 }, () => {
  let ws: Workspace;
  let database: TestDatabase;
  let env: Record<string, string>;

  const { ledger, tasksOf, runStatus } = taskQueries(
    () => ws,
    () => env,
  );
  const taskStatus = async (runId: string): Promise<string | undefined> => (await tasksOf(runId))[0]?.status;
  const waiting = (child: CasareProcess): Promise<string> => waitingForTask(child);

  beforeAll(async () => {
    requireBuiltBinary();
    ws = await Workspace.create('tasks-dbos');
    database = new TestDatabase('tasks');
    // A fleet shares one key for sealed answers (a confirm has none, but every process is a member).
    env = database.env({ CASARE_TASK_KEY: 'ab'.repeat(32) });
    await ws.write('approval.json', confirmFlow());
  });
  afterAll(async () => {
    await database?.drop().catch(() => {});
    await ws?.dispose();
  });

  it('a waiting run survives SIGKILL; recover waits again; tasks answer sends it down the chosen branch; a second answer is refused', async () => {
    const first = ws.start(['run', 'approval.json', '--run-id', 'pay-42'], env);
    const taskId = /task (\S+)/.exec(await waiting(first))?.[1] ?? '';
    expect(taskId).toMatch(/^pay-42:\d+$/);
    expect((await first.kill()).signal).toBe('SIGKILL');
    expect(await runStatus('pay-42')).toBe('pending');
    expect(await taskStatus('pay-42')).toBe('open');

    const recovering = ws.start(['recover'], env);
    expect(await waiting(recovering)).toContain(`task ${taskId} `);
    const wrong = await ws.run(['tasks', 'answer', taskId, '--value', 'maybe'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('nothing was delivered');

    const answered = await ws.run(['tasks', 'answer', taskId, '--value', 'yes'], env);
    expect(answered.code, answered.stderr).toBe(0);
    const second = await ws.run(['tasks', 'answer', taskId, '--value', 'no'], env);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`task ${taskId} is closed (already answered)`);

    const ended = await recovering.ended;
    expect(ended.code, ended.stderr).toBe(0);
    expect(await runStatus('pay-42')).toBe('succeeded');
    expect(await ledger('pay-42')).toEqual(['yes']);
    expect(await taskStatus('pay-42')).toBe('answered');
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
});
