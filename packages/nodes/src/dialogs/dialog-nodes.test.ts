import { hasErrorCode, validateTaskAnswer, type HumanTask, type HumanTaskRequest, type TaskAnswer } from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const DIALOGS = [
  'MessageBoxNode',
  'ConfirmDialogNode',
  'InputDialogNode',
  'MultilineInputDialogNode',
  'CredentialDialogNode',
  'ListPickerDialogNode',
  'FormDialogNode',
  'DateTimePickerDialogNode',
  'FilePickerDialogNode',
  'FolderPickerDialogNode',
];

function taskOf(type: string, config: JsonObject = {}): HumanTaskRequest {
  return catalog.describeTask(aNodeExecution(type).withId('ask').withConfig(config).build());
}

function recorded(request: HumanTaskRequest): HumanTask {
  return { ...request, taskId: 'run-1:0', runId: 'run-1', nodeId: 'ask', nodeType: 'X', createdAt: 0, deadlineAt: null };
}

async function answer(type: string, config: JsonObject, taskAnswer: TaskAnswer, ports: readonly string[] = ['exec_out']) {
  return catalog.execute(aNodeExecution(type).withId('ask').withConfig(config).withConnectedPorts(ports).answering(taskAnswer).build());
}

const answered = (value: JsonObject): TaskAnswer => ({ kind: 'answered', taskId: 'run-1:0', value });
const timedOut: TaskAnswer = { kind: 'timeout', taskId: 'run-1:0' };

describe('dialog nodes as human tasks', () => {
  it('are known to the catalog, as human tasks that touch the world', () => {
    for (const type of DIALOGS) {
      expect(catalog.knownTypes().has(type), type).toBe(true);
      expect(catalog.isHumanTask(aWorkflowNode(type)), type).toBe(true);
      expect(catalog.effectOf(aWorkflowNode(type)), type).toBe('world');
    }
    expect(catalog.isHumanTask(aWorkflowNode('LogNode'))).toBe(false);
  });

  it('ConfirmDialogNode asks yes or no and follows the v1 yes/no port of the answer, else exec_out', async () => {
    const task = taskOf('ConfirmDialogNode', { title: 'Pay?', message: 'Invoice 42', deadline_seconds: 60 });
    expect(task).toMatchObject({ title: 'Pay?', message: 'Invoice 42', timeoutMs: 60_000, onTimeout: 'default' });
    expect(task.fields).toEqual([expect.objectContaining({ name: 'choice', type: 'choice', choices: ['yes', 'no'], required: true, default: 'no' })]);
    const yes = await answer('ConfirmDialogNode', {}, answered({ choice: 'yes' }), ['yes', 'no']);
    expect(yes).toEqual({ outputs: { confirmed: true, button_clicked: 'yes' }, ports: ['yes'] });
    expect((await answer('ConfirmDialogNode', {}, answered({ choice: 'no' }), ['yes', 'no'])).ports).toEqual(['no']);
    expect((await answer('ConfirmDialogNode', {}, answered({ choice: 'yes' }))).ports).toEqual(['exec_out']);
  });

  it('on timeout take their defaults, follow a connected timeout port, or fail with TASK_TIMEOUT as on_timeout says', async () => {
    expect(await answer('ConfirmDialogNode', { default_answer: 'yes' }, timedOut, ['yes', 'no'])).toEqual({
      outputs: { confirmed: true, button_clicked: 'yes' },
      ports: ['yes'],
    });
    expect((await answer('ConfirmDialogNode', {}, timedOut, ['yes', 'no', 'timeout'])).ports).toEqual(['timeout']);
    expect((await answer('InputDialogNode', { default_value: 'fallback' }, timedOut)).outputs).toEqual({ value: 'fallback', confirmed: false });
    expect((await answer('MessageBoxNode', {}, timedOut)).outputs).toEqual({ result: 'timeout', accepted: false });
    const failing = answer('ConfirmDialogNode', { on_timeout: 'error' }, timedOut);
    await expect(failing).rejects.toSatisfy((error: unknown) => hasErrorCode(error, 'TASK_TIMEOUT'));
  });

  it('MessageBoxNode takes its deadline from the v1 auto_close_timeout and offers its buttons', () => {
    const task = taskOf('MessageBoxNode', { message: 'Done', buttons: 'ok_cancel', auto_close_timeout: 5 });
    expect(task.timeoutMs).toBe(5_000);
    expect(task.fields[0]).toMatchObject({ name: 'button', choices: ['ok', 'cancel'], required: true });
    expect(taskOf('MessageBoxNode', { message: 'Done' }).timeoutMs).toBeUndefined();
  });

  it('InputDialogNode in password mode and CredentialDialogNode ask for secret fields', () => {
    expect(taskOf('InputDialogNode', { password_mode: true }).fields[0]).toMatchObject({ name: 'value', type: 'secret', required: true });
    expect(taskOf('CredentialDialogNode').fields.map((field) => [field.name, field.type])).toEqual([
      ['username', 'text'],
      ['password', 'secret'],
      ['remember', 'boolean'],
    ]);
  });

  it('ListPickerDialogNode offers its items (list, JSON or comma-separated) and checks choices', () => {
    const single = taskOf('ListPickerDialogNode', { items: 'red, green, blue', default_selection: 'green' });
    expect(single.fields[0]).toMatchObject({ type: 'choice', choices: ['red', 'green', 'blue'], default: 'green' });
    const multi = taskOf('ListPickerDialogNode', { items: '["a", "b"]', multi_select: true });
    expect(multi.fields[0]).toMatchObject({ type: 'choices', choices: ['a', 'b'] });
    expect(() => validateTaskAnswer(recorded(multi), { json: { selected: ['a', 'c'] } })).toThrow('selected: "c" not offered');
    expect(validateTaskAnswer(recorded(multi), { value: 'a,b' })).toEqual({ selected: ['a', 'b'] });
    expect(() => taskOf('ListPickerDialogNode', { items: '' })).toThrow('nodes.ask.config.items');
  });

  it('FormDialogNode turns its v1 field list into typed fields and outputs the answer as data', async () => {
    const fields: JsonObject[] = [
      { name: 'amount', type: 'number', label: 'Amount', required: true },
      { name: 'approve', type: 'checkbox' },
      { name: 'cost_center', type: 'select', options: ['A1', 'B2'], default: 'A1' },
    ];
    const task = taskOf('FormDialogNode', { title: 'Expense', fields: JSON.stringify(fields) });
    expect(task.fields.map((field) => [field.name, field.type, field.required])).toEqual([
      ['amount', 'number', true],
      ['approve', 'boolean', false],
      ['cost_center', 'choice', false],
    ]);
    const issues = (() => {
      try {
        validateTaskAnswer(recorded(task), { json: { amount: 'ten', cost_center: 'Z9', extra: 1 } });
        return [];
      } catch (error) {
        return (error as { issues: unknown }).issues;
      }
    })();
    expect(issues).toEqual([
      { field: 'extra', message: 'the task has no such field' },
      { field: 'amount', message: 'expected a number, got string "ten"' },
      { field: 'cost_center', message: '"Z9" is not offered (choose one of "A1", "B2")' },
    ]);
    const outcome = await answer('FormDialogNode', { fields }, answered({ amount: 12.5, approve: true }));
    expect(outcome.outputs).toEqual({ data: { cost_center: 'A1', amount: 12.5, approve: true }, confirmed: true });
    expect(() => taskOf('FormDialogNode', { fields: [{ type: 'text' }] })).toThrow('nodes.ask.config.fields[0].name');
  });

  it('DateTimePickerDialogNode accepts ISO dates and times and outputs a timestamp', async () => {
    const task = taskOf('DateTimePickerDialogNode', { mode: 'date' });
    expect(() => validateTaskAnswer(recorded(task), { value: 'next tuesday' })).toThrow('value: expected an ISO 8601 date or time');
    const outcome = await answer('DateTimePickerDialogNode', {}, answered({ value: '2026-01-31T00:00:00Z' }));
    expect(outcome.outputs).toEqual({ value: '2026-01-31T00:00:00Z', timestamp: 1769817600, selected: true });
  });
});
