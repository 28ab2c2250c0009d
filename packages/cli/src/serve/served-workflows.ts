import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ValidateWorkflowUseCase } from '@casare-rpa/application';
import { isJsonObject, type Json, type JsonObject } from '@casare-rpa/domain';
import { ARMED_TRIGGER_TYPES, scheduleTriggerConfig, triggerNodeHandlers, webhookTriggerConfig, type ScheduleSpec } from '@casare-rpa/nodes';
import { UsageError } from '../errors.js';
import { loadWorkflowFile } from '../workflow-file.js';

/** A workflow file `casare serve` arms, with its triggers. */
export interface ServedWorkflow {
  /** The file as given (or found in a folder), for messages. */
  readonly label: string;
  /** Stable name of the workflow inside run ids: `metadata.id`, else the file name without `.json`. */
  readonly key: string;
  /** The validated document, as read. */
  readonly document: JsonObject;
  readonly schedules: readonly ScheduleTrigger[];
  readonly webhooks: readonly WebhookTrigger[];
  /** Trigger nodes `serve` does not arm (mail, chat, file watch...): listed so the operator knows. */
  readonly unarmed: readonly { readonly nodeId: string; readonly type: string }[];
}

/** A ScheduleTriggerNode of a served workflow. */
export interface ScheduleTrigger {
  readonly nodeId: string;
  readonly spec: ScheduleSpec & { readonly catch_up: boolean; readonly enabled: boolean; readonly max_runs: number };
}

/** A WebhookTriggerNode of a served workflow, with the config its endpoint enforces. */
export interface WebhookTrigger {
  readonly nodeId: string;
  /** URL path the endpoint answers: `/webhooks<endpoint>`, or `/hooks/<node id>` when the node sets none. */
  readonly path: string;
  readonly config: ReturnType<typeof webhookTriggerConfig.parse>;
}

const TRIGGER_TYPES = new Set(triggerNodeHandlers.flatMap((handler) => handler.types));
const ARMED = new Set<string>(ARMED_TRIGGER_TYPES);

/**
 * Reads the files and folders `casare serve` was given (a folder: its `*.json` files, not recursive),
 * validates each workflow and collects its triggers. Any invalid file stops the command before
 * anything is armed (`WorkflowValidationError`, exit 2).
 */
export async function loadServedWorkflows(paths: readonly string[], cwd: string, validator: ValidateWorkflowUseCase): Promise<ServedWorkflow[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(resolve(cwd, path)).catch(() => undefined);
    if (info === undefined) throw new UsageError(`workflow file or folder not found: ${path}`, 'serve');
    if (info.isDirectory()) {
      const names = (await readdir(resolve(cwd, path))).filter((name) => name.endsWith('.json')).sort();
      files.push(...names.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  const served: ServedWorkflow[] = [];
  const keys = new Map<string, string>();
  for (const file of files) {
    const loaded = await loadWorkflowFile(file, cwd, 'serve');
    validator.validate(loaded.document, loaded.label);
    const document = loaded.document as JsonObject;
    const workflow = servedWorkflowOf(loaded.label, document);
    const clash = keys.get(workflow.key);
    if (clash !== undefined)
      throw new UsageError(`${clash} and ${loaded.label} both name workflow "${workflow.key}" (set metadata.id in one of them)`, 'serve');
    keys.set(workflow.key, loaded.label);
    served.push(workflow);
  }
  const endpoints = new Map<string, string>();
  for (const workflow of served) {
    for (const hook of workflow.webhooks) {
      const owner = endpoints.get(hook.path);
      if (owner !== undefined)
        throw new UsageError(`webhook path ${hook.path} is declared twice (${owner} and ${workflow.label}, node ${hook.nodeId})`, 'serve');
      endpoints.set(hook.path, `${workflow.label}, node ${hook.nodeId}`);
    }
  }
  return served;
}

function servedWorkflowOf(label: string, document: JsonObject): ServedWorkflow {
  const metadata = document['metadata'];
  const id = isJsonObject(metadata ?? null) ? (metadata as JsonObject)['id'] : undefined;
  const key = typeof id === 'string' && id.trim() !== '' ? id.trim() : basename(label).replace(/\.json$/i, '');
  const schedules: ScheduleTrigger[] = [];
  const webhooks: WebhookTrigger[] = [];
  const unarmed: { nodeId: string; type: string }[] = [];
  for (const [nodeId, type, config] of nodesOf(document)) {
    if (!TRIGGER_TYPES.has(type)) continue;
    if (type === 'ScheduleTriggerNode') schedules.push({ nodeId, spec: scheduleTriggerConfig.parse(config) });
    else if (type === 'WebhookTriggerNode') {
      const hook = webhookOf(label, nodeId, config);
      if (hook.config.enabled) webhooks.push(hook);
      else unarmed.push({ nodeId, type: `${type} (enabled: false)` });
    } else if (!ARMED.has(type) && type !== 'WorkflowCallTriggerNode') unarmed.push({ nodeId, type });
  }
  return { label, key, document, schedules, webhooks, unarmed };
}

function webhookOf(label: string, nodeId: string, raw: JsonObject): WebhookTrigger {
  const config = webhookTriggerConfig.parse(raw);
  const where = `${label}: nodes.${nodeId}.config`;
  if (config.validate_signature && config.secret.trim() === '') throw new UsageError(`${where}.secret: required when validate_signature is true`, 'serve');
  if (config.auth_type === 'jwt')
    throw new UsageError(`${where}.auth_type: "jwt" is not supported by casare serve (use validate_signature with a secret, or header)`, 'serve');
  const endpoint = config.endpoint.trim();
  const path = endpoint === '' ? `/hooks/${encodeURIComponent(nodeId)}` : `/webhooks${endpoint.startsWith('/') ? '' : '/'}${endpoint}`;
  return { nodeId, path, config };
}

/** `[node id, type, config]` of every node of a v1 document (its `nodes` map). */
function nodesOf(document: JsonObject): [string, string, JsonObject][] {
  const nodes = document['nodes'];
  if (!isJsonObject(nodes ?? null)) return [];
  return Object.entries(nodes as JsonObject).flatMap(([id, node]): [string, string, JsonObject][] => {
    if (!isJsonObject(node)) return [];
    const type = node['node_type'];
    const nodeId = typeof node['node_id'] === 'string' ? node['node_id'] : id;
    const config = isJsonObject(node['config'] ?? null) ? (node['config'] as JsonObject) : {};
    return typeof type === 'string' ? [[nodeId, type, config]] : [];
  });
}

/** The document with `settings.allow_scripts: false`: runs a webhook starts never run script nodes. */
export function withScriptsForbidden(document: JsonObject): Json {
  const settings = isJsonObject(document['settings'] ?? null) ? (document['settings'] as JsonObject) : {};
  return { ...document, settings: { ...settings, allow_scripts: false } };
}
