import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireExternalService } from '@casare-rpa/testkit';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace } from './casare-process.js';

// The `casare` binary on DBOS and a real PostgreSQL: durable runs, their records, and recovery of a
// run whose process was killed with SIGKILL. This file owns a throwaway system database and
// executor id, so `casare recover` only ever sees its own runs.

const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');

/** Recorded steps of `ledgerFlow` in order: its nodes, and the durable sleep the runner records after `wait`. */
const LEDGER_STEPS = ['start', 'append_before', 'wait', 'sleep', 'append_after', 'end'];
/** Index of the durable sleep in `LEDGER_STEPS` (the other rows are node steps). */
const LEDGER_SLEEP_INDEX = 3;

/**
 * Appends a line to ledger.txt before and after a durable sleep: the ledger shows how many times
 * each side effect really ran, whatever the runner replayed.
 */
// These flows record a step per node (`every-node`), so the tests can name each step by its node;
// steps that end at effects are checked by the invoice robot's crash test and the contract suite.
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

/** A node that fails every attempt with a retryable error (nothing listens on port 1); `retry_count: 1` gives it two. */
const retriedFailure = () =>
  workflowDoc()
    .settings({ retry_count: 1, checkpoint: 'every-node' })
    .start()
    .node('fetch', 'HTTPSuperNode', { action: 'GET', url: 'http://127.0.0.1:1/unreachable', timeout: 2 })
    .chain('start', 'fetch')
    .build();

interface Step {
  index: number;
  kind: string;
  nodeId: string;
  status: string;
  replayed: boolean;
  attempts: number | null;
  error: string | null;
}
interface Shown {
  run: { runId: string; status: string; resumedAt?: number; workflow: { name: string | null; source: string | null } };
  steps: Step[];
}
interface Report {
  runId: string;
  status: string;
  variables: Record<string, unknown>;
  logs: string[];
  error: { nodeId: string; message: string } | null;
}

// Each test starts several processes that launch DBOS; on a loaded machine one can take seconds.
describe.skipIf(!hasPostgres)('casare on DBOS (PostgreSQL)', { timeout: 240_000 }, () => {
  const database = new TestDatabase('dbos');
  const env = database.env();
  let ws: Workspace;

  /** Lines of ledger.txt that `runId` wrote. */
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

  /** Starts the ledger flow with a long wait and SIGKILLs it once the wait has begun. */
  async function runAndKillDuringWait(runId: string): Promise<void> {
    const child = ws.start(['run', 'ledger.json', '--run-id', runId, '--var', 'wait_seconds=4'], env);
    await child.waitForLine('stdout', /^✓ wait\s+WaitNode\s+completed/);
    const ended = await child.kill();
    expect(ended.signal, ended.stdout).toBe('SIGKILL');
  }

  beforeAll(async () => {
    requireBuiltBinary();
    ws = await Workspace.create('dbos');
    await ws.write('ledger.json', ledgerFlow());
    await ws.write('retried-failure.json', retriedFailure());
    await ws.write('other.json', workflowDoc().name('other').variable('wait_seconds', 0.1).start().chain('start').build());
  });
  afterAll(async () => {
    await ws?.dispose();
    await database.drop();
  });

  it('runs durably when CASARE_DATABASE_URL is set, and records one step per node', async () => {
    const ended = await ws.run(['run', 'ledger.json', '--run-id', 'plain-1'], env);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`Run plain-1 (durable in ${database.url}, executor ${database.executorId})`);
    expect(ended.stderr).not.toContain('not crash-safe');

    const shown = await show('plain-1');
    expect(shown.run).toMatchObject({ runId: 'plain-1', status: 'succeeded' });
    expect(shown.run.resumedAt).toBeUndefined();
    expect(shown.steps.map((step) => [step.index, step.kind, step.nodeId, step.status, step.replayed])).toEqual(
      LEDGER_STEPS.map((name, index) => [index, index === LEDGER_SLEEP_INDEX ? 'sleep' : 'step', name, 'completed', false]),
    );
    expect(shown.steps.filter((step) => step.kind === 'step').every((step) => step.attempts === 1)).toBe(true);
    expect(shown.steps[LEDGER_SLEEP_INDEX]?.attempts).toBeNull();
    expect(await ledger('plain-1')).toEqual(['before', 'after']);

    const listed = await ws.run(['runs', 'list', '--status', 'succeeded', '--json'], env);
    expect(jsonOf<Array<{ runId: string; status: string }>>(listed)).toEqual(
      expect.arrayContaining([expect.objectContaining({ runId: 'plain-1', status: 'succeeded' })]),
    );
    const table = await ws.run(['runs', 'list'], env);
    expect(table.stdout).toMatch(/^plain-1\s+succeeded\s/m);
  });

  it('--run-id of an existing run returns its result and executes nothing', async () => {
    const first = await ws.run(['run', 'ledger.json', '--durability', 'dbos', '--run-id', 'once-1', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const again = await ws.run(['run', 'ledger.json', '--durability', 'dbos', '--run-id', 'once-1', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(jsonOf<Report>(again)).toEqual(jsonOf<Report>(first));
    expect(again.stderr).toContain('Run once-1 exists (succeeded): its recorded result follows, nothing is executed.');
    expect(again.stderr).not.toMatch(/✓|started/);
    expect(await ledger('once-1')).toEqual(['before', 'after']);
  });

  it('after kill -9 during the wait, casare recover finishes the run and runs show marks the replayed steps', async () => {
    await runAndKillDuringWait('killed-1');
    const stranded = await show('killed-1');
    expect(stranded.run.status).toBe('pending');
    // The kill lands after the wait node; the sleep's own record may or may not be written yet.
    const before = stranded.steps.length;
    expect(before === 3 || before === 4, `steps before the kill: ${before}`).toBe(true);
    expect(stranded.steps.map((step) => step.nodeId)).toEqual(LEDGER_STEPS.slice(0, before));
    expect(stranded.steps.some((step) => step.replayed)).toBe(false);

    const recovered = await ws.run(['recover', '--json'], env);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(jsonOf(recovered)).toEqual({ recovered: [{ runId: 'killed-1', status: 'succeeded', error: null }] });
    expect(recovered.stderr).toMatch(/^\[killed-1\] ↺ append_before\s+FileSystemSuperNode\s+replayed from checkpoint$/m);
    expect(recovered.stderr).toMatch(/^\[killed-1\] ✓ append_after\s+FileSystemSuperNode\s+completed/m);

    const finished = await show('killed-1');
    expect(finished.run.status).toBe('succeeded');
    expect(finished.run.resumedAt).toEqual(expect.any(Number));
    expect(finished.steps.map((step) => [step.nodeId, step.replayed])).toEqual(LEDGER_STEPS.map((name, index) => [name, index < before]));
    // Completed nodes never ran again: one "before" although the run was executed twice.
    expect(await ledger('killed-1')).toEqual(['before', 'after']);

    const human = await ws.run(['runs', 'show', 'killed-1'], env);
    expect(human.stdout).toMatch(/^Resumed\s+/m);
    expect(human.stdout).toContain(`Steps (6, ${before} replayed; 5 node executions):`);
    expect(human.stdout).toMatch(/^1\s+append_before\s+completed \(replayed\)\s/m);
    expect(human.stdout).toMatch(/^3\s+\(durable sleep\)\s+completed\b/m);
    expect(human.stdout).toMatch(/^4\s+append_after\s+completed\s+\d+ ms\s+1$/m);

    const nothingLeft = await ws.run(['recover'], env);
    expect(nothingLeft.code).toBe(0);
    expect(nothingLeft.stdout).toContain('no interrupted runs to recover');
  });

  it('records a failed node with its attempts and error; the run exits 1', async () => {
    const ended = await ws.run(['run', 'retried-failure.json', '--run-id', 'failing-1', '--json'], env);
    expect(ended.code).toBe(1);
    expect(jsonOf<Report>(ended)).toMatchObject({ status: 'failed', error: { nodeId: 'fetch' } });
    expect(ended.stderr).toMatch(/^↻ fetch\s+HTTPSuperNode\s+retrying, attempt 2 \(last error: .*127\.0\.0\.1:1\/unreachable failed/m);
    const shown = await show('failing-1');
    expect(shown.run.status).toBe('failed');
    expect(shown.steps.at(-1)).toMatchObject({ nodeId: 'fetch', status: 'failed', attempts: 2, error: expect.stringContaining('[HTTP_FAILED]') as string });
  });

  it('cancels a run from another process, resumes it, and forks a finished run from a step', async () => {
    // Long enough for the cancelling process to start on a loaded machine: a run that ended first is not cancelled.
    const child = ws.start(['run', 'ledger.json', '--run-id', 'cancel-1', '--var', 'wait_seconds=10', '--json'], env);
    await child.waitForLine('stderr', /^✓ wait\s+WaitNode\s+completed/);
    const cancelled = await ws.run(['runs', 'cancel', 'cancel-1'], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const interrupted = await child.ended;
    expect(interrupted.code).toBe(1);
    expect(jsonOf<Report>(interrupted)).toMatchObject({ runId: 'cancel-1', status: 'cancelled' });
    expect((await show('cancel-1')).run.status).toBe('cancelled');

    const resumed = await ws.run(['runs', 'resume', 'cancel-1', '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonOf<Report>(resumed)).toMatchObject({ runId: 'cancel-1', status: 'succeeded' });
    expect(await ledger('cancel-1')).toEqual(['before', 'after']);

    const forked = await ws.run(['runs', 'fork', 'cancel-1', '--from-step', '4', '--run-id', 'fork-1', '--json'], env);
    expect(forked.code, forked.stderr).toBe(0);
    expect(jsonOf<Report>(forked)).toMatchObject({ runId: 'fork-1', status: 'succeeded' });
    const shown = await show('fork-1');
    expect(shown.steps.map((step) => [step.nodeId, step.replayed])).toEqual(LEDGER_STEPS.map((name, index) => [name, index < 4]));
    // Steps from 4 on ran again under the fork's own run id; the ones before were copied.
    expect(await ledger('fork-1')).toEqual(['after']);
  });

  it('names an unknown run id and a missing --from-step with exit 2', async () => {
    const unknown = await ws.run(['runs', 'show', 'no-such-run'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run with id no-such-run');
    const fork = await ws.run(['runs', 'fork', 'plain-1'], env);
    expect(fork.code).toBe(2);
    expect(fork.stderr).toContain('needs --from-step N');
  });

  it('runs show names the workflow and its file; runs list does when asked; --status speaks one vocabulary', async () => {
    const shown = await show('plain-1');
    expect(shown.run.workflow).toEqual({ name: 'ledger', source: 'ledger.json' });
    const human = await ws.run(['runs', 'show', 'plain-1'], env);
    expect(human.stdout).toMatch(/^Workflow\s+"ledger" \(ledger\.json\)$/m);
    expect(human.stdout).not.toContain('casare.workflow');

    const listed = await ws.run(['runs', 'list', '--workflows', '--json'], env);
    expect(jsonOf<Array<{ runId: string; workflow: unknown }>>(listed).find((run) => run.runId === 'plain-1')?.workflow).toEqual({
      name: 'ledger',
      source: 'ledger.json',
    });
    const table = await ws.run(['runs', 'list', '--workflows'], env);
    expect(table.stdout).toMatch(/^plain-1\s+succeeded\s+"ledger" \(ledger\.json\)\s/m);

    const completed = await ws.run(['runs', 'list', '--status', 'completed'], env);
    expect(completed.code).toBe(2);
    expect(completed.stderr).toContain('(a run that completed has "succeeded")');
  });

  it('run --run-id of an existing run started from another file or other --var values says so, with the recorded length (exit 2)', async () => {
    const first = await ws.run(['run', 'ledger.json', '--run-id', 'taken-1', '--var', 'wait_seconds=1'], env);
    expect(first.code, first.stderr).toBe(0);
    const other = await ws.run(['run', 'other.json', '--run-id', 'taken-1', '--var', 'wait_seconds=2'], env);
    expect(other.code).toBe(2);
    expect(other.stdout).toContain('Run taken-1 exists (succeeded): its recorded result follows, nothing is executed.');
    expect(other.stderr).toContain('casare: run taken-1 was not started from what you gave: it ran ledger.json ("ledger"), not the other.json given now');
    expect(other.stderr).toContain('its --var values differ from the ones given now for: wait_seconds');
    // The recorded run took over a second (its sleep); this command's own few milliseconds are not its length.
    expect(other.stdout).toMatch(/^Run taken-1 succeeded \(recorded: ended \S+ \S+, 1\.\d s after it was created\)\.$/m);
    expect(other.stdout).toMatch(/^Variables:\n {2}wait_seconds = 1$/m);
    expect(other.stderr).not.toMatch(/already exists|\n\s+at /);
    expect(await ledger('taken-1')).toEqual(['before', 'after']);
  });

  it('refuses to cancel or resume a run that has ended, to fork past its last step or into an existing id (exit 2)', async () => {
    const cancel = await ws.run(['runs', 'cancel', 'plain-1'], env);
    expect(cancel.code).toBe(2);
    expect(cancel.stderr).toContain('run plain-1 has already ended (succeeded): there is nothing to cancel');
    expect(cancel.stdout).not.toContain('cancelled');
    const resume = await ws.run(['runs', 'resume', 'plain-1'], env);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('run plain-1 has already succeeded: there is nothing to resume');
    expect((await show('plain-1')).run.status).toBe('succeeded');

    const past = await ws.run(['runs', 'fork', 'plain-1', '--from-step', '99'], env);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('--from-step 99 is past the end of run plain-1: its steps are 0..5');

    const stepsOfTaken = (await show('plain-1')).steps.length;
    const into = await ws.run(['runs', 'fork', 'plain-1', '--from-step', '1', '--run-id', 'once-1'], env);
    expect(into.code).toBe(2);
    expect(into.stderr).toContain('--run-id once-1 is the id of an existing run (succeeded): a fork needs a new id');
    expect(into.stdout).not.toContain('forked');
    expect(await ledger('plain-1')).toEqual(['before', 'after']);
    expect((await show('plain-1')).steps).toHaveLength(stepsOfTaken);
  });

  it('shows when a durable sleep wakes; runs show of a run killed in it says sleeping; recover prints logs and variables', async () => {
    await ws.write(
      'sleepy.json',
      workflowDoc()
        .name('sleepy')
        .settings({ checkpoint: 'every-node' })
        .variable('wait_seconds', 0.1)
        .start()
        .node('say', 'LogNode', { message: 'going to sleep' })
        .node('wait', 'WaitNode', { seconds: '{{wait_seconds}}' })
        .node('set', 'SetVariableNode', { variable_name: 'woke', value: true })
        .end()
        .chain('start', 'say', 'wait', 'set', 'end')
        .build(),
    );
    // Long enough that the sleep is still ahead when recover starts, even on a loaded machine.
    const child = ws.start(['run', 'sleepy.json', '--run-id', 'sleepy-1', '--var', 'wait_seconds=15'], env);
    await child.waitForLine('stdout', /^ {2}say: going to sleep$/);
    const asleep = await child.waitForLine('stdout', /^⏾ wait\s+WaitNode\s+durable sleep of 15\.0 s: wakes at /);
    expect(asleep).toMatch(/wakes at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect((await child.kill()).signal).toBe('SIGKILL');

    const human = await ws.run(['runs', 'show', 'sleepy-1'], env);
    expect(human.stdout).toMatch(/^3\s+\(durable sleep\)\s+sleeping, wakes \S+ \S+\s+15\.0 s planned\s+-$/m);
    expect(human.stdout).not.toMatch(/\(durable sleep\)\s+completed/);
    expect((await show('sleepy-1')).steps[3]).toMatchObject({ kind: 'sleep', status: 'sleeping', wakesAt: expect.any(Number) as number });

    const recovered = await ws.run(['recover'], env);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/^\[sleepy-1\] ⏾ wait\s+WaitNode\s+durable sleep of 15\.0 s: wakes at /m);
    expect(recovered.stdout).toContain('Logs:\n  going to sleep\n');
    expect(recovered.stdout).toMatch(/^Variables:\n(?: {2}.*\n)*? {2}woke\s+= true$/m);
    expect(recovered.stdout).toContain('Run sleepy-1 succeeded.');
  });
});
