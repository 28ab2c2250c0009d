import type { Json } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors.js';
import type { SignalDelivery, SignalOptions } from '../ports/durable-runner.js';
import { taskSignalName, type AnswerSealer, type HumanTask, type HumanTaskRecord, type HumanTaskStatus, type TaskInbox } from '../ports/task-inbox.js';
import { AnswerTaskUseCase, validateTaskAnswer } from './human-tasks.js';

/** A task Object Mother: a confirm unless told otherwise. */
function aTask(overrides: Partial<HumanTask> = {}): HumanTask {
  return {
    taskId: 'run-1:2',
    runId: 'run-1',
    nodeId: 'ask',
    nodeType: 'ConfirmDialogNode',
    title: 'Pay?',
    message: '',
    fields: [{ name: 'choice', label: 'Yes or No', type: 'choice', required: true, choices: ['yes', 'no'] }],
    onTimeout: 'default',
    createdAt: 1_000,
    deadlineAt: null,
    ...overrides,
  };
}

/** The inbox contract in its simplest form (the adapters live in infra packages). */
class ListInbox implements TaskInbox {
  readonly tasks = new Map<string, HumanTaskRecord>();
  openTask(task: HumanTask): Promise<void> {
    if (!this.tasks.has(task.taskId)) this.tasks.set(task.taskId, { ...task, status: 'open', closedAt: null });
    return Promise.resolve();
  }
  getTask(taskId: string): Promise<HumanTaskRecord | undefined> {
    return Promise.resolve(this.tasks.get(taskId));
  }
  listTasks(): Promise<readonly HumanTaskRecord[]> {
    return Promise.resolve([...this.tasks.values()]);
  }
  closeTask(taskId: string, status: Exclude<HumanTaskStatus, 'open'>, at: number): Promise<boolean> {
    const task = this.tasks.get(taskId);
    if (task?.status !== 'open') return Promise.resolve(false);
    this.tasks.set(taskId, { ...task, status, closedAt: at });
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Records signals and refuses a signal id it saw, as runners do. */
class SignalLog {
  readonly sent: Array<{ runId: string; name: string; value: Json; signalId: string | undefined }> = [];
  signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> {
    if (options?.signalId !== undefined && this.sent.some((signal) => signal.signalId === options.signalId)) {
      return Promise.resolve({ delivered: false, reason: 'duplicate' });
    }
    this.sent.push({ runId, name, value, signalId: options?.signalId });
    return Promise.resolve({ delivered: true });
  }
}

const reversing: AnswerSealer = {
  seal: (plain) => `sealed:${[...plain].reverse().join('')}`,
  openAll: () => undefined,
};

async function refusal(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('validateTaskAnswer', () => {
  it('fills the only field from --value, converted to its type', () => {
    expect(validateTaskAnswer(aTask(), { value: 'yes' })).toEqual({ choice: 'yes' });
    const amount = aTask({ fields: [{ name: 'amount', label: 'Amount', type: 'number', required: true }] });
    expect(validateTaskAnswer(amount, { value: '12.5' })).toEqual({ amount: 12.5 });
    const flag = aTask({ fields: [{ name: 'ok', label: 'OK', type: 'boolean', required: false }] });
    expect(validateTaskAnswer(flag, { value: 'no' })).toEqual({ ok: false });
  });

  it('names every wrong field: type, missing required field, choice not offered, unknown field, too long', () => {
    const task = aTask({
      fields: [
        { name: 'amount', label: 'Amount', type: 'number', required: true },
        { name: 'center', label: 'Cost center', type: 'choice', required: true, choices: ['A1'] },
        { name: 'note', label: 'Note', type: 'text', required: false, maxLength: 3 },
      ],
    });
    const error = (() => {
      try {
        validateTaskAnswer(task, { json: { amount: '7', note: 'long', other: true } });
      } catch (caught) {
        return caught as { code: string; issues: unknown };
      }
      return undefined;
    })();
    expect(error?.code).toBe('TASK_ANSWER_INVALID');
    expect(error?.issues).toEqual([
      { field: 'other', message: 'the task has no such field' },
      { field: 'amount', message: 'expected a number, got string "7"' },
      { field: 'center', message: 'required' },
      { field: 'note', message: 'longer than 3 characters' },
    ]);
    expect(() => validateTaskAnswer(task, { value: '7' })).toThrow('answer with --json');
    expect(() => validateTaskAnswer(task, { json: [1] })).toThrow('expected a JSON object keyed by field name');
  });
});

describe('AnswerTaskUseCase', () => {
  it('delivers a valid answer as the run signal named after the task, with the task id as signal id, and closes the task', async () => {
    const inbox = new ListInbox();
    const signals = new SignalLog();
    await inbox.openTask(aTask());
    const answered = await new AnswerTaskUseCase(inbox, signals, undefined, () => 2_000).answer('run-1:2', { value: 'no' });
    expect(answered).toMatchObject({ status: 'answered', closedAt: 2_000 });
    expect(signals.sent).toEqual([{ runId: 'run-1', name: taskSignalName('run-1:2'), value: { choice: 'no' }, signalId: 'run-1:2' }]);
    expect((await inbox.getTask('run-1:2'))?.status).toBe('answered');
  });

  it('refuses, delivering nothing: an unknown task, a wrong answer, a closed task, a task past its deadline', async () => {
    const inbox = new ListInbox();
    const signals = new SignalLog();
    const answers = new AnswerTaskUseCase(inbox, signals, undefined, () => 5_000);
    expect(hasErrorCode(await refusal(answers.answer('nope', { value: 'yes' })), 'TASK_NOT_FOUND')).toBe(true);
    await inbox.openTask(aTask());
    expect(hasErrorCode(await refusal(answers.answer('run-1:2', { value: 'maybe' })), 'TASK_ANSWER_INVALID')).toBe(true);
    await answers.answer('run-1:2', { value: 'yes' });
    expect(hasErrorCode(await refusal(answers.answer('run-1:2', { value: 'no' })), 'TASK_CLOSED')).toBe(true);
    await inbox.openTask(aTask({ taskId: 'run-1:9', deadlineAt: 4_000 }));
    expect(await refusal(answers.answer('run-1:9', { value: 'yes' }))).toMatchObject({ code: 'TASK_CLOSED', status: 'timed_out' });
    expect(signals.sent).toHaveLength(1);
  });

  it('refuses a second answer the runner reports as a duplicate signal, even when the inbox still says open', async () => {
    const inbox = new ListInbox();
    const signals = new SignalLog();
    await inbox.openTask(aTask());
    await signals.signal('run-1', taskSignalName('run-1:2'), { choice: 'yes' }, { signalId: 'run-1:2' });
    expect(hasErrorCode(await refusal(new AnswerTaskUseCase(inbox, signals, undefined).answer('run-1:2', { value: 'no' })), 'TASK_CLOSED')).toBe(true);
    expect(signals.sent).toHaveLength(1);
  });

  it('seals secret fields before delivering them', async () => {
    const inbox = new ListInbox();
    const signals = new SignalLog();
    await inbox.openTask(
      aTask({
        fields: [
          { name: 'username', label: 'User', type: 'text', required: true },
          { name: 'password', label: 'Password', type: 'secret', required: true },
        ],
      }),
    );
    await new AnswerTaskUseCase(inbox, signals, reversing).answer('run-1:2', { json: { username: 'ada', password: 'abc' } });
    expect(signals.sent[0]?.value).toEqual({ username: 'ada', password: 'sealed:cba' });
  });
});
