import type { CheckpointMode, Json, JsonObject, Workflow } from '@casare-rpa/domain';
import { CHECKPOINT_MODES, isJsonObject } from '@casare-rpa/domain';
import type { DurableContext } from '../ports/durable-context.js';
import type { DurableRunner, RunHandle, StartOptions, WorkflowBody } from '../ports/durable-runner.js';
import type { ExecutionEvents } from '../ports/execution-events.js';
import type { NodeCatalog } from '../ports/node-catalog.js';
import { PLAIN_PAYLOAD_CODEC, type PayloadCodec } from '../ports/payload-codec.js';
import type { SecretProvider } from '../ports/secret-provider.js';
import { codeOf } from './node-errors.js';
import { CASARE_WORKFLOW, executeWorkflowInputSchema, type ExecuteWorkflowInput, type RunResult } from './run-result.js';
import { emitSafely, RunExecution, type HumanTaskServices } from './run-execution.js';
import { ValidateWorkflowUseCase } from './validate-workflow.js';

export { NodeAttemptError, OutcomeInvalidError, SecretNotFoundError } from './node-errors.js';

/** Validated workflows an `ExecuteWorkflowUseCase` keeps for the runs that follow. */
const VALIDATED_WORKFLOWS = 16;

/** Checkpoint mode of runs started from documents that do not say (`settings.checkpoint`). */
export const DEFAULT_CHECKPOINT_MODE: CheckpointMode = 'effects';

/**
 * Checkpoint mode of a run whose input records none: runs started before checkpoint modes existed
 * recorded a step per node, and replay in that mode.
 */
const LEGACY_CHECKPOINT_MODE: CheckpointMode = 'every-node';

/**
 * The workflow body: loads the document, then folds node outcomes into the state, one durable step
 * per stretch of nodes ending at an effect (docs/architecture.md, rules 1 to 3), until the
 * orchestrator says the run is over. Register `body` on a `DurableRunner` under `CASARE_WORKFLOW`
 * (`registerWith`); the body's argument is the JSON `ExecuteWorkflowInput`, so any process can recover
 * the run from the runner's store alone.
 *
 * Completed runs return a `RunResult`; failed runs throw `RunFailedError` carrying it (read it back
 * with `settleRun` / `runFailureOf`), so the runner records them as failed.
 *
 * Everything the runner records passes through `codec` (docs/architecture.md, "Secrets at rest"):
 * the run's input is encoded before the run starts and decoded in the body, each step's output is
 * encoded inside the step and decoded when a replay reads it back.
 *
 * @example
 * ```ts
 * const useCase = new ExecuteWorkflowUseCase(createNodeCatalog(), { emit: () => {} }, { loadSecret: async () => undefined });
 * const runner = new InMemoryDurableRunner();
 * useCase.registerWith(runner); // before launch: a runner recovers only registered bodies
 * await runner.launch();
 * const handle = await useCase.start(runner, { document, inputs: {}, workingDirectory: process.cwd() });
 * const result = await settleRun(handle); // completed or failed, with variables, logs and the error
 * ```
 */
export class ExecuteWorkflowUseCase {
  private readonly validator: ValidateWorkflowUseCase;
  /**
   * Workflows validated for the latest runs, by source and document text, most recent last: a
   * worker runs the same few documents over and over, and a `Workflow` is immutable.
   */
  private readonly validated = new Map<string, Workflow>();

  constructor(
    private readonly catalog: NodeCatalog,
    private readonly events: ExecutionEvents,
    private readonly secrets: SecretProvider,
    private readonly codec: PayloadCodec = PLAIN_PAYLOAD_CODEC,
    /** Where human-task nodes list their tasks and how secret answers are opened (none: tasks live in the run's record only). */
    private readonly tasks: HumanTaskServices = {},
  ) {
    this.validator = new ValidateWorkflowUseCase(catalog);
  }

  /** The workflow body to register on a runner (bound; safe to pass around). */
  readonly body: WorkflowBody<JsonObject, RunResult> = (ctx, input) => this.execute(ctx, input);

  /** Registers `body` on `runner` under `CASARE_WORKFLOW`; call before `runner.launch()`. */
  registerWith(runner: DurableRunner): void {
    runner.register<JsonObject, RunResult>(CASARE_WORKFLOW, this.body);
  }

  /**
   * Starts a run of a workflow (or returns the existing run with that id). The run's checkpoint mode
   * is recorded in its input: `input.checkpoint`, else the document's `settings.checkpoint`, else
   * `DEFAULT_CHECKPOINT_MODE`, so the run replays in the mode it started with.
   *
   * @throws `RunnerStateError` when the runner is not launched; `WorkflowNotRegisteredError` when
   *   `registerWith` was not called on it. An invalid document is not thrown here: the run fails
   *   with `WORKFLOW_INVALID` (validate first with `ValidateWorkflowUseCase`).
   */
  async start(runner: DurableRunner, input: ExecuteWorkflowInput, options?: StartOptions): Promise<RunHandle<RunResult>> {
    const checkpoint = input.checkpoint ?? checkpointModeOf(input.document);
    const json = toJsonInput({ ...input, checkpoint });
    // The run id is only known here when the caller chose it; a codec must not depend on it to encode.
    const encoded = await this.codec.encode(json, { runId: options?.runId ?? '', kind: 'run-input' });
    return runner.start<Json, RunResult>(CASARE_WORKFLOW, encoded, options);
  }

  /** Executes (or replays) one run. Deterministic apart from what happens inside steps. */
  async execute(ctx: DurableContext, rawInput: Json): Promise<RunResult> {
    let input: ExecuteWorkflowInput;
    let workflow: Workflow;
    try {
      input = executeWorkflowInputSchema.parse(await this.codec.decode(rawInput, { runId: ctx.runId, kind: 'run-input' }));
      workflow = this.workflowOf(input.document, input.source);
    } catch (error) {
      // Nothing ran: report the run as failed so progress output and metrics see it end.
      const cause = error instanceof Error ? error : new Error(String(error));
      emitSafely(this.events, {
        type: 'run.failed',
        runId: ctx.runId,
        error: { nodeId: '', code: codeOf(error) ?? 'INPUT_INVALID', message: cause.message, type: cause.name, attempts: 0 },
        at: Date.now(),
      });
      await this.catalog.releaseRun(ctx.runId).catch(() => undefined);
      throw error;
    }
    const mode = input.checkpoint ?? LEGACY_CHECKPOINT_MODE;
    return new RunExecution(ctx, workflow, input, mode, this.catalog, this.events, this.secrets, this.codec, this.tasks).run();
  }

  /** The validated workflow of a document: from `validated` when a recent run had the same one. */
  private workflowOf(document: Json, source: string | undefined): Workflow {
    const key = `${source ?? ''}\n${typeof document === 'string' ? document : JSON.stringify(document)}`;
    const known = this.validated.get(key);
    this.validated.delete(key);
    const workflow = known ?? this.validator.validate(document, source);
    this.validated.set(key, workflow);
    if (this.validated.size > VALIDATED_WORKFLOWS) this.validated.delete(this.validated.keys().next().value as string);
    return workflow;
  }
}

/**
 * The `settings.checkpoint` of a document, read without validating the rest of it (the body
 * validates the whole document); the default when it says nothing valid.
 */
export function checkpointModeOf(document: Json): CheckpointMode {
  let parsed: Json = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document) as Json;
    } catch {
      return DEFAULT_CHECKPOINT_MODE;
    }
  }
  const settings = isJsonObject(parsed) ? parsed['settings'] : undefined;
  const mode = isJsonObject(settings) ? settings['checkpoint'] : undefined;
  return CHECKPOINT_MODES.find((known) => known === mode) ?? DEFAULT_CHECKPOINT_MODE;
}

/** The JSON form of an input (optional fields left out rather than undefined). */
function toJsonInput(input: ExecuteWorkflowInput): JsonObject {
  const json: Record<string, Json> = { document: input.document };
  if (input.inputs !== undefined) json['inputs'] = input.inputs;
  if (input.workingDirectory !== undefined) json['workingDirectory'] = input.workingDirectory;
  if (input.source !== undefined) json['source'] = input.source;
  if (input.checkpoint !== undefined) json['checkpoint'] = input.checkpoint;
  return json;
}
