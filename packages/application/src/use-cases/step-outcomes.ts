import { nodeOutcomeSchema } from '@casare-rpa/domain';
import type { CheckpointMode, Json, JsonObject, NodeOutcome } from '@casare-rpa/domain';
import type { StepRecord } from '../ports/durable-runner.js';

/*
 * The outcome codec: what a durable step of the workflow body records, and how it is read back. A
 * step records outcomes, never the state (docs/architecture.md, rule 4):
 * - `every-node` mode: the step holds one node, its output is that node's outcome (as in the first
 *   format of casare, so runs recorded before checkpoint modes existed replay unchanged);
 * - `effects` mode: the step holds a stretch of nodes, its output is `{ nodes: [...] }`, each entry
 *   a node's outcome with its `nodeId`, in execution order.
 * Entries may carry `attempts` (a retried success) and `durationMs`; outcome parsing ignores both.
 */

/** One node execution as a step recorded it. */
export interface RecordedNode {
  /** The node that ran. */
  readonly nodeId: string;
  /** What it changed. */
  readonly outcome: NodeOutcome;
  /** Wall time of the node's successful attempt, when recorded. */
  readonly durationMs?: number;
  /** Attempts the step took, when more than one. */
  readonly attempts?: number;
}

/** A step's recorded output did not hold node outcomes the body can replay. */
export class RecordedStepInvalidError extends Error {
  /** Stable code. */
  readonly code = 'RECORDED_STEP_INVALID';
  constructor(
    /** Name of the step (its first node id). */
    readonly stepName: string,
    message: string,
  ) {
    super(`recorded step "${stepName}" cannot be replayed: ${message}`);
    this.name = 'RecordedStepInvalidError';
  }
}

/** The JSON form of an outcome, optional members left out (what runners record). */
export function outcomeToJson(outcome: NodeOutcome): JsonObject {
  const json: Record<string, Json> = { outputs: outcome.outputs };
  if (outcome.variables !== undefined) json['variables'] = outcome.variables;
  if (outcome.ports !== undefined) json['ports'] = [...outcome.ports];
  if (outcome.error !== undefined) json['error'] = outcome.error;
  if (outcome.resources !== undefined) json['resources'] = outcome.resources;
  if (outcome.logs !== undefined) json['logs'] = [...outcome.logs];
  if (outcome.iteration !== undefined) json['iteration'] = outcome.iteration;
  if (outcome.sleepMs !== undefined) json['sleepMs'] = outcome.sleepMs;
  return json;
}

/** The recorded output of a step that ran `nodes`, in the run's checkpoint mode. */
export function encodeStep(mode: CheckpointMode, nodes: readonly RecordedNode[]): JsonObject {
  const entries = nodes.map((node) => entryOf(node, mode === 'effects'));
  if (mode === 'every-node') {
    if (entries.length !== 1) throw new Error(`an every-node step holds exactly one node, not ${entries.length}`);
    return entries[0] as JsonObject;
  }
  return { nodes: entries };
}

/**
 * The node executions of a recorded step output, as the body replays them. `trusted` skips
 * validating outcomes (the body that produced them in this process already did).
 */
export function decodeStep(mode: CheckpointMode, stepName: string, output: Json, trusted = false): readonly RecordedNode[] {
  if (mode === 'every-node') return [nodeOf(output, stepName, trusted, stepName)];
  const nodes = isObject(output) ? output['nodes'] : undefined;
  if (!Array.isArray(nodes) || nodes.length === 0) throw new RecordedStepInvalidError(stepName, 'expected { nodes: [...] } with at least one node');
  return (nodes as readonly Json[]).map((entry) => nodeOf(entry, undefined, trusted, stepName));
}

/**
 * The node executions a step record holds, for people and tools reading runs (`casare runs show`,
 * the console): empty for sleeps, clock reads, failed steps and outputs that hold no outcome. Tells
 * the two checkpoint formats apart by shape, so it needs no run input.
 */
export function recordedNodesOf(step: StepRecord): readonly RecordedNode[] {
  if (step.kind !== 'step' || step.status !== 'completed' || !isObject(step.output)) return [];
  try {
    if (Array.isArray(step.output['nodes'])) return decodeStep('effects', step.name, step.output);
    if (isObject(step.output['outputs'])) return decodeStep('every-node', step.name, step.output);
  } catch {
    // A step some other body recorded: nothing to show per node.
  }
  return [];
}

/**
 * A step output with `map` applied to each node entry it holds (either checkpoint format, told
 * apart by shape as `recordedNodesOf` does); any other output comes back unchanged. For payload
 * codecs that transform parts of outcomes (`SealedHintsCodec`).
 */
export async function mapRecordedEntries(output: Json, map: (entry: JsonObject) => Promise<JsonObject>): Promise<Json> {
  if (!isObject(output)) return output;
  const nodes = output['nodes'];
  if (Array.isArray(nodes)) {
    const entries = nodes as readonly Json[];
    return { ...output, nodes: await Promise.all(entries.map((entry) => (isObject(entry) ? map(entry) : Promise.resolve(entry)))) };
  }
  if (isObject(output['outputs'])) return map(output);
  return output;
}

function entryOf(node: RecordedNode, withId: boolean): JsonObject {
  const entry: Record<string, Json> = withId ? { nodeId: node.nodeId, ...outcomeToJson(node.outcome) } : outcomeToJson(node.outcome);
  if (node.attempts !== undefined && node.attempts > 1) entry['attempts'] = node.attempts;
  if (node.durationMs !== undefined) entry['durationMs'] = node.durationMs;
  return entry;
}

function nodeOf(entry: Json, nodeId: string | undefined, trusted: boolean, stepName: string): RecordedNode {
  if (!isObject(entry)) throw new RecordedStepInvalidError(stepName, 'a node entry is not an object');
  const id = nodeId ?? entry['nodeId'];
  if (typeof id !== 'string') throw new RecordedStepInvalidError(stepName, 'a node entry has no nodeId');
  let outcome: NodeOutcome;
  if (trusted) {
    outcome = entry as unknown as NodeOutcome;
  } else {
    const parsed = nodeOutcomeSchema.safeParse(entry);
    if (!parsed.success)
      throw new RecordedStepInvalidError(stepName, `node ${id}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    outcome = parsed.data;
  }
  const node: { -readonly [K in keyof RecordedNode]: RecordedNode[K] } = { nodeId: id, outcome };
  if (typeof entry['durationMs'] === 'number') node.durationMs = entry['durationMs'];
  if (typeof entry['attempts'] === 'number') node.attempts = entry['attempts'];
  return node;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
