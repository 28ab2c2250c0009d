import { z } from 'zod';
import { CHECKPOINT_MODES, jsonSchema, nodeErrorSchema } from '@casare-rpa/domain';
import type { Json, JsonObject, NodeError } from '@casare-rpa/domain';
import type { RunHandle } from '../ports/durable-runner.js';
import { CasareError } from '../errors.js';

/** Name under which `ExecuteWorkflowUseCase` registers its workflow body on a `DurableRunner`. */
export const CASARE_WORKFLOW = 'casare.workflow';

/**
 * Zod schema of the workflow argument of a run. It is the durable runner's workflow input, so it holds
 * everything a fresh process needs to recover the run: the document itself, not a path to it.
 */
export const executeWorkflowInputSchema = z.object({
  /** The v1 workflow document (parsed JSON or its text); `loadWorkflow` validates it, not this schema. */
  document: z.custom<Json>((value) => value !== undefined, 'document is required'),
  /** Values of workflow variables that override their declared defaults. */
  inputs: z.record(z.string(), jsonSchema).optional(),
  /** Directory relative paths of file nodes resolve against. */
  workingDirectory: z.string().optional(),
  /** File name or label of the document, for error messages. */
  source: z.string().optional(),
  /**
   * Where the run's durable steps end, recorded when the run starts so it replays in that mode
   * whatever the code's default becomes; absent in runs recorded before modes existed (`every-node`).
   */
  checkpoint: z.enum(CHECKPOINT_MODES).optional(),
});

/** The workflow argument of a run (see `executeWorkflowInputSchema`). */
export type ExecuteWorkflowInput = z.infer<typeof executeWorkflowInputSchema>;

/** How a run of a workflow ended, as the CLI prints it. JSON; sensitive variables are redacted. */
export type RunResult = {
  /** The run id. */
  readonly runId: string;
  /** `failed` when a node failed outside any Try (and `stop_on_error` was not false). */
  readonly status: 'completed' | 'failed';
  /** Final variables; sensitive ones hold the redaction marker. */
  readonly variables: JsonObject;
  /** Log lines of the run, in order. */
  readonly logs: readonly string[];
  /** Why the run failed; null when it completed. */
  readonly error: NodeError | null;
  /** Output port values by node id then port. */
  readonly outputs: { readonly [nodeId: string]: JsonObject };
};

/** Zod schema of `RunResult`, for callers that receive one as plain JSON (a child process, a journal). */
export const runResultSchema = z.object({
  runId: z.string(),
  status: z.enum(['completed', 'failed']),
  variables: z.record(z.string(), jsonSchema),
  logs: z.array(z.string()),
  error: nodeErrorSchema.nullable(),
  outputs: z.record(z.string(), z.record(z.string(), jsonSchema)),
});

/**
 * A run ended in `failed`: a node failed outside any Try. The workflow body throws it, so the durable
 * runner records the run as failed; `result` carries the whole `RunResult`. Runners may hand back a
 * deserialized copy (DBOS does) rather than this class: read it with `runFailureOf`, not `instanceof`.
 */
export class RunFailedError extends CasareError {
  /** Stable code. */
  readonly code = 'RUN_FAILED' as const;
  /** Node whose failure ended the run. */
  readonly nodeId: string;
  constructor(
    /** The run's result, status `failed`. */
    readonly result: RunResult,
  ) {
    super(`run ${result.runId} failed at node ${result.error?.nodeId ?? '?'}: ${result.error?.message ?? 'unknown error'}`);
    this.name = 'RunFailedError';
    this.nodeId = result.error?.nodeId ?? '';
  }
}

/** The `RunResult` of a failed run carried by `error`, whether it is a `RunFailedError` or a deserialized copy of one. */
export function runFailureOf(error: unknown): RunResult | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { code?: unknown; result?: unknown };
  if (candidate.code !== 'RUN_FAILED') return undefined;
  const parsed = runResultSchema.safeParse(candidate.result);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Waits for a workflow run and returns its `RunResult` whether it completed or failed. Any other
 * ending (cancelled, nondeterminism, invalid document) is rethrown as the runner reported it.
 */
export async function settleRun(handle: RunHandle<Json>): Promise<RunResult> {
  try {
    return runResultSchema.parse(await handle.result());
  } catch (error) {
    const failed = runFailureOf(error);
    if (failed) return failed;
    throw error;
  }
}
