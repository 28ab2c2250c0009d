import type { Json, JsonObject } from '@casare-rpa/domain';
import { isJsonObject } from '@casare-rpa/domain';
import { CasareError } from '../errors.js';
import type { SignalDelivery, SignalOptions } from '../ports/durable-runner.js';
import { taskSignalName, type AnswerSealer, type HumanTask, type HumanTaskField, type HumanTaskRecord, type TaskInbox } from '../ports/task-inbox.js';

/** One thing wrong with an answer, named by its field. */
export interface TaskAnswerIssue {
  /** The field, or `(answer)` for the answer as a whole. */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
}

/** An answer that does not fit its task's fields: nothing was delivered. */
export class TaskAnswerInvalidError extends CasareError {
  /** Stable code. */
  readonly code = 'TASK_ANSWER_INVALID' as const;
  constructor(
    readonly taskId: string,
    /** Every issue, by field. */
    readonly issues: readonly TaskAnswerIssue[],
  ) {
    super(`answer to task ${taskId} refused: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
    this.name = 'TaskAnswerInvalidError';
  }
}

/** The inbox has no task with that id. */
export class TaskNotFoundError extends CasareError {
  /** Stable code. */
  readonly code = 'TASK_NOT_FOUND' as const;
  constructor(readonly taskId: string) {
    super(`no task ${taskId} (casare tasks list shows the open ones)`);
    this.name = 'TaskNotFoundError';
  }
}

/** The task was answered or reached its deadline: it takes no answer. */
export class TaskClosedError extends CasareError {
  /** Stable code. */
  readonly code = 'TASK_CLOSED' as const;
  constructor(
    readonly taskId: string,
    /** Why it is closed. */
    readonly status: 'answered' | 'timed_out',
  ) {
    super(`task ${taskId} is closed (${status === 'answered' ? 'already answered' : 'its deadline has passed'}): the answer was not delivered`);
    this.name = 'TaskClosedError';
  }
}

/** What a person gave: one value for a task of one field (`--value`), or an object by field name (`--json`). */
export type RawTaskAnswer = { readonly value: string } | { readonly json: Json };

/**
 * The answer object of `task` from what a person gave, checked against its fields; throws
 * `TaskAnswerInvalidError` naming every field that is wrong (type, missing required field, choice
 * not offered, unknown field). A `--value` fills the task's only field (or its only required one),
 * converted to the field's type.
 */
export function validateTaskAnswer(task: HumanTask, raw: RawTaskAnswer): JsonObject {
  const issues: TaskAnswerIssue[] = [];
  let given: JsonObject;
  if ('value' in raw) {
    const target = singleFieldOf(task.fields);
    if (target === undefined) {
      if (task.fields.length === 0) return {};
      throw new TaskAnswerInvalidError(task.taskId, [
        {
          field: '(answer)',
          message: `the task has ${task.fields.length} fields (${task.fields.map((field) => field.name).join(', ')}): answer with --json '{...}'`,
        },
      ]);
    }
    given = { [target.name]: fromText(target, raw.value) };
  } else {
    if (!isJsonObject(raw.json)) throw new TaskAnswerInvalidError(task.taskId, [{ field: '(answer)', message: 'expected a JSON object keyed by field name' }]);
    given = raw.json;
  }
  const known = new Set(task.fields.map((field) => field.name));
  for (const name of Object.keys(given)) if (!known.has(name)) issues.push({ field: name, message: 'the task has no such field' });
  const answer: Record<string, Json> = {};
  for (const field of task.fields) {
    const value = given[field.name];
    if (value === undefined || value === null || value === '') {
      if (field.required) issues.push({ field: field.name, message: 'required' });
      continue;
    }
    const problem = problemOf(field, value);
    if (problem) issues.push({ field: field.name, message: problem });
    else answer[field.name] = value;
  }
  if (issues.length > 0) throw new TaskAnswerInvalidError(task.taskId, issues);
  return answer;
}

/**
 * Answers human tasks from a process that runs no workflow (`casare tasks answer`): checks the
 * answer before anything is delivered, seals secret fields, delivers it as the run's signal with
 * the task id as signal id (a second answer is never delivered twice, even before the run consumed
 * the first), then marks the task closed.
 */
export class AnswerTaskUseCase {
  constructor(
    private readonly inbox: TaskInbox,
    private readonly signals: { signal(runId: string, name: string, value: Json, options?: SignalOptions): Promise<SignalDelivery> },
    private readonly sealer: AnswerSealer | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Delivers the answer; `TaskNotFoundError`, `TaskClosedError` or `TaskAnswerInvalidError` when it cannot be, and then nothing is delivered. */
  async answer(taskId: string, raw: RawTaskAnswer): Promise<HumanTaskRecord> {
    const task = await this.inbox.getTask(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    if (task.status !== 'open') throw new TaskClosedError(taskId, task.status);
    const now = this.clock();
    if (task.deadlineAt !== null && now >= task.deadlineAt) throw new TaskClosedError(taskId, 'timed_out');
    const answer = validateTaskAnswer(task, raw);
    const delivered = await this.signals.signal(task.runId, taskSignalName(taskId), this.sealSecrets(task, answer), { signalId: taskId });
    if (!delivered.delivered) {
      await this.inbox.closeTask(taskId, 'answered', now);
      throw new TaskClosedError(taskId, 'answered');
    }
    await this.inbox.closeTask(taskId, 'answered', now);
    return { ...task, status: 'answered', closedAt: now };
  }

  private sealSecrets(task: HumanTask, answer: JsonObject): JsonObject {
    const sealed: Record<string, Json> = { ...answer };
    for (const field of task.fields) {
      const value = answer[field.name];
      if (field.type !== 'secret' || typeof value !== 'string') continue;
      if (!this.sealer)
        throw new TaskAnswerInvalidError(task.taskId, [{ field: field.name, message: 'a secret answer needs a sealer, and none is configured' }]);
      sealed[field.name] = this.sealer.seal(value);
    }
    return sealed;
  }
}

/** The field a lone `--value` fills: the only field, else the only required one. */
function singleFieldOf(fields: readonly HumanTaskField[]): HumanTaskField | undefined {
  if (fields.length === 1) return fields[0];
  const required = fields.filter((field) => field.required);
  return required.length === 1 ? required[0] : undefined;
}

/** A `--value` converted to the field's type; left as text when it does not convert (the check reports it). */
function fromText(field: HumanTaskField, text: string): Json {
  if (field.type === 'number') {
    const number = Number(text);
    return text.trim() !== '' && Number.isFinite(number) ? number : text;
  }
  if (field.type === 'boolean') {
    const lower = text.trim().toLowerCase();
    if (['true', 'yes', '1'].includes(lower)) return true;
    if (['false', 'no', '0'].includes(lower)) return false;
    return text;
  }
  if (field.type === 'choices')
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return text;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$|^\d{2}:\d{2}(:\d{2})?$/;

function problemOf(field: HumanTaskField, value: Json): string | undefined {
  switch (field.type) {
    case 'text':
    case 'multiline':
    case 'secret':
      if (typeof value !== 'string') return `expected text, got ${kindOf(value)}`;
      if (field.maxLength !== undefined && field.maxLength > 0 && value.length > field.maxLength) return `longer than ${field.maxLength} characters`;
      return undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `expected a number, got ${kindOf(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${kindOf(value)}`;
    case 'datetime':
      return typeof value === 'string' && ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value.includes('-') ? value : `1970-01-01T${value}`))
        ? undefined
        : 'expected an ISO 8601 date or time (2026-01-31, 2026-01-31T09:30, 09:30)';
    case 'choice':
      if (typeof value !== 'string') return `expected one of ${offered(field)}, got ${kindOf(value)}`;
      return (field.choices ?? []).includes(value) ? undefined : `"${value}" is not offered (choose one of ${offered(field)})`;
    case 'choices': {
      if (!Array.isArray(value)) return `expected a list of ${offered(field)}`;
      const wrong = (value as readonly Json[]).filter((item) => typeof item !== 'string' || !(field.choices ?? []).includes(item));
      return wrong.length === 0 ? undefined : `${wrong.map((item) => JSON.stringify(item)).join(', ')} not offered (choose from ${offered(field)})`;
    }
  }
}

function offered(field: HumanTaskField): string {
  return (field.choices ?? []).map((choice) => `"${choice}"`).join(', ');
}

function kindOf(value: Json): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
