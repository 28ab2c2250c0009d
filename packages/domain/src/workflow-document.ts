import { z } from 'zod';
import { jsonObjectSchema, jsonSchema } from './node-outcome.js';

// The v1 file format as the original CasareRPA saves it (samples in packages/nodes/test/fixtures/casare-v1). Every
// object is loose: keys this engine does not know (editor state, newer fields) are kept, never fatal.
// Sections a hand-written file may omit get the defaults the original used.

/** Zod schema of `metadata`: descriptive data only. */
export const workflowMetadataSchema = z.looseObject({
  name: z.string().default(''),
  description: z.string().default(''),
  // Some editors write the version as a number.
  version: z.union([z.string(), z.number().transform(String)]).default(''),
});

/** Zod schema of a node's canvas position: `[x, y]` or `{ x, y }`; irrelevant to execution. */
export const nodePositionSchema = z.union([z.tuple([z.number(), z.number()]), z.looseObject({ x: z.number(), y: z.number() })]);

/** Zod schema of one entry of `nodes` (keyed by node id). */
export const workflowNodeDocumentSchema = z.looseObject({
  /** Repeats the map key; when present it must equal it. */
  node_id: z.string().min(1).optional(),
  node_type: z.string().min(1, 'node_type must not be empty'),
  config: jsonObjectSchema.default({}),
  position: nodePositionSchema.optional(),
});

/** Zod schema of one entry of `connections`. */
export const connectionDocumentSchema = z.looseObject({
  source_node: z.string().min(1),
  source_port: z.string().min(1),
  target_node: z.string().min(1),
  target_port: z.string().min(1),
});

/** Zod schema of one entry of `variables` (keyed by variable name). */
export const variableDocumentSchema = z.looseObject({
  type: z.string().default('Any'),
  default_value: jsonSchema.default(null),
  description: z.string().default(''),
  sensitive: z.boolean().default(false),
  readonly: z.boolean().default(false),
});

/** Values of `settings.checkpoint`: where a run's durable steps end (see `CheckpointMode`). */
export const CHECKPOINT_MODES = ['effects', 'every-node'] as const;

/**
 * Where a run's durable steps end: `effects` records one step per stretch of pure and page nodes
 * ending at its first world node; `every-node` records one step per node execution.
 */
export type CheckpointMode = (typeof CHECKPOINT_MODES)[number];

/** Zod schema of `settings`. */
export const workflowSettingsDocumentSchema = z.looseObject({
  stop_on_error: z.boolean().default(true),
  /** Seconds per node attempt; null or 0 means no timeout. */
  timeout: z.number().nonnegative().nullable().optional(),
  retry_count: z.number().int().nonnegative().default(0),
  /**
   * Where durable steps end: `effects` (a step per stretch of pure and page nodes ending at a world
   * node) or `every-node` (a step per node). A run keeps the mode it started with.
   */
  checkpoint: z.enum(CHECKPOINT_MODES).default('effects'),
  /** False forbids script, shell and system nodes; absent means allowed. */
  allow_scripts: z.boolean().optional(),
});

/** Zod schema of a whole v1 workflow file. */
export const workflowDocumentSchema = z.looseObject({
  metadata: workflowMetadataSchema.default({ name: '', description: '', version: '' }),
  nodes: z.record(z.string().min(1), workflowNodeDocumentSchema),
  connections: z.array(connectionDocumentSchema).default([]),
  variables: z.record(z.string().min(1), variableDocumentSchema).default({}),
  settings: workflowSettingsDocumentSchema.default({ stop_on_error: true, retry_count: 0, checkpoint: 'effects' }),
});

/** A v1 workflow file after parsing, defaults filled in. */
export type WorkflowDocument = z.output<typeof workflowDocumentSchema>;
/** A v1 workflow file as written: optional sections may be missing. */
export type WorkflowDocumentInput = z.input<typeof workflowDocumentSchema>;
/** One node entry of a v1 file, defaults filled in. */
export type WorkflowNodeDocument = z.output<typeof workflowNodeDocumentSchema>;
/** One connection entry of a v1 file. */
export type ConnectionDocument = z.output<typeof connectionDocumentSchema>;
/** One variable entry of a v1 file, defaults filled in. */
export type VariableDocument = z.output<typeof variableDocumentSchema>;
/** The settings of a v1 file, defaults filled in. */
export type WorkflowSettingsDocument = z.output<typeof workflowSettingsDocumentSchema>;
