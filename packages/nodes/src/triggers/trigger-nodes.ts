import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, integer, oneOf, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { cronProblem, isKnownTimezone } from './schedule.js';
import { triggerEventFor } from './trigger-event.js';

// Trigger nodes start a workflow: a serving process (`casare serve`) arms them and hands the event
// that fired to the run as an input variable (trigger-event.ts). Inside the run they only read that
// input, so they are pure; a manual run passes through them with an empty event, as the original
// engine did.

/** The empty value of an output port of a trigger that did not fire (a manual run). */
type EmptyOutputs = Readonly<Record<string, Json>>;

/** A trigger node type: its v1 names, config schema and output ports with their empty values. */
function defineTrigger<S extends z.ZodType>(types: readonly string[], config: S, empty: EmptyOutputs): CatalogNodeHandler {
  return defineNode({
    types,
    effect: 'pure',
    config,
    ports: { outputs: Object.keys(empty) },
    run: (_config, execution) => {
      const event = triggerEventFor(execution.variables, execution.node.id);
      const outputs: Record<string, Json> = { ...empty };
      // Only declared ports are taken from the event: the event is outside input.
      if (event !== undefined) for (const port of Object.keys(empty)) if (port in event.outputs) outputs[port] = event.outputs[port] ?? null;
      return { outputs: outputs };
    },
  });
}

/** Fields every v1 trigger node has (BaseTriggerNode). */
const baseFields = {
  name: optionalText(),
  description: optionalText(),
  enabled: boolean(true),
  priority: integer(1),
  cooldown_seconds: integer(0),
};

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Zod schema of ScheduleTriggerNode's config (v1 fields, plus `catch_up`: run ticks missed while no process served). */
export const scheduleTriggerConfig = z
  .looseObject({
    ...baseFields,
    frequency: oneOf(['once', 'interval', 'hourly', 'daily', 'weekly', 'monthly', 'cron'], 'daily'),
    time_hour: integer(9).pipe(z.number().min(0, { error: 'must be 0 to 23' }).max(23, { error: 'must be 0 to 23' })),
    time_minute: integer(0).pipe(z.number().min(0, { error: 'must be 0 to 59' }).max(59, { error: 'must be 0 to 59' })),
    interval_seconds: integer(60).pipe(z.number().min(1, { error: 'must be at least 1' })),
    day_of_week: oneOf(DAYS, 'mon'),
    day_of_month: integer(1).pipe(z.number().min(1, { error: 'must be 1 to 31' }).max(31, { error: 'must be 1 to 31' })),
    cron_expression: text('0 9 * * *'),
    timezone: text('UTC').refine(isKnownTimezone, { error: 'not a known time zone (an IANA name such as Europe/Paris)' }),
    max_runs: integer(0),
    start_time: optionalText().refine((value) => value === undefined || Number.isFinite(Date.parse(value)), {
      error: 'expected a date and time such as 2024-01-01T09:00:00Z',
    }),
    catch_up: boolean(false),
  })
  .superRefine((config, context) => {
    if (config.frequency !== 'cron') return;
    const problem = cronProblem(config.cron_expression, config.timezone);
    if (problem !== undefined) context.addIssue({ code: 'custom', path: ['cron_expression'], message: problem });
  });

/** Zod schema of WebhookTriggerNode's config (v1 fields, plus `secret`, `validate_signature`, `signature_header`, `json_only`). */
export const webhookTriggerConfig = z.looseObject({
  ...baseFields,
  endpoint: text(''),
  methods: text('POST'),
  auth_type: oneOf(['none', 'basic', 'header', 'jwt'], 'none'),
  auth_header_name: text('X-API-Key'),
  auth_header_value: text(''),
  basic_username: text(''),
  basic_password: text(''),
  jwt_secret: text(''),
  cors_enabled: boolean(false),
  cors_origins: text('*'),
  ip_whitelist: text(''),
  ip_blacklist: text(''),
  response_mode: oneOf(['immediate', 'wait_for_workflow', 'custom'], 'immediate'),
  response_code: integer(200),
  response_body: anyValue(),
  binary_data_enabled: boolean(false),
  max_payload_size: integer(16_777_216).pipe(z.number().min(1, { error: 'must be at least 1' })),
  secret: text(''),
  validate_signature: boolean(false),
  signature_header: text('X-Signature-256'),
  json_only: boolean(false),
});

/** Zod schema of WorkflowCallTriggerNode's config (v1 fields). */
export const workflowCallTriggerConfig = z.looseObject({
  ...baseFields,
  call_alias: optionalText(),
  input_schema: anyValue(),
  output_schema: anyValue(),
  wait_for_completion: boolean(true),
  timeout_seconds: integer(300),
});

const scheduleTrigger = defineTrigger(['ScheduleTriggerNode'], scheduleTriggerConfig, { trigger_time: '', run_number: 0, scheduled_time: '' });

const webhookTrigger = defineTrigger(['WebhookTriggerNode'], webhookTriggerConfig, {
  payload: {},
  headers: {},
  query_params: {},
  method: '',
  path: '',
  client_ip: '',
});

const workflowCallTrigger = defineTrigger(['WorkflowCallTriggerNode'], workflowCallTriggerConfig, {
  params: {},
  caller_workflow_id: '',
  caller_run_id: '',
  caller_node_id: '',
  call_id: '',
});

// The original's other triggers (mail, chat, files, feeds, calendars, sheets...) are accepted and
// pass through with an empty event; `casare serve` does not arm them and says so.
const otherTriggers = defineTrigger(
  [
    'AppEventTriggerNode',
    'CalendarTriggerNode',
    'ChatTriggerNode',
    'DriveTriggerNode',
    'EmailTriggerNode',
    'ErrorTriggerNode',
    'FileWatchTriggerNode',
    'FormTriggerNode',
    'GmailTriggerNode',
    'RSSFeedTriggerNode',
    'SheetsTriggerNode',
    'SSETriggerNode',
    'TelegramTriggerNode',
    'WhatsAppTriggerNode',
  ],
  z.looseObject(baseFields),
  { payload: {}, trigger_time: '' },
);

/** v1 types `casare serve` arms. */
export const ARMED_TRIGGER_TYPES = ['ScheduleTriggerNode', 'WebhookTriggerNode'] as const;

/** Every trigger node type of the original engine: pure pass-throughs that read the run's trigger event. */
export const triggerNodeHandlers: readonly CatalogNodeHandler[] = [scheduleTrigger, webhookTrigger, workflowCallTrigger, otherTriggers];
