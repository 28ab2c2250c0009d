import type { Json, JsonObject } from '@casare-rpa/domain';

/**
 * Type of one field of a human task, which decides what an answer may hold:
 * `text` and `multiline` strings, `number`, `boolean`, `choice` one of `choices`, `choices` a list of
 * them, `datetime` an ISO 8601 string, `secret` a string that is sealed before it is delivered.
 */
export type HumanTaskFieldType = 'text' | 'multiline' | 'number' | 'boolean' | 'choice' | 'choices' | 'datetime' | 'secret';

/** One field a person fills in to answer a task. */
export interface HumanTaskField {
  /** Key of the field in the answer object. */
  readonly name: string;
  /** What a person is shown. */
  readonly label: string;
  /** What the answer may hold. */
  readonly type: HumanTaskFieldType;
  /** An answer without this field is refused. */
  readonly required: boolean;
  /** What `choice` and `choices` fields offer. */
  readonly choices?: readonly string[];
  /** Value the node takes for this field when the task times out (never set for a `secret`). */
  readonly default?: Json;
  /** Longest accepted text, in characters (`text`, `multiline`). */
  readonly maxLength?: number;
}

/** What a node does when its task reaches its deadline unanswered. */
export type HumanTaskTimeoutAction = 'default' | 'error';

/** What a dialog node asks a person, as its handler describes it from the node's resolved config. */
export interface HumanTaskRequest {
  /** Short title. */
  readonly title: string;
  /** The question or message. */
  readonly message: string;
  /** What the answer holds; an empty list is an acknowledgement (any answer, `{}` included). */
  readonly fields: readonly HumanTaskField[];
  /** How long the task stays open, ms; undefined for no deadline. */
  readonly timeoutMs?: number;
  /** On timeout: take the fields' defaults (`default`) or fail the node with code `TIMEOUT` (`error`). */
  readonly onTimeout: HumanTaskTimeoutAction;
}

/** A task as it is recorded: the request plus where it comes from and when it ends. */
export interface HumanTask extends HumanTaskRequest {
  /** `<runId>:<stepIndex>` of the step that opened it: the same after any crash (docs/architecture.md, rule 3). */
  readonly taskId: string;
  /** Run that waits for the answer. */
  readonly runId: string;
  /** Dialog node that asked. */
  readonly nodeId: string;
  /** Its v1 type. */
  readonly nodeType: string;
  /** When the task was opened, ms since the epoch. */
  readonly createdAt: number;
  /** After this an answer is refused, ms since the epoch; null for no deadline. */
  readonly deadlineAt: number | null;
}

/** Where a task stands: waiting, answered (closed by its answer), or closed by its deadline. */
export type HumanTaskStatus = 'open' | 'answered' | 'timed_out';

/** A task with its status, as the inbox lists it. */
export interface HumanTaskRecord extends HumanTask {
  /** Where it stands. */
  readonly status: HumanTaskStatus;
  /** When it was closed; null while open. */
  readonly closedAt: number | null;
}

/** Which tasks `TaskInbox.list` returns. */
export interface HumanTaskFilter {
  /** Only tasks in this status. */
  readonly status?: HumanTaskStatus;
  /** Only tasks of this run. */
  readonly runId?: string;
}

/**
 * Where the tasks of all runs live, so a tool finds open tasks across runs (`casare tasks list`).
 * The answer itself never goes here: it travels as a signal of the run (`DurableRunner.signal`).
 * Adapters: `InMemoryTaskInbox` (infra-memory), `SqliteTaskInbox` (infra-sqlite), `DbosTaskInbox` (infra-dbos).
 */
export interface TaskInbox {
  /** Records a task as open; a task id that exists is left as it is (a step re-run after a crash opens it again). */
  openTask(task: HumanTask): Promise<void>;
  /** One task, or undefined when the inbox has none with that id. */
  getTask(taskId: string): Promise<HumanTaskRecord | undefined>;
  /** Tasks matching the filter, oldest first. */
  listTasks(filter?: HumanTaskFilter): Promise<readonly HumanTaskRecord[]>;
  /** Closes an open task, atomically: true when this call closed it, false when it was closed already or is unknown. */
  closeTask(taskId: string, status: Exclude<HumanTaskStatus, 'open'>, at: number): Promise<boolean>;
  /** Releases what the inbox holds (connections, file handles). */
  close(): Promise<void>;
}

/**
 * Seals secret answers (a `CredentialDialogNode`'s password) so that only ciphertext is delivered,
 * recorded and passed between nodes; the body opens a sealed value inside the step that uses it
 * (docs/architecture.md, rule 9). Implemented in the composition root.
 */
export interface AnswerSealer {
  /** The sealed form of `plain`: a string that holds no part of it. */
  seal(plain: string): string;
  /** The sealed values inside `text`, each opened; undefined for a text that holds none. */
  openAll(text: string): { readonly text: string; readonly secrets: readonly string[] } | undefined;
}

/** Injection token of `TaskInbox`. */
export const TASK_INBOX = Symbol.for('@casare-rpa/TaskInbox');
/** Injection token of `AnswerSealer`. */
export const ANSWER_SEALER = Symbol.for('@casare-rpa/AnswerSealer');

/** Name of the signal that carries the answer of task `taskId` to its run. */
export function taskSignalName(taskId: string): string {
  return `task:${taskId}`;
}

/** How a task ended, as the dialog node's handler sees it in `NodeExecution.taskAnswer`. */
export type TaskAnswer =
  { readonly kind: 'answered'; readonly taskId: string; readonly value: JsonObject } | { readonly kind: 'timeout'; readonly taskId: string };
