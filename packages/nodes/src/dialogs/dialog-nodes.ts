import { CasareError, type HumanTaskField, type HumanTaskRequest, type NodeExecution } from '@casare-rpa/application';
import type { Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, integer, isJsonObject, oneOf, optionalInteger, optionalText, text, tryParseJson } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';

// The dialog nodes of the original engine opened a window on the robot's desktop. Headless, each
// is a human task (docs/architecture.md, Human tasks): the node describes the task (title, message,
// fields with types, choices, defaults, a deadline), the workflow body records it and waits durably
// for the answer a person gives with `casare tasks answer`, then the node turns the answer into its
// v1 outputs. On timeout the node takes its defaults (v1 did the same when no window could open),
// follows its `timeout` exec port when connected, or fails with TASK_TIMEOUT when `on_timeout` is
// `error`.

/** A human task's deadline passed and the node's `on_timeout` is `error`. */
export class TaskTimeoutError extends CasareError {
  /** Stable code. */
  readonly code = 'TASK_TIMEOUT' as const;
  /** Waiting again cannot help. */
  readonly retryable = false;
  constructor(
    readonly nodeId: string,
    readonly taskId: string,
  ) {
    super(`nodes.${nodeId}: task ${taskId} was not answered before its deadline`);
    this.name = 'TaskTimeoutError';
  }
}

/** Exec port a dialog follows when its task times out, if the workflow connects it. */
export const TIMEOUT_PORT = 'timeout';

/** Fields every dialog node takes: its deadline and what a timeout does (ours; v1 waited forever). */
const taskFields = {
  deadline_seconds: optionalInteger().pipe(z.number().min(1, { error: 'must be at least 1 second' }).optional()),
  on_timeout: oneOf(['default', 'error'], 'default'),
};

/** What a dialog type's author writes: the task it asks, and its outputs for an answer or a timeout. */
interface DialogDefinition<S extends z.ZodType> {
  readonly types: readonly string[];
  readonly config: S;
  readonly outputs: readonly string[];
  readonly inputs?: readonly string[];
  /** Exec ports besides `exec_out` and `timeout`. */
  readonly exec?: readonly string[];
  /** Title, message and fields, from the parsed config. */
  task(config: z.output<S>, execution: NodeExecution): Omit<HumanTaskRequest, 'timeoutMs' | 'onTimeout'>;
  /** Outputs (and an exec port) for the answer; `answered` is false when the task timed out (values are then the defaults). */
  outcome(config: z.output<S>, values: JsonObject, answered: boolean, execution: NodeExecution): { readonly outputs: JsonObject; readonly port?: string };
  /** Deadline in seconds from the config beyond `deadline_seconds` (MessageBoxNode's v1 `auto_close_timeout`). */
  deadlineOf?(config: z.output<S>): number | undefined;
}

type TaskConfig = { readonly deadline_seconds?: number | undefined; readonly on_timeout: 'default' | 'error' };

function defineDialog<S extends z.ZodType>(definition: DialogDefinition<S>): CatalogNodeHandler {
  const deadlineOf = (config: z.output<S>): number | undefined => {
    const seconds = (config as TaskConfig).deadline_seconds ?? definition.deadlineOf?.(config);
    return seconds === undefined || seconds <= 0 ? undefined : seconds * 1000;
  };
  return defineNode({
    types: definition.types,
    effect: 'world',
    config: definition.config,
    ports: { inputs: definition.inputs ?? [], outputs: definition.outputs, exec: ['exec_out', TIMEOUT_PORT, ...(definition.exec ?? [])] },
    task: (config, execution) => {
      const timeoutMs = deadlineOf(config);
      const request = definition.task(config, execution);
      return { ...request, onTimeout: (config as TaskConfig).on_timeout, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
    },
    run: (config, execution): NodeOutcome => {
      const answer = execution.taskAnswer;
      // Only the body calls a dialog, after the durable wait: an execution without an answer is a misuse.
      if (answer === undefined) throw new ConfigFieldError('(task)', 'a dialog node runs as a human task: it needs the answer of its task');
      const task = definition.task(config, execution);
      if (answer.kind === 'timeout') {
        if ((config as TaskConfig).on_timeout === 'error') throw new TaskTimeoutError(execution.node.id, answer.taskId);
        const outcome = definition.outcome(config, defaultsOf(task.fields), false, execution);
        const port = execution.connectedPorts.includes(TIMEOUT_PORT) ? TIMEOUT_PORT : (outcome.port ?? 'exec_out');
        return { outputs: outcome.outputs, ports: [port] };
      }
      const outcome = definition.outcome(config, { ...defaultsOf(task.fields), ...answer.value }, true, execution);
      return { outputs: outcome.outputs, ports: [outcome.port ?? 'exec_out'] };
    },
  });
}

function defaultsOf(fields: readonly HumanTaskField[]): JsonObject {
  return Object.fromEntries(fields.filter((field) => field.default !== undefined).map((field) => [field.name, field.default as Json]));
}

function field(name: string, label: string, type: HumanTaskField['type'], required: boolean, extra: Partial<HumanTaskField> = {}): HumanTaskField {
  const built: HumanTaskField = { name, label, type, required, ...extra };
  // A default left undefined must not appear as a member: tasks are recorded as JSON.
  return Object.fromEntries(Object.entries(built).filter(([, value]) => value !== undefined)) as unknown as HumanTaskField;
}

/** Items of a list picker: a list, a JSON array text, or comma-separated text (as in v1). */
function itemsOf(value: Json): readonly string[] {
  const parsed = typeof value === 'string' ? (tryParseJson(value) ?? value) : value;
  if (Array.isArray(parsed)) return (parsed as readonly Json[]).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  if (typeof parsed === 'string')
    return parsed
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return [];
}

const BUTTONS = { ok: ['ok'], ok_cancel: ['ok', 'cancel'], yes_no: ['yes', 'no'], yes_no_cancel: ['yes', 'no', 'cancel'] } as const;

const messageBox = defineDialog({
  types: ['MessageBoxNode'],
  inputs: ['message'],
  outputs: ['result', 'accepted'],
  config: z.looseObject({
    ...taskFields,
    title: text('Message'),
    message: text(''),
    detailed_text: text(''),
    icon_type: text('information'),
    buttons: oneOf(['ok', 'ok_cancel', 'yes_no', 'yes_no_cancel'], 'ok'),
    default_button: text(''),
    auto_close_timeout: integer(0),
  }),
  deadlineOf: (config) => config.auto_close_timeout,
  task: (config) => ({
    title: config.title,
    message: config.detailed_text === '' ? config.message : `${config.message}\n\n${config.detailed_text}`,
    fields: [field('button', 'Button', 'choice', config.buttons !== 'ok', { choices: [...BUTTONS[config.buttons]] })],
  }),
  outcome: (_config, values, answered) => {
    // v1: a message box that closed by itself reports `timeout`; one dismissed with OK reports `ok`.
    const button = !answered ? 'timeout' : typeof values['button'] === 'string' ? values['button'] : 'ok';
    return { outputs: { result: button, accepted: button === 'ok' || button === 'yes' } };
  },
});

const confirmDialog = defineDialog({
  types: ['ConfirmDialogNode'],
  inputs: ['message'],
  outputs: ['confirmed', 'button_clicked'],
  exec: ['yes', 'no'],
  config: z.looseObject({
    ...taskFields,
    title: text('Confirm'),
    message: text('Are you sure?'),
    icon_type: text('question'),
    button_yes_text: text('Yes'),
    button_no_text: text('No'),
    default_answer: oneOf(['yes', 'no'], 'no'),
  }),
  task: (config) => ({
    title: config.title,
    message: config.message,
    fields: [
      field('choice', `${config.button_yes_text} or ${config.button_no_text}`, 'choice', true, { choices: ['yes', 'no'], default: config.default_answer }),
    ],
  }),
  outcome: (_config, values, _answered, execution) => {
    const choice = values['choice'] === 'yes' ? 'yes' : 'no';
    // v1 files connect exec_out; files that branch connect `yes` and `no`.
    const port = execution.connectedPorts.includes(choice) ? choice : 'exec_out';
    return { outputs: { confirmed: choice === 'yes', button_clicked: choice }, port };
  },
});

const inputDialog = defineDialog({
  types: ['InputDialogNode'],
  outputs: ['value', 'confirmed'],
  config: z.looseObject({ ...taskFields, title: text('Input'), prompt: text('Enter value:'), default_value: text(''), password_mode: boolean(false) }),
  task: (config) => ({
    title: config.title,
    message: config.prompt,
    fields: [
      config.password_mode
        ? field('value', config.prompt, 'secret', true)
        : field('value', config.prompt, 'text', false, { default: config.default_value === '' ? undefined : config.default_value }),
    ],
  }),
  outcome: (config, values, answered) => ({
    outputs: {
      value: typeof values['value'] === 'string' ? values['value'] : answered ? '' : config.password_mode ? '' : config.default_value,
      confirmed: answered,
    },
  }),
});

const multilineInputDialog = defineDialog({
  types: ['MultilineInputDialogNode'],
  outputs: ['text', 'confirmed', 'char_count'],
  config: z.looseObject({ ...taskFields, title: text('Enter Text'), default_text: text(''), placeholder: text(''), max_chars: integer(0) }),
  task: (config) => ({
    title: config.title,
    message: config.placeholder,
    fields: [
      field('text', config.title, 'multiline', false, {
        default: config.default_text === '' ? undefined : config.default_text,
        maxLength: config.max_chars > 0 ? config.max_chars : undefined,
      }),
    ],
  }),
  outcome: (_config, values, answered) => {
    const entered = typeof values['text'] === 'string' ? values['text'] : '';
    return { outputs: { text: entered, confirmed: answered, char_count: entered.length } };
  },
});

const credentialDialog = defineDialog({
  types: ['CredentialDialogNode'],
  outputs: ['username', 'password', 'remember', 'confirmed'],
  config: z.looseObject({
    ...taskFields,
    title: text('Login'),
    username_label: text('Username:'),
    password_label: text('Password:'),
    show_remember: boolean(true),
    mask_password: boolean(true),
  }),
  task: (config) => ({
    title: config.title,
    message: 'Enter the credentials the robot should use.',
    fields: [
      field('username', config.username_label, 'text', true),
      // Always a secret: the answer is sealed before it is delivered, whatever mask_password says.
      field('password', config.password_label, 'secret', true),
      ...(config.show_remember ? [field('remember', 'Remember me', 'boolean', false, { default: false })] : []),
    ],
  }),
  // `password` stays sealed here: nodes that use it get it opened inside their own step.
  outcome: (_config, values, answered) => ({
    outputs: {
      username: typeof values['username'] === 'string' ? values['username'] : '',
      password: typeof values['password'] === 'string' ? values['password'] : '',
      remember: values['remember'] === true,
      confirmed: answered,
    },
  }),
});

const listPickerDialog = defineDialog({
  types: ['ListPickerDialogNode'],
  inputs: ['items'],
  outputs: ['selected', 'confirmed'],
  config: z.looseObject({ ...taskFields, title: text('Select Item'), items: anyValue(), multi_select: boolean(false), default_selection: text('') }),
  task: (config) => {
    const items = itemsOf(config.items);
    if (items.length === 0) throw new ConfigFieldError('items', 'a list picker needs at least one item (a list, a JSON array or comma-separated text)');
    const defaults = itemsOf(config.default_selection).filter((item) => items.includes(item));
    return {
      title: config.title,
      message: config.multi_select ? 'Choose one or more items.' : 'Choose one item.',
      fields: [
        config.multi_select
          ? field('selected', config.title, 'choices', true, { choices: items, default: defaults.length > 0 ? defaults : undefined })
          : field('selected', config.title, 'choice', true, { choices: items, default: defaults[0] }),
      ],
    };
  },
  outcome: (config, values, answered) => ({
    outputs: { selected: values['selected'] ?? (config.multi_select ? [] : ''), confirmed: answered },
  }),
});

/** v1 form field types and the task field types they become. */
const FORM_TYPES: Readonly<Record<string, HumanTaskField['type']>> = {
  text: 'text',
  number: 'number',
  checkbox: 'boolean',
  select: 'choice',
  multiline: 'multiline',
  date: 'datetime',
  password: 'secret',
};

/** The fields of a FormDialogNode (v1: a JSON array of `{name, type, label, required, options, default}`). */
function formFieldsOf(value: Json): readonly HumanTaskField[] {
  const parsed = typeof value === 'string' ? tryParseJson(value) : value;
  if (!Array.isArray(parsed)) throw new ConfigFieldError('fields', 'expected a JSON array of fields ({"name": ..., "type": "text|number|checkbox|select"})');
  const names = new Set<string>();
  return (parsed as readonly Json[]).map((entry, index) => {
    if (!isJsonObject(entry) || typeof entry['name'] !== 'string' || entry['name'] === '')
      throw new ConfigFieldError(`fields[${index}].name`, 'each field needs a name');
    const name = entry['name'];
    if (names.has(name)) throw new ConfigFieldError(`fields[${index}].name`, `two fields are called "${name}"`);
    names.add(name);
    const type = FORM_TYPES[typeof entry['type'] === 'string' ? entry['type'] : 'text'];
    if (type === undefined) throw new ConfigFieldError(`fields[${index}].type`, `expected one of ${Object.keys(FORM_TYPES).join(', ')}`);
    const choices = Array.isArray(entry['options']) ? (entry['options'] as readonly Json[]).map(String) : undefined;
    if (type === 'choice' && (choices === undefined || choices.length === 0))
      throw new ConfigFieldError(`fields[${index}].options`, 'a select field needs options');
    const fallback = entry['default'];
    return field(name, typeof entry['label'] === 'string' ? entry['label'] : name, type, entry['required'] === true, {
      choices,
      default: fallback === undefined || fallback === '' || type === 'secret' ? undefined : fallback,
    });
  });
}

const formDialog = defineDialog({
  types: ['FormDialogNode'],
  inputs: ['fields'],
  outputs: ['data', 'confirmed'],
  config: z.looseObject({ ...taskFields, title: text('Form'), message: optionalText(), fields: anyValue() }),
  task: (config) => ({ title: config.title, message: config.message ?? 'Fill in the form.', fields: formFieldsOf(config.fields) }),
  outcome: (_config, values, answered) => ({ outputs: { data: values, confirmed: answered } }),
});

const dateTimePickerDialog = defineDialog({
  types: ['DateTimePickerDialogNode'],
  outputs: ['value', 'timestamp', 'selected'],
  config: z.looseObject({
    ...taskFields,
    title: text('Select Date/Time'),
    mode: oneOf(['date', 'time', 'datetime'], 'datetime'),
    format: text('yyyy-MM-dd HH:mm:ss'),
    min_date: text(''),
    max_date: text(''),
    default_value: text(''),
  }),
  task: (config) => ({
    title: config.title,
    message: `Enter a ${config.mode === 'datetime' ? 'date and time' : config.mode} (ISO 8601${config.min_date ? `, from ${config.min_date}` : ''}${config.max_date ? `, to ${config.max_date}` : ''}).`,
    fields: [
      field('value', config.title, 'datetime', config.default_value === '', { default: config.default_value === '' ? undefined : config.default_value }),
    ],
  }),
  outcome: (_config, values, answered) => {
    const value = typeof values['value'] === 'string' ? values['value'] : '';
    const parsed = Date.parse(value.includes('-') ? value : `1970-01-01T${value}Z`);
    return { outputs: { value, timestamp: Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000), selected: answered && value !== '' } };
  },
});

const pathPicker = (type: 'FilePickerDialogNode' | 'FolderPickerDialogNode', output: 'file_path' | 'folder_path', title: string) =>
  defineDialog({
    types: [type],
    outputs: [output, 'selected'],
    config: z.looseObject({ ...taskFields, title: text(title), start_directory: text(''), filter: text('') }),
    task: (config) => ({
      title: config.title,
      message: `Enter a path${config.start_directory ? ` (under ${config.start_directory})` : ''}.`,
      fields: [field('path', config.title, 'text', true)],
    }),
    outcome: (_config, values, answered) => {
      const path = typeof values['path'] === 'string' ? values['path'] : '';
      return { outputs: { [output]: path, selected: answered && path !== '' } };
    },
  });

/** The dialog node types, each a human task. */
export const dialogNodeHandlers: readonly CatalogNodeHandler[] = [
  messageBox,
  confirmDialog,
  inputDialog,
  multilineInputDialog,
  credentialDialog,
  listPickerDialog,
  formDialog,
  dateTimePickerDialog,
  pathPicker('FilePickerDialogNode', 'file_path', 'Select File'),
  pathPicker('FolderPickerDialogNode', 'folder_path', 'Select Folder'),
];
