import { ExecutionOrchestrator, isJsonObject, nodeOutcomeSchema, resolveTemplates } from '@casare-rpa/domain';
import type {
  BranchRun,
  CheckpointMode,
  ExecutionState,
  Json,
  JsonObject,
  NodeError,
  NodeOutcome,
  TemplateScope,
  Workflow,
  WorkflowNode,
} from '@casare-rpa/domain';
import type { DurableContext, StepAttempt, StepPolicy } from '../ports/durable-context.js';
import type { ExecutionEvent, ExecutionEvents } from '../ports/execution-events.js';
import type { NodeCatalog, NodeEffect, NodeExecution, NodeLogger } from '../ports/node-catalog.js';
import type { PayloadCodec } from '../ports/payload-codec.js';
import type { SecretProvider } from '../ports/secret-provider.js';
import { taskSignalName, type AnswerSealer, type HumanTask, type TaskAnswer, type TaskInbox } from '../ports/task-inbox.js';
import { findErrorWithCode, hasErrorCode, NondeterminismError, ParallelNestingError } from '../errors.js';
import { REDACTED, redactJson, redactText, secretReferences } from '../execution/redaction.js';
import { stepPolicyOf } from '../execution/step-policy.js';
import { isStepTimeout } from '../execution/step-timeout.js';
import { RunFailedError, type ExecuteWorkflowInput, type RunResult } from './run-result.js';
import { decodeStep, encodeStep, outcomeToJson, type RecordedNode } from './step-outcomes.js';
import { NodeAttemptError, OutcomeInvalidError, SecretNotFoundError, codeOf, isRetryable } from './node-errors.js';

/**
 * The idempotency key of a node execution (docs/architecture.md, rule 3): `<runId>:<stepIndex>` for
 * the node that ends a step (its world node, or the only node of an `every-node` step), and
 * `<runId>:<stepIndex>.<position>` for the pure and page nodes before it, `position` counting from 0.
 * Both are the same on every attempt and on the re-run after a crash.
 */
export function idempotencyKeyOf(runId: string, stepIndex: number, position: number | undefined): string {
  return position === undefined ? `${runId}:${stepIndex}` : `${runId}:${stepIndex}.${position}`;
}

/** Emits an event to a sink that must not break a run. */
export function emitSafely(events: ExecutionEvents, event: ExecutionEvent): void {
  try {
    events.emit(event);
  } catch {
    // The port says sinks must not throw; a broken one must not change how a run ends.
  }
}

/** What the body needs for human-task nodes; without an inbox their tasks are only in the run's record. */
export interface HumanTaskServices {
  /** Where tasks are listed for people and tools. */
  readonly inbox?: TaskInbox;
  /** Opens sealed (secret) answers inside the steps that use them. */
  readonly sealer?: AnswerSealer;
}

/**
 * How long a task without a deadline waits, ms (about ten years): a durable wait always has one.
 * A task that needs none still ends, so a forgotten run does not wait forever.
 */
export const NO_TASK_DEADLINE_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * One execution (first run, replay or recovery) of the workflow body for one run. The loop folds
 * the outcomes of durable steps into the state; each step runs nodes from the current one while they
 * are pure or page and ends at its first world node (`effects` mode), or holds one node
 * (`every-node` mode).
 */
export class RunExecution {
  private readonly orchestrator: ExecutionOrchestrator;
  private readonly sensitive: readonly string[];
  /** Index of the next durable operation, mirrored so replayed steps can be reported with theirs. */
  private nextIndex = 0;

  constructor(
    private readonly ctx: DurableContext,
    private readonly workflow: Workflow,
    private readonly input: ExecuteWorkflowInput,
    private readonly mode: CheckpointMode,
    private readonly catalog: NodeCatalog,
    private readonly events: ExecutionEvents,
    private readonly secrets: SecretProvider,
    private readonly codec: PayloadCodec,
    private readonly tasks: HumanTaskServices = {},
  ) {
    this.orchestrator = new ExecutionOrchestrator(workflow);
    this.sensitive = [...workflow.variables].filter(([, declaration]) => declaration.sensitive).map(([name]) => name);
  }

  /** Runs the body to its end; throws `RunFailedError` for a failed run. */
  async run(): Promise<RunResult> {
    const { ctx } = this;
    // Sensitive variables never enter the state: it holds the marker, steps read the real value.
    const markers = Object.fromEntries(this.sensitive.map((name) => [name, REDACTED]));
    let state = this.orchestrator.start(ctx.runId, { ...this.input.inputs, ...markers });
    this.emit({ type: ctx.recovering ? 'run.recovered' : 'run.started', runId: ctx.runId, workflowName: this.workflow.metadata.name, at: Date.now() });
    let current: string | undefined;
    try {
      for (;;) {
        if (this.orchestrator.awaitingBranches(state) !== undefined) {
          state = await this.runBranches(state);
          continue;
        }
        current = this.orchestrator.current(state);
        if (current === undefined) break;
        const node = this.workflow.node(current);
        const step = this.isHumanTask(node) ? await this.executeHumanTask(node, state) : await this.executeStep(node, state, this.nextIndex, undefined);
        this.nextIndex = step.index + 1;
        state = step.state;
        const sleepMs = step.last.sleepMs;
        if (sleepMs !== undefined && sleepMs > 0) {
          this.nextIndex += 1;
          await ctx.sleep(sleepMs);
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

  /**
   * Runs the branches of the Fork or ParallelForEach the state waits on, then folds them back in
   * (`ExecutionOrchestrator.joinBranches`). Branches run in rounds: each round starts the next step
   * of every live branch (up to the plan's concurrency, in branch order) in one turn, so each takes
   * its durable index in that fixed order before any is awaited, then awaits them all; a branch whose
   * step asked for a sleep then sleeps, the sleeps again started in branch order. Whatever finishes
   * first, a replay meets every step at the index it was recorded under, and a crash re-runs only the
   * steps of the round that had not been recorded (docs/architecture.md, "Parallel branches").
   */
  private async runBranches(state: ExecutionState): Promise<ExecutionState> {
    const { orchestrator } = this;
    const plan = orchestrator.parallelPlan(state);
    const branches = plan.branches.map((branch) => ({ state: branch.state, outcomes: [] as { nodeId: string; outcome: NodeOutcome }[] }));
    const dueOf = (branch: { readonly state: ExecutionState }): string | undefined => {
      if (orchestrator.awaitingBranches(branch.state) !== undefined) throw new ParallelNestingError(plan.nodeId);
      return orchestrator.branchCurrent(plan.nodeId, branch.state);
    };
    const boundary = (branchState: ExecutionState): string | undefined => orchestrator.branchCurrent(plan.nodeId, branchState);
    for (;;) {
      const live = branches.filter((branch) => dueOf(branch) !== undefined).slice(0, plan.concurrency);
      if (live.length === 0) break;
      const base = this.nextIndex;
      this.nextIndex += live.length;
      // Started in one turn: every step takes its index now, in branch order.
      const steps = live.map((branch, position) => this.executeStep(this.workflow.node(dueOf(branch) as string), branch.state, base + position, boundary));
      const done = await Promise.all(steps);
      const sleeps: Promise<void>[] = [];
      done.forEach((step, position) => {
        const branch = live[position]!;
        branch.state = step.state;
        branch.outcomes.push(...step.nodes.map(({ nodeId, outcome }) => ({ nodeId, outcome })));
        const sleepMs = step.last.sleepMs;
        if (sleepMs !== undefined && sleepMs > 0) {
          this.nextIndex += 1;
          sleeps.push(this.ctx.sleep(sleepMs));
        }
      });
      await Promise.all(sleeps);
      if (plan.failFast && branches.some((branch) => branch.state.status === 'failed')) break;
      if (plan.firstWins && branches.some((branch) => orchestrator.reachedJoin(plan.nodeId, branch.state))) break;
    }
    const runs: BranchRun[] = branches.map((branch) => ({ state: branch.state, outcomes: branch.outcomes }));
    return orchestrator.joinBranches(state, runs);
  }

  /** What the engine treats a node as touching: in `every-node` mode every node ends its step. */
  private effectOf(node: WorkflowNode): NodeEffect {
    return this.mode === 'every-node' ? 'world' : this.catalog.effectOf(node);
  }

  private isHumanTask(node: WorkflowNode): boolean {
    return this.catalog.describeTask !== undefined && (this.catalog.isHumanTask?.(node) ?? false);
  }

  /**
   * A human-task node (docs/architecture.md, Human tasks): one step records the task (built from
   * the node's resolved config, opened in the inbox), a durable wait takes its answer or its
   * timeout, and the node's own step completes it from that. Each of the three is one durable
   * operation, so a crash anywhere resumes at the same place: a run killed while waiting waits again
   * for the time left, and an answer given meanwhile is consumed then.
   */
  private async executeHumanTask(
    node: WorkflowNode,
    state: ExecutionState,
  ): Promise<{ readonly state: ExecutionState; readonly last: NodeOutcome; readonly nodes: readonly RecordedNode[]; readonly index: number }> {
    const { ctx } = this;
    let openIndex = this.nextIndex;
    const recorded = await ctx.step<JsonObject>(
      `task:${node.id}`,
      async (attempt): Promise<JsonObject> => {
        openIndex = attempt.index;
        const used: string[] = [];
        const taskId = idempotencyKeyOf(ctx.runId, attempt.index, undefined);
        try {
          const execution = await this.executionFor(node, state, attempt, taskId, used, undefined);
          const request = (this.catalog.describeTask as (execution: NodeExecution) => ReturnType<NonNullable<NodeCatalog['describeTask']>>)(execution);
          const createdAt = Date.now();
          const task: HumanTask = {
            ...request,
            taskId,
            runId: ctx.runId,
            nodeId: node.id,
            nodeType: node.type,
            createdAt,
            deadlineAt: request.timeoutMs === undefined ? null : createdAt + request.timeoutMs,
          };
          const json = redactJson(task as unknown as JsonObject, used);
          await this.tasks.inbox?.openTask(json as unknown as HumanTask);
          return { task: json };
        } catch (error) {
          if (attempt.signal.aborted) throw error;
          return { error: toNodeError(error, node.id, attempt.attempt, used) as unknown as JsonObject };
        }
      },
      { maxAttempts: 1, intervalMs: 0, backoffRate: 1 },
    );
    this.nextIndex = openIndex + 1;
    const task = recorded['task'];
    if (!isJsonObject(task)) {
      const error = (recorded['error'] as unknown as NodeError | undefined) ?? {
        nodeId: node.id,
        code: 'NODE_FAILED',
        message: 'the task could not be opened',
        type: 'Error',
        attempts: 1,
      };
      const outcome: NodeOutcome = { outputs: {}, error };
      this.emit({ type: 'node.failed', ...this.eventBase(node, openIndex), replayed: false, error, at: Date.now() });
      return { state: this.orchestrator.next(state, node.id, outcome), last: outcome, nodes: [], index: openIndex };
    }
    const taskId = typeof task['taskId'] === 'string' ? task['taskId'] : '';
    const deadlineAt = typeof task['deadlineAt'] === 'number' ? task['deadlineAt'] : null;
    const createdAt = typeof task['createdAt'] === 'number' ? task['createdAt'] : 0;
    this.emit({
      type: 'task.opened',
      runId: ctx.runId,
      nodeId: node.id,
      taskId,
      title: typeof task['title'] === 'string' ? task['title'] : '',
      deadlineAt,
      at: Date.now(),
    });
    const waitIndex = this.nextIndex;
    const wait = await ctx.waitForSignal(taskSignalName(taskId), {
      timeoutMs: deadlineAt === null ? NO_TASK_DEADLINE_MS : Math.max(0, deadlineAt - createdAt),
    });
    this.nextIndex = waitIndex + 1;
    const answer: TaskAnswer =
      wait.kind === 'received' && isJsonObject(wait.value) ? { kind: 'answered', taskId, value: wait.value } : { kind: 'timeout', taskId };
    return this.executeStep(node, state, this.nextIndex, undefined, answer);
  }

  /**
   * One durable step starting at `first`: its recorded node outcomes folded into `state`. A step
   * whose body ran here folds what the body computed; a replayed one folds its record. `answer` is
   * set for the step that completes a human-task node.
   */
  private async executeStep(
    first: WorkflowNode,
    state: ExecutionState,
    expectedIndex: number,
    boundary: ((state: ExecutionState) => string | undefined) | undefined,
    answer?: TaskAnswer,
  ): Promise<{ readonly state: ExecutionState; readonly last: NodeOutcome; readonly nodes: readonly RecordedNode[]; readonly index: number }> {
    const { ctx } = this;
    const policy = stepPolicyOf(this.workflow, first);
    let stepIndex = expectedIndex;
    let fresh: { readonly nodes: readonly RecordedNode[]; readonly state: ExecutionState } | undefined;
    let ran = false;
    let previousError: { readonly node: WorkflowNode; readonly message: string } | undefined;
    const body = async (attempt: StepAttempt): Promise<Json> => {
      ran = true;
      stepIndex = attempt.index;
      // An attempt that recorded no error here was failed from outside by the runner: it timed out.
      if (attempt.attempt > 1) {
        const failed = previousError?.node ?? first;
        this.emit({
          type: 'node.retrying',
          ...this.eventBase(failed, attempt.index),
          attempt: attempt.attempt,
          error: previousError?.message ?? `timed out after ${policy.timeoutMs ?? 0} ms`,
          at: Date.now(),
        });
      }
      previousError = undefined;
      // The task is over for the run: close it in the inbox (the answer already did; a timeout did not).
      if (answer) await this.tasks.inbox?.closeTask(answer.taskId, answer.kind === 'answered' ? 'answered' : 'timed_out', Date.now());
      const nodes: RecordedNode[] = [];
      let local = state;
      for (let node: WorkflowNode | undefined = first, position = 0; node !== undefined; position += 1) {
        const effect = this.effectOf(node);
        const startedAt = Date.now();
        this.emit({ type: 'node.started', ...this.eventBase(node, attempt.index), attempt: attempt.attempt, at: startedAt });
        const key = idempotencyKeyOf(ctx.runId, attempt.index, effect === 'world' ? undefined : position);
        const used: string[] = [];
        let outcome: NodeOutcome;
        try {
          outcome = await this.attempt(node, local, attempt, key, used, position === 0 ? answer : undefined);
        } catch (error) {
          const nodeError = toNodeError(error, node.id, attempt.attempt, used);
          previousError = { node, message: nodeError.message };
          // An aborted attempt is over for the runner (timed out) or its run is cancelled: never
          // record its error as the node's outcome; throwing leaves the ending to the runner.
          if (attempt.signal.aborted) {
            previousError = { node, message: abortMessageOf(attempt.signal.reason, policy) };
            throw new NodeAttemptError(nodeError);
          }
          // The runner retries a throwing body (the whole stretch: its pure nodes compute the same,
          // its page nodes re-apply); the last attempt records the error as the node's outcome, so
          // it is replayed as data and routed by the orchestrator. Errors that say retrying cannot
          // help (bad config, a failed assertion) end the step now.
          if (attempt.attempt < policy.maxAttempts && isRetryable(error)) throw new NodeAttemptError(nodeError);
          outcome = { outputs: {}, error: nodeError };
        }
        nodes.push({ nodeId: node.id, outcome, durationMs: Date.now() - startedAt, attempts: attempt.attempt });
        local = this.orchestrator.next(local, node.id, outcome);
        node = this.following(node, effect, outcome, local, policy, boundary);
      }
      fresh = { nodes, state: local };
      // Encoded inside the step, so the runner (and its store) only ever holds the encoded form.
      return this.codec.encode(encodeStep(this.mode, nodes), { runId: ctx.runId, kind: 'step-output', stepName: first.id });
    };
    let recorded: Json;
    let encoded = true;
    try {
      recorded = await ctx.step<Json>(first.id, body, policyFor(policy));
    } catch (error) {
      // A timeout is the runner's failure of the last attempt, recorded (and replayed) as the step's
      // error: its node error is built from the policy alone, so a replay routes the same one. The
      // outcomes of the stretch died with the attempt, so the error is the step's first node's.
      const nodeError = isStepTimeout(error) ? timeoutErrorOf(first.id, policy) : nodeErrorOfStepFailure(error, first.id);
      if (!nodeError) throw error;
      fresh = undefined;
      encoded = false;
      recorded = encodeStep(this.mode, [{ nodeId: first.id, outcome: { outputs: {}, error: nodeError } }]);
    }
    // A step whose body ran here folds what it computed; a recorded one (replay after recovery) is
    // read back through the payload codec and the outcome codec, checked, and folded node by node.
    // A payload the codec cannot decode (another key) throws here: nothing of it is folded.
    if (fresh === undefined && encoded) recorded = await this.codec.decode(recorded, { runId: ctx.runId, kind: 'step-output', stepName: first.id });
    const nodes = fresh?.nodes ?? decodeStep(this.mode, first.id, recorded);
    let folded = fresh?.state;
    if (folded === undefined) {
      folded = state;
      for (const node of nodes) {
        const due = this.orchestrator.current(folded);
        if (due !== node.nodeId) throw new NondeterminismError(ctx.runId, stepIndex, node.nodeId, due ?? '(end of run)');
        folded = this.orchestrator.next(folded, node.nodeId, node.outcome);
      }
    }
    const replayed = fresh === undefined && !ran;
    for (const { nodeId, outcome, durationMs } of nodes) {
      const base = { ...this.eventBase(this.workflow.node(nodeId), stepIndex), replayed, at: Date.now() };
      if (outcome.error) this.emit({ type: 'node.failed', ...base, error: outcome.error });
      else this.emit({ type: 'node.completed', ...base, durationMs: replayed ? 0 : (durationMs ?? 0) });
    }
    return { state: folded, last: (nodes.at(-1) as RecordedNode).outcome, nodes, index: stepIndex };
  }

  /**
   * The node that continues the step after `node`, or undefined when the step ends: after a world
   * node, a failure, a durable sleep or the end of the run, and before a node whose retry and
   * timeout policy differs from the step's: a step runs under one policy (its world node's), and
   * every node keeps its own in both checkpoint modes.
   */
  private following(
    node: WorkflowNode,
    effect: NodeEffect,
    outcome: NodeOutcome,
    state: ExecutionState,
    policy: StepPolicy,
    boundary: ((state: ExecutionState) => string | undefined) | undefined,
  ): WorkflowNode | undefined {
    if (effect === 'world' || outcome.error !== undefined || (outcome.sleepMs ?? 0) > 0) return undefined;
    // In a parallel branch the stretch also ends where the branch does (at its Join).
    const nextId = boundary ? boundary(state) : this.orchestrator.current(state);
    if (nextId === undefined) return undefined;
    const next = this.workflow.node(nextId);
    // A human task starts with its own step (then waits): a stretch ends before it.
    if (this.isHumanTask(next)) return undefined;
    if (!samePolicy(stepPolicyOf(this.workflow, next), policy)) return undefined;
    return next;
  }

  private eventBase(node: WorkflowNode, stepIndex: number): { runId: string; nodeId: string; nodeType: string; stepIndex: number } {
    return { runId: this.ctx.runId, nodeId: node.id, nodeType: node.type, stepIndex };
  }

  /** One node's attempt, inside the step: resolve templates and secrets, run the handler, redact what it returns. */
  private async attempt(
    node: WorkflowNode,
    state: ExecutionState,
    attempt: StepAttempt,
    idempotencyKey: string,
    used: string[],
    taskAnswer: TaskAnswer | undefined,
  ): Promise<NodeOutcome> {
    const execution = await this.executionFor(node, state, attempt, idempotencyKey, used, taskAnswer);
    const raw = await this.catalog.execute(execution);
    const parsed = nodeOutcomeSchema.safeParse(raw);
    if (!parsed.success) throw new OutcomeInvalidError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    return this.redactOutcome(parsed.data, used);
  }

  /**
   * What a node execution sees, built inside its step: templates and secrets resolved, sealed
   * answers (a credential dialog's password) opened in config and inputs. Every secret value it
   * holds is added to `used`, so what the step returns, logs or reports is redacted.
   */
  private async executionFor(
    node: WorkflowNode,
    state: ExecutionState,
    attempt: StepAttempt,
    idempotencyKey: string,
    used: string[],
    taskAnswer: TaskAnswer | undefined,
  ): Promise<NodeExecution> {
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
    const execution: NodeExecution = {
      node,
      config: this.openSealed(resolveTemplates(node.config, scope), used) as JsonObject,
      inputs: this.openSealed(inputs, used) as JsonObject,
      variables,
      runId: ctx.runId,
      stepIndex: attempt.index,
      idempotencyKey,
      attempt: attempt.attempt,
      resources: state.resources,
      connectedPorts: workflow.connectedExecPorts(node.id),
      iteration: control.iteration,
      handlingError: control.handlingError,
      joined: control.joined,
      workingDirectory: this.input.workingDirectory ?? '.',
      settings: workflow.settings,
      logger: this.loggerFor(node, attempt.index, used),
      // Read on demand: a runner may only start watching for a cancel when someone looks.
      get signal() {
        return attempt.signal;
      },
      scope,
      ...(taskAnswer === undefined ? {} : { taskAnswer }),
    };
    return execution;
  }

  /** `value` with every sealed answer in its strings opened; the opened values join `used`. */
  private openSealed(value: Json, used: string[]): Json {
    const sealer = this.tasks.sealer;
    if (!sealer) return value;
    const visit = (item: Json): Json => {
      if (typeof item === 'string') {
        const opened = sealer.openAll(item);
        if (!opened) return item;
        used.push(...opened.secrets);
        return opened.text;
      }
      if (Array.isArray(item)) return (item as readonly Json[]).map(visit);
      if (item !== null && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, element]) => [key, visit(element)]));
      return item;
    };
    return visit(value);
  }

  /** The outcome with secret values masked and sensitive variable writes replaced by the marker. */
  private redactOutcome(outcome: NodeOutcome, used: readonly string[]): NodeOutcome {
    const redacted = redactJson(outcomeToJson(outcome), used);
    const variables = redacted['variables'];
    if (this.sensitive.length > 0 && variables !== undefined && variables !== null && typeof variables === 'object' && !Array.isArray(variables)) {
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
    if (hasErrorCode(error, 'RUN_CANCELLED')) {
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

/** The policy as the runner gets it; a fresh object so adapters may not mutate ours. */
function policyFor(policy: StepPolicy): StepPolicy {
  const retry = { maxAttempts: policy.maxAttempts, intervalMs: policy.intervalMs, backoffRate: policy.backoffRate };
  return policy.timeoutMs === undefined ? retry : { ...retry, timeoutMs: policy.timeoutMs };
}

function samePolicy(a: StepPolicy, b: StepPolicy): boolean {
  return a.maxAttempts === b.maxAttempts && a.intervalMs === b.intervalMs && a.backoffRate === b.backoffRate && a.timeoutMs === b.timeoutMs;
}

/** The node error of a step whose last attempt timed out (the runner only ends a step so after its last attempt). */
function timeoutErrorOf(nodeId: string, policy: StepPolicy): NodeError {
  return { nodeId, code: 'TIMEOUT', message: `timed out after ${policy.timeoutMs ?? 0} ms`, type: 'StepTimeoutError', attempts: policy.maxAttempts };
}

/** Why an attempt was aborted, as a retry event names it. */
function abortMessageOf(reason: unknown, policy: StepPolicy): string {
  if (isStepTimeout(reason)) return `timed out after ${policy.timeoutMs ?? 0} ms`;
  return reason instanceof Error ? reason.message : 'aborted';
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
  const attempt = findErrorWithCode(error, 'NODE_ATTEMPT_FAILED');
  if (!attempt) return undefined;
  const nodeError = (attempt as { nodeError?: unknown }).nodeError;
  if (nodeError && typeof nodeError === 'object') return { ...(nodeError as NodeError), nodeId };
  return { nodeId, code: 'NODE_FAILED', message: attempt.message, type: 'Error', attempts: 0 };
}
