import { z } from 'zod';
import { isJsonObject, isPlainObject, type JsonObject } from './json.js';
import { jsonObjectSchema, nodeErrorSchema } from './node-outcome.js';

/** Zod schema of an open loop: the loop start node and the iteration its body is in. */
export const loopFrameSchema = z.object({
  kind: z.literal('loop'),
  /** The loop start node. */
  nodeId: z.string(),
  /** Zero-based iteration the body is running. */
  iteration: z.number().int().nonnegative(),
  /** Cursor length when the frame opened: entries below it belong to the enclosing scope. */
  depth: z.number().int().nonnegative(),
});

/** Zod schema of an open Try block. */
export const tryFrameSchema = z.object({
  kind: z.literal('try'),
  /** The Try node. */
  nodeId: z.string(),
  /** Which part of the block is running. */
  phase: z.enum(['body', 'catch', 'finally']),
  /** Cursor length when the frame opened. */
  depth: z.number().int().nonnegative(),
  /** The error being handled (catch) or still to rethrow after Finally (unhandled). */
  error: nodeErrorSchema.nullable(),
  /** True when the error was handled by a Catch and must not be rethrown. */
  handled: z.boolean(),
});

/** Zod schema of a Fork or ParallelForEach waiting for its branches, which run beside the main cursor. */
export const parallelFrameSchema = z.object({
  kind: z.literal('parallel'),
  /** The Fork or ParallelForEach node. */
  nodeId: z.string(),
  /** Cursor length when the frame opened. */
  depth: z.number().int().nonnegative(),
});

/** Zod schema of an open Retry block: its body runs again after a RetryFail or a failure, up to the node's attempts. */
export const retryFrameSchema = z.object({
  kind: z.literal('retry'),
  /** The Retry node. */
  nodeId: z.string(),
  /** Attempts entered so far (1 during the first). */
  attempt: z.number().int().nonnegative(),
  /** Cursor length when the frame opened. */
  depth: z.number().int().nonnegative(),
  /** Why the last attempt failed, if one did. */
  error: nodeErrorSchema.nullable(),
});

/** Zod schema of an open scope. */
export const frameSchema = z.discriminatedUnion('kind', [loopFrameSchema, tryFrameSchema, parallelFrameSchema, retryFrameSchema]);

/** An open loop, Try block or parallel start. */
export type Frame = z.infer<typeof frameSchema>;
/** A parallel start waiting for its branches. */
export type ParallelFrame = z.infer<typeof parallelFrameSchema>;
/** An open Retry block. */
export type RetryFrame = z.infer<typeof retryFrameSchema>;
/** An open loop. */
export type LoopFrame = z.infer<typeof loopFrameSchema>;
/** An open Try block. */
export type TryFrame = z.infer<typeof tryFrameSchema>;

/** Zod schema of the run status as the state sees it. */
export const runStatusSchema = z.enum(['running', 'completed', 'failed', 'cancelled']);

/** Zod schema of the JSON-serialisable state of one run. */
export const executionStateSchema = z.object({
  runId: z.string(),
  status: runStatusSchema,
  /** Pending nodes; the last entry runs next. */
  cursor: z.array(z.string()),
  variables: jsonObjectSchema,
  /** Output port values by node id then port. */
  outputs: z.custom<Record<string, JsonObject>>((value) => isPlainObject(value) && Object.values(value).every(isJsonObject), {
    message: 'expected JSON objects by node id',
  }),
  /** Open scopes, innermost last. */
  frames: z.array(frameSchema),
  /** Node executions folded so far. */
  stepCount: z.number().int().nonnegative(),
  /** Resource hints (browser page URLs and page-local actions), by resource key. */
  resources: jsonObjectSchema,
  /** Log lines in order. */
  logs: z.array(z.string()),
  /** Why the run failed, when it did. */
  error: nodeErrorSchema.nullable(),
});

/** The JSON-serialisable state of one run; a value, never mutated in place. */
export type ExecutionState = z.infer<typeof executionStateSchema>;
