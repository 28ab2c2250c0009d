import { z } from 'zod';
import { isJson, isJsonObject, type Json, type JsonObject } from './json.js';

// A predicate rather than a recursive zod union: it cannot overflow the stack on deep values, and it
// returns the value itself, so an own `__proto__` key survives parsing (zod's record assigns keys,
// which would turn such a key into a prototype and break the exact JSON round trip).
/** Zod schema of any JSON value (finite numbers, plain objects, dense arrays, no cycles). */
export const jsonSchema: z.ZodType<Json> = z.custom<Json>(isJson, { message: 'expected a JSON value' });

/** Zod schema of a JSON object (string keys, JSON values). */
export const jsonObjectSchema: z.ZodType<JsonObject> = z.custom<JsonObject>(isJsonObject, {
  message: 'expected a JSON object',
});

/** Zod schema of a node failure as recorded in an outcome or the state. */
export const nodeErrorSchema = z.object({
  /** Node whose execution failed. */
  nodeId: z.string(),
  /** Stable machine-readable code, e.g. `NODE_FAILED`, `TIMEOUT`, `CONFIG_INVALID`. */
  code: z.string(),
  /** What went wrong, for people. Never holds a secret value. */
  message: z.string(),
  /** Error class name of the cause, e.g. `TypeError`. */
  type: z.string(),
  /** Attempts made before giving up. */
  attempts: z.number().int().nonnegative(),
});

/** A node failure as recorded in an outcome or the state. */
export type NodeError = z.infer<typeof nodeErrorSchema>;

/** Zod schema of what one node execution changed. */
export const nodeOutcomeSchema = z.object({
  /** Values of the node's output ports, addressable as `{{nodeId.port}}`. */
  outputs: jsonObjectSchema,
  /** Variable writes. */
  variables: jsonObjectSchema.optional(),
  /** Exec output ports to follow; absent means `exec_out`. */
  ports: z.array(z.string()).optional(),
  /** Set when the node failed after its last attempt. */
  error: nodeErrorSchema.optional(),
  /** Resource hints to merge into the state (e.g. a page's URL), by resource key; null deletes. */
  resources: jsonObjectSchema.optional(),
  /** Log lines this node produced, in order. */
  logs: z.array(z.string()).optional(),
  /** Loop bookkeeping for loop start nodes: the iteration just entered. */
  iteration: z.number().int().nonnegative().optional(),
  /** A durable sleep the runner must take after this step (Wait nodes). */
  sleepMs: z.number().nonnegative().optional(),
});

/** What one node execution changed: never the whole state (docs/architecture.md, rule 4). */
export interface NodeOutcome {
  readonly outputs: JsonObject;
  readonly variables?: JsonObject;
  readonly ports?: readonly string[];
  readonly error?: NodeError;
  readonly resources?: JsonObject;
  readonly logs?: readonly string[];
  readonly iteration?: number;
  readonly sleepMs?: number;
}
