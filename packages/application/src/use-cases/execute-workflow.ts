import { ExecutionOrchestrator, nodeOutcomeSchema, resolveTemplates } from '@casare-rpa/domain';
import type { ExecutionState, Json, JsonObject, NodeError, NodeOutcome, TemplateScope, Workflow, WorkflowNode } from '@casare-rpa/domain';
import type { DurableContext, StepAttempt, StepPolicy } from '../ports/durable-context.js';
import type { DurableRunner, RunHandle, StartOptions, WorkflowBody } from '../ports/durable-runner.js';
import type { ExecutionEvent, ExecutionEvents } from '../ports/execution-events.js';
import type { NodeCatalog, NodeExecution, NodeLogger } from '../ports/node-catalog.js';
import type { SecretProvider } from '../ports/secret-provider.js';
import { REDACTED, redactJson, redactText, secretReferences } from '../execution/redaction.js';
import { stepPolicyOf } from '../execution/step-policy.js';
import { isStepTimeout } from '../execution/step-timeout.js';
import { CASARE_WORKFLOW, executeWorkflowInputSchema, RunFailedError, type ExecuteWorkflowInput, type RunResult } from './run-result.js';
import { ValidateWorkflowUseCase } from './validate-workflow.js';

/** A node attempt failed and the runner is expected to retry it; carries the redacted node error. */
export class NodeAttemptError extends Error {
  /** Stable code. */
  readonly code = 'NODE_ATTEMPT_FAILED';
  constructor(
    /** The failure, redacted, as it would be routed. */
    readonly nodeError: NodeError,
  ) {
    super(nodeError.message);
    this.name = 'NodeAttemptError';
  }
}

/** A required secret has no value in the `SecretProvider`. */
export class SecretNotFoundError extends Error {
  /** Stable code. */
  readonly code = 'SECRET_NOT_FOUND';
  constructor(
    /** The secret's name (never its value). */
    readonly secretName: string,
  ) {
    super(`secret "${secretName}" is not set`);
    this.name = 'SecretNotFoundError';
  }
}

/** A handler returned something that is not a `NodeOutcome`. */
export class OutcomeInvalidError extends Error {
  /** Stable code. */
  readonly code = 'OUTCOME_INVALID';
  constructor(message: string) {
    super(`node returned an invalid outcome: ${message}`);
    this.name = 'OutcomeInvalidError';
  }
}

/**
 * The workflow body of DESIGN.md: loads the document, then folds node outcomes into the state, one
 * durable step per node execution, until the orchestrator says the run is over. Register `body` on a
 * `DurableRunner` under `CASARE_WORKFLOW` (`registerWith`); the body's argument is the JSON
 * `ExecuteWorkflowInput`, so any process can recover the run from the runner's store alone.
 *
 * Completed runs return a `RunResult`; failed runs throw `RunFailedError` carrying it (read it back
 * with `settleRun` / `runFailureOf`), so the runner records them as failed.
 */
export class ExecuteWorkflowUseCase {
  private readonly validator: ValidateWorkflowUseCase;

  constructor(
    private readonly catalog: NodeCatalog,
    private readonly events: ExecutionEvents,
    private readonly secrets: SecretProvider,
  ) {
    this.validator = new ValidateWorkflowUseCase(catalog);
  }

  /** The workflow body to register on a runner (bound; safe to pass around). */
  readonly body: WorkflowBody<JsonObject, RunResult> = (ctx, input) => this.execute(ctx, input);

  /** Registers `body` on `runner` under `CASARE_WORKFLOW`; call before `runner.launch()`. */
  registerWith(runner: DurableRunner): void {
    runner.register<JsonObject, RunResult>(CASARE_WORKFLOW, this.body);
  }

  /** Starts a run of a workflow (or returns the existing run with that id). */
  start(runner: DurableRunner, input: ExecuteWorkflowInput, options?: StartOptions): Promise<RunHandle<RunResult>> {
    return runner.start<JsonObject, RunResult>(CASARE_WORKFLOW, toJsonInput(input), options);
  }

  /** Executes (or replays) one run. Deterministic apart from what happens inside steps. */
  async execute(ctx: DurableContext, rawInput: Json): Promise<RunResult> {
    let input: ExecuteWorkflowInput;
    let workflow: Workflow;
    try {
      input = executeWorkflowInputSchema.parse(rawInput);
      workflow = this.validator.validate(input.document, input.source);
    } catch (error) {
      // Nothing ran: report the run as failed so progress output and metrics see it end.
      const cause = error instanceof Error ? error : new Error(String(error));
      const code = (error as { code?: unknown }).code;
      emitSafely(this.events, {
        type: 'run.failed',
        runId: ctx.runId,
        error: { nodeId: '', code: typeof code === 'string' ? code : 'INPUT_INVALID', message: cause.message, type: cause.name, attempts: 0 },
        at: Date.now(),
      });
      await this.catalog.releaseRun(ctx.runId).catch(() => undefined);
      throw error;
    }
    return new RunExecution(ctx, workflow, input, this.catalog, this.events, this.secrets).run();
  }
}

/** The JSON form of an input (optional fields left out rather than undefined). */
function toJsonInput(input: ExecuteWorkflowInput): JsonObject {
  const json: Record<string, Json> = { document: input.document };
  if (input.inputs !== undefined) json['inputs'] = input.inputs;
  if (input.workingDirectory !== undefined) json['workingDirectory'] = input.workingDirectory;
  if (input.source !== undefined) json['source'] = input.source;
  return json;
}

/** One execution of the body for one run: holds what the loop and its steps share. */
class RunExecution {
  private readonly orchestrator: ExecutionOrchestrator;
  private readonly sensitive: readonly string[];
  /** Index of the next durable operation, mirrored so replayed steps can be reported with theirs. */
  private nextIndex = 0;

  constructor(
    private readonly ctx: DurableContext,
    private readonly workflow: Workflow,
    private readonly input: ExecuteWorkflowInput,
    private readonly catalog: NodeCatalog,
    private readonly events: ExecutionEvents,
    private readonly secrets: SecretProvider,
  ) {
    this.orchestrator = new ExecutionOrchestrator(workflow);
    this.sensitive = [...workflow.variables].filter(([, declaration]) => declaration.sensitive).map(([name]) => name);
  }

  async run(): Promise<RunResult> {
    const { ctx } = this;
    // Sensitive variables never enter the state: it holds the marker, steps read the real value.
    const markers = Object.fromEntries(this.sensitive.map((name) => [name, REDACTED]));
    let state = this.orchestrator.start(ctx.runId, { ...this.input.inputs, ...markers });
    this.emit({ type: ctx.recovering ? 'run.recovered' : 'run.started', runId: ctx.runId, workflowName: this.workflow.metadata.name, at: Date.now() });
    let current: string | undefined;
    try {
      for (current = this.orchestrator.current(state); current !== undefined; current = this.orchestrator.current(state)) {
        const outcome = await this.executeNode(this.workflow.node(current), state);
        state = this.orchestrator.next(state, current, outcome);
        if (outcome.sleepMs !== undefined && outcome.sleepMs > 0) {
          this.nextIndex += 1;
          await ctx.sleep(outcome.sleepMs);
        }
      }
    } catch (error) {
      this.reportAbort(error, current);
      await this.release();
      throw error;
    }
    const result = resultOf(state);
    await this.release();
    if (result.status === 'failed' && result.error) {
      this.emit({ type: 'run.failed', runId: ctx.runId, error: result.error, at: Date.now() });
      throw new RunFailedError(result);
    }
    this.emit({ type: 'run.completed', runId: ctx.runId, at: Date.now() });
    return result;
  }

  /** One node execution: exactly one durable step returning the node's outcome (never the state). */
  private async executeNode(node: WorkflowNode, state: ExecutionState): Promise<NodeOutcome> {
    const { ctx } = this;
    const policy = stepPolicyOf(this.workflow, node);
    let stepIndex = this.nextIndex;
    let ran = false;
    let startedAt = 0;
    let previousError: string | undefined;
    const body = async (attempt: StepAttempt): Promise<JsonObject> => {
      if (!ran) startedAt = Date.now();
      ran = true;
      stepIndex = attempt.index;
      const base = { runId: ctx.runId, nodeId: node.id, nodeType: node.type, stepIndex: attempt.index };
      // An attempt that recorded no error here was failed from outside by the runner: it timed out.
      if (attempt.attempt > 1) {
        this.emit({ type: 'node.retrying', ...base, attempt: attempt.attempt, error: previousError ?? `timed out after ${policy.timeoutMs ?? 0} ms`, at: Date.now() });
      }
      previousError = undefined;
      this.emit({ type: 'node.started', ...base, attempt: attempt.attempt, at: Date.now() });
      const used: string[] = [];
      try {
        const outcome = outcomeToJson(await this.attempt(node, state, attempt, used));
        // A retried success records its attempt count for `casare runs show` (absent means one);
        // outcome parsing ignores it, so replay and routing are unchanged.
        return attempt.attempt > 1 ? { ...outcome, attempts: attempt.attempt } : outcome;
      } catch (error) {
        const nodeError = toNodeError(error, node.id, attempt.attempt, used);
        // An aborted attempt is over for the runner (timed out) or its run is cancelled: never
        // record its error as the node's outcome; throwing leaves the ending to the runner.
        if (attempt.signal.aborted) {
          previousError = abortMessageOf(attempt.signal.reason, policy);
          throw new NodeAttemptError(nodeError);
        }
        previousError = nodeError.message;
        // The runner retries a throwing body; the last attempt returns the error as the outcome, so
        // the failure is recorded (and replayed) as data and routed by the orchestrator.
        // Errors that say retrying cannot help (bad config, a failed assertion) end the step now.
        if (attempt.attempt < policy.maxAttempts && isRetryable(error)) throw new NodeAttemptError(nodeError);
        return outcomeToJson({ outputs: {}, error: nodeError });
      }
    };
    let recorded: Json;
    try {
      recorded = await ctx.step<JsonObject>(node.id, body, policyFor(policy));
    } catch (error) {
      // A timeout is the runner's failure of the last attempt, recorded (and replayed) as the step's
      // error: its node error is built from the policy alone, so a replay routes the same one.
      const nodeError = isStepTimeout(error) ? timeoutErrorOf(node.id, policy) : nodeErrorOfStepFailure(error, node.id);
      if (!nodeError) throw error;
      recorded = outcomeToJson({ outputs: {}, error: nodeError });
    }
    this.nextIndex = stepIndex + 1;
    // A step whose body ran here returns the outcome `attempt` already validated; only a recorded
    // one (replay after recovery) comes from the store and is checked again.
    const outcome = (ran ? recorded : nodeOutcomeSchema.parse(recorded)) as unknown as NodeOutcome;
    const base = { runId: ctx.runId, nodeId: node.id, nodeType: node.type, stepIndex, replayed: !ran, at: Date.now() };
    if (outcome.error) this.emit({ type: 'node.failed', ...base, error: outcome.error });
    else this.emit({ type: 'node.completed', ...base, durationMs: ran ? Date.now() - startedAt : 0 });
    return outcome;
  }

  /** One attempt, inside the step: resolve templates and secrets, run the handler, redact what it returns. */
  private async attempt(node: WorkflowNode, state: ExecutionState, attempt: StepAttempt, used: string[]): Promise<NodeOutcome> {
    const { ctx, workflow } = this;
    const secretValues = new Map<string, string>();
    for (const name of secretReferences(node.config)) {
      const value = await this.secrets.loadSecret(name);
      if (value === undefined) throw new SecretNotFoundError(name);
      secretValues.set(name, value);
      used.push(value);
    }
    const variables: Record<string, Json> = { ...state.variables };
    for (const name of this.sensitive) {
      // The provider first; a value passed as a run input or declared as default still works, but
      // those already sit in the run's input: prefer the provider for anything really secret.
      const value = (await this.secrets.loadSecret(name)) ?? this.input.inputs?.[name] ?? workflow.variables.get(name)?.defaultValue ?? null;
      variables[name] = value;
      if (typeof value === 'string') used.push(value);
    }
    const idempotencyKey = `${ctx.runId}:${attempt.index}`;
    const scope: TemplateScope = {
      variables,
      outputs: state.outputs,
      specials: { $run: { id: ctx.runId }, $node: { id: node.id, idempotencyKey, stepIndex: attempt.index } },
      secret: (name) => secretValues.get(name),
    };
    const inputs: Record<string, Json> = {};
    for (const connection of workflow.dataInputs(node.id)) {
      inputs[connection.targetPort] = state.outputs[connection.sourceNode]?.[connection.sourcePort] ?? null;
    }
    const control = this.orchestrator.controlContext(state, node.id);
    const logger = this.loggerFor(node, attempt.index, used);
    const execution: NodeExecution = {
      node,
      config: resolveTemplates(node.config, scope) as JsonObject,
      inputs,
      variables,
      runId: ctx.runId,
      stepIndex: attempt.index,
      idempotencyKey,
      attempt: attempt.attempt,
      resources: state.resources,
      connectedPorts: workflow.connectedExecPorts(node.id),
      iteration: control.iteration,
      handlingError: control.handlingError,
      workingDirectory: this.input.workingDirectory ?? '.',
      logger,
      // Read on demand: a runner may only start watching for a cancel when someone looks.
      get signal() {
        return attempt.signal;
      },
      scope,
      settings: workflow.settings,
    };
    const raw = await this.catalog.execute(execution);
    const parsed = nodeOutcomeSchema.safeParse(raw);
    if (!parsed.success) throw new OutcomeInvalidError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    return this.redactOutcome(parsed.data, used);
  }

  /** The outcome with secret values masked and sensitive variable writes replaced by the marker. */
  private redactOutcome(outcome: NodeOutcome, used: readonly string[]): NodeOutcome {
    const redacted = redactJson(outcomeToJson(outcome), used);
    const variables = redacted['variables'];
    if (variables !== undefined && variables !== null && typeof variables === 'object' && !Array.isArray(variables)) {
      const masked: Record<string, Json> = { ...(variables as JsonObject) };
      for (const name of this.sensitive) if (Object.hasOwn(masked, name)) masked[name] = REDACTED;
      return { ...(redacted as unknown as NodeOutcome), variables: masked };
    }
    return redacted as unknown as NodeOutcome;
  }

  private loggerFor(node: WorkflowNode, stepIndex: number, used: readonly string[]): NodeLogger {
    const line = (level: 'debug' | 'warn', message: string): void => {
      try {
        this.events.log?.({ runId: this.ctx.runId, nodeId: node.id, stepIndex, level, message: redactText(message, used), at: Date.now() });
      } catch {
        // A sink must not break a run.
      }
    };
    return { debug: (message) => line('debug', message), warn: (message) => line('warn', message) };
  }

  private reportAbort(error: unknown, nodeId: string | undefined): void {
    const { runId } = this.ctx;
    if (codeOf(error) === 'RUN_CANCELLED') {
      this.emit({ type: 'run.cancelled', runId, at: Date.now() });
      return;
    }
    const cause = error instanceof Error ? error : new Error(String(error));
    this.emit({
      type: 'run.failed',
      runId,
      error: { nodeId: nodeId ?? '', code: codeOf(error) ?? 'RUN_ERROR', message: cause.message, type: cause.name, attempts: 0 },
      at: Date.now(),
    });
  }

  private async release(): Promise<void> {
    try {
      await this.catalog.releaseRun(this.ctx.runId);
    } catch {
      // Releasing browsers is best effort: the run's outcome is already decided.
    }
  }

  private emit(event: ExecutionEvent): void {
    emitSafely(this.events, event);
  }
}

function emitSafely(events: ExecutionEvents, event: ExecutionEvent): void {
  try {
    events.emit(event);
  } catch {
    // The port says sinks must not throw; a broken one must not change how a run ends.
  }
}

/** The policy as the runner gets it; a fresh object so adapters may not mutate ours. */
function policyFor(policy: StepPolicy): StepPolicy {
  const retry = { maxAttempts: policy.maxAttempts, intervalMs: policy.intervalMs, backoffRate: policy.backoffRate };
  return policy.timeoutMs === undefined ? retry : { ...retry, timeoutMs: policy.timeoutMs };
}

/** The node error of a node whose last attempt timed out (the runner only ends a step so after its last attempt). */
function timeoutErrorOf(nodeId: string, policy: StepPolicy): NodeError {
  return { nodeId, code: 'TIMEOUT', message: `timed out after ${policy.timeoutMs ?? 0} ms`, type: 'StepTimeoutError', attempts: policy.maxAttempts };
}

/** Why an attempt was aborted, as a retry event names it. */
function abortMessageOf(reason: unknown, policy: StepPolicy): string {
  if (isStepTimeout(reason)) return `timed out after ${policy.timeoutMs ?? 0} ms`;
  return reason instanceof Error ? reason.message : 'aborted';
}

/** A JSON object of an outcome, optional members left out (what runners record). */
function outcomeToJson(outcome: NodeOutcome): JsonObject {
  const json: Record<string, Json> = { outputs: outcome.outputs };
  if (outcome.variables !== undefined) json['variables'] = outcome.variables;
  if (outcome.ports !== undefined) json['ports'] = outcome.ports;
  if (outcome.error !== undefined) json['error'] = outcome.error;
  if (outcome.resources !== undefined) json['resources'] = outcome.resources;
  if (outcome.logs !== undefined) json['logs'] = outcome.logs;
  if (outcome.iteration !== undefined) json['iteration'] = outcome.iteration;
  if (outcome.sleepMs !== undefined) json['sleepMs'] = outcome.sleepMs;
  return json;
}

function resultOf(state: ExecutionState): RunResult {
  return {
    runId: state.runId,
    status: state.status === 'failed' ? 'failed' : 'completed',
    variables: state.variables,
    logs: state.logs,
    error: state.error,
    outputs: state.outputs,
  };
}

/** False only when the error says so (`retryable: false`), e.g. a config error or a failed assertion. */
function isRetryable(error: unknown): boolean {
  return (error as { retryable?: unknown } | null | undefined)?.retryable !== false;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A handler's failure as the orchestrator routes it; the message never holds a secret value. */
function toNodeError(error: unknown, nodeId: string, attempts: number, secrets: readonly string[]): NodeError {
  const cause = error instanceof Error ? error : new Error(String(error));
  return {
    nodeId,
    code: codeOf(error) ?? 'NODE_FAILED',
    message: redactText(cause.message, secrets),
    type: redactText(cause.name || 'Error', secrets),
    attempts,
  };
}

/**
 * The node error inside a step failure thrown by a runner whose step threw after the last attempt
 * (our body returns the error instead, but a runner may still surface a `NodeAttemptError`, possibly
 * deserialized or wrapped). Anything else (cancel, nondeterminism, a broken store) is not a node
 * failure: undefined, and the caller rethrows it.
 */
function nodeErrorOfStepFailure(error: unknown, nodeId: string): NodeError | undefined {
  const candidates: unknown[] = [error, (error as { cause?: unknown } | null)?.cause];
  const wrapped = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(wrapped)) candidates.push(wrapped.at(-1));
  for (const candidate of candidates) {
    if (codeOf(candidate) !== 'NODE_ATTEMPT_FAILED') continue;
    const nodeError = (candidate as { nodeError?: unknown }).nodeError;
    if (nodeError && typeof nodeError === 'object') return { ...(nodeError as NodeError), nodeId };
    return { nodeId, code: 'NODE_FAILED', message: (candidate as { message?: unknown }).message as string, type: 'Error', attempts: 0 };
  }
  return undefined;
}
