import { evaluateCondition } from '@casare-rpa/domain';
import type { Json, JsonObject, NodeOutcome, TemplateScope, ValidationIssue, WorkflowNode } from '@casare-rpa/domain';
import type { NodeCatalog, NodeEffect, NodeExecution, NodeHandler, SecretProvider } from '@casare-rpa/application';
import { createHash } from 'node:crypto';
import type { AttemptInfo } from './crash-schedule.js';
import type { Ledger } from './ledger.js';

/**
 * Test nodes: every handler records one ledger entry per attempt (its side effect), so the contract
 * can count how often each step's body really ran. Control nodes keep the v1 type names (the
 * orchestrator routes by them) and compute like the real catalog does; action nodes are `Test*`.
 *
 * - `TestAddNode` `{ variable, add, fail_times?, fail_permanently?, log? }`: `variable += add` plus the data input
 *   `amount` when wired (missing values count as 0), kept below 1,000; fails its first `fail_times`
 *   attempts. A world node: its ledger entry stands for an effect outside the process.
 * - `TestComputeNode`: the same computation as a pure node (its ledger entry only observes that it ran).
 * - `TestFillNode`: the same computation as a page node: it also records a page hint of the value,
 *   as a field fill would, which re-applying sets to the same value.
 * - `TestSecretNode` `{ value, leak }`: `value` is a `{{$secret:...}}` or a sensitive variable; it
 *   tries to leak it through `leak`: `output`, `log`, `variable` or `error`.
 * - `TestWaitNode` `{ ms }`: asks for a durable sleep.
 * - `TestSlowNode` `{ ms }`: waits `ms` real milliseconds unless its signal aborts (timeouts).
 */
export const TEST_ACTION_TYPES = ['TestAddNode', 'TestComputeNode', 'TestFillNode', 'TestSecretNode', 'TestWaitNode', 'TestSlowNode'] as const;

/**
 * What each test node really touches, whatever its handler declares: the ledger's `effect`, against
 * which the contract checks the engine (only the real world effects must land exactly once).
 */
export const REAL_EFFECTS: Readonly<Record<string, NodeEffect>> = {
  TestAddNode: 'world',
  TestSecretNode: 'world',
  TestWaitNode: 'world',
  TestSlowNode: 'world',
  TestComputeNode: 'pure',
  TestFillNode: 'page',
};

/** The real effect of a test node type (control nodes are pure). */
export function realEffectOf(nodeType: string): NodeEffect {
  return REAL_EFFECTS[nodeType] ?? 'pure';
}

/** Hooks a real-process harness uses to die around a test node's side effect. */
export interface EffectHooks {
  /** Before the ledger append of an attempt. */
  attemptStarted(info: AttemptInfo): void;
  /** After the ledger append of the attempt that started last. */
  effectDone(): void;
  /** Set once the incarnation died: a node that sees it stops for good, as in a killed process. */
  readonly crashed?: unknown;
}

/** Options of `createTestNodeCatalog`. */
export interface TestCatalogOptions {
  /** Where effects go. */
  readonly ledger: Ledger;
  /** Incarnation number stamped on ledger entries. */
  readonly incarnation?: number;
  /** Crash hooks around each effect (real processes); absent when the runner injects crashes. */
  readonly hooks?: EffectHooks;
  /**
   * Effects the handlers declare instead of their real ones (`REAL_EFFECTS`), by type: declaring a
   * world node pure on purpose must make a contract property fail.
   */
  readonly declare?: Readonly<Record<string, NodeEffect>>;
}

/** A failure a test node raises on purpose. */
export class TestNodeFailure extends Error {
  /** Stable code. */
  readonly code = 'TEST_FAILURE';
  constructor(
    message: string,
    /** False models an error retrying cannot fix (the runner must not retry it). */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'TestNodeFailure';
  }
}

type Compute = (execution: NodeExecution) => NodeOutcome | Promise<NodeOutcome>;

/** The catalog of test nodes (control nodes plus `TEST_ACTION_TYPES`). */
export function createTestNodeCatalog(options: TestCatalogOptions): NodeCatalog {
  const handlers = new Map<string, NodeHandler>();
  const add = (
    type: string,
    compute: Compute,
    failTimes: (execution: NodeExecution) => number = () => 0,
    failMessage: (execution: NodeExecution) => string = (execution) => `${execution.node.id} failed on purpose (attempt ${execution.attempt})`,
  ): void => {
    const effect = realEffectOf(type);
    handlers.set(type, {
      types: [type],
      effect: options.declare?.[type] ?? effect,
      execute: async (execution) => {
        const info = { stepIndex: execution.stepIndex, nodeId: execution.node.id, attempt: execution.attempt };
        options.hooks?.attemptStarted(info);
        // A dead process runs nothing more: not this effect, not the nodes after it in its step.
        if (options.hooks?.crashed) return never();
        const fails = execution.attempt <= failTimes(execution);
        const inputs = inputsHashOf(execution);
        options.ledger.append({ key: execution.idempotencyKey, ...info, ok: !fails, incarnation: options.incarnation ?? 0, effect, inputs });
        options.hooks?.effectDone();
        if (options.hooks?.crashed) return never();
        if (fails) throw new TestNodeFailure(failMessage(execution), execution.node.config['fail_permanently'] !== true);
        return compute(execution);
      },
    });
  };
  for (const type of ['StartNode', 'EndNode', 'MergeNode', 'ForLoopEndNode', 'WhileLoopEndNode', 'BreakNode', 'ContinueNode', 'TryNode']) {
    add(type, () => ({ outputs: {} }));
  }
  add('IfNode', (execution) => {
    const result = evaluateCondition(execution.node.config['condition'] ?? false, scopeOf(execution));
    return { outputs: { result }, ports: [result ? 'true' : 'false'] };
  });
  add('ForLoopStartNode', (execution): NodeOutcome => {
    const items = loopItems(execution.config);
    const index = execution.iteration;
    if (index >= items.length) return { outputs: { current_index: index }, ports: ['completed'] };
    return { outputs: { current_item: items[index] ?? null, current_index: index }, ports: ['body'], iteration: index };
  });
  add('WhileLoopStartNode', (execution): NodeOutcome => {
    const max = typeof execution.config['max_iterations'] === 'number' ? execution.config['max_iterations'] : 1000;
    const index = execution.iteration;
    const goOn = index < max && evaluateCondition(execution.node.config['condition'] ?? false, scopeOf(execution));
    return goOn ? { outputs: { current_index: index }, ports: ['body'], iteration: index } : { outputs: { current_index: index }, ports: ['completed'] };
  });
  add('SwitchNode', (execution): NodeOutcome => {
    const value = execution.config['value'] ?? null;
    const port = `case_${typeof value === 'string' ? value : JSON.stringify(value)}`;
    return { outputs: { value }, ports: [execution.connectedPorts.includes(port) ? port : 'default'] };
  });
  add('CatchNode', (execution) => ({
    outputs: { error_message: execution.handlingError?.message ?? '', error_type: execution.handlingError?.type ?? '' },
  }));
  add('FinallyNode', (execution) => ({ outputs: { had_error: execution.handlingError !== undefined } }));
  // Parallel starts only say what their branches need; the engine runs the branches.
  add('ForkNode', (execution) => ({ outputs: { fail_fast: execution.config['fail_fast'] === true } }));
  add('JoinNode', (execution) => ({ outputs: { results: execution.joined?.['results'] ?? {}, branch_count: execution.joined?.['branch_count'] ?? 0 } }));
  add('ParallelForEachNode', (execution) => ({
    outputs: { items: loopItems(execution.config), batch_size: Number(execution.config['batch_size'] ?? 1), fail_fast: execution.config['fail_fast'] === true },
  }));
  const failTimesOf = (execution: NodeExecution): number => Number(execution.config['fail_times'] ?? 0);
  add('TestAddNode', addTo, failTimesOf);
  add('TestComputeNode', addTo, failTimesOf);
  add(
    'TestFillNode',
    (execution) => {
      const outcome = addTo(execution);
      return { ...outcome, resources: { [`page:test:${execution.node.id}`]: outcome.outputs['value'] ?? null } };
    },
    failTimesOf,
  );
  add(
    'TestSecretNode',
    (execution): NodeOutcome => {
      const value = textOf(execution.config['value'], '');
      switch (execution.config['leak']) {
        case 'log':
          return { outputs: {}, logs: [`the secret is ${value}`] };
        case 'variable':
          return { outputs: {}, variables: { leaked: value } };
        default:
          return { outputs: { value, length: value.length } };
      }
    },
    // Leaking through an error means failing every attempt with the value in the message.
    (execution) => (execution.config['leak'] === 'error' ? Number.POSITIVE_INFINITY : 0),
    (execution) => `could not use ${textOf(execution.config['value'], '')}`,
  );
  add('TestWaitNode', (execution) => ({ outputs: {}, sleepMs: Number(execution.config['ms'] ?? 0) }));
  add('TestSlowNode', async (execution) => {
    await abortableDelay(Number(execution.config['ms'] ?? 0), execution.signal);
    return { outputs: { waited: true } };
  });
  return new MapCatalog(handlers);
}

/** `variable += add (+ amount)`, kept below 1,000: what the add-like test nodes compute. */
function addTo(execution: NodeExecution): NodeOutcome {
  const variable = textOf(execution.config['variable'], 'acc');
  const delta = numberOf(execution.config['add'] ?? 1) + numberOf(execution.inputs['amount'] ?? 0);
  const value = (numberOf(execution.variables[variable] ?? 0) + delta) % 1000;
  const logs = execution.config['log'] === true ? [`${execution.node.id}: ${variable}=${value}`] : [];
  return { outputs: { value }, variables: { [variable]: value }, logs };
}

/**
 * A short hash of what a node execution was given (resolved config, data inputs, the variables it
 * reads): a re-run after a crash must see the same. Hashed, so no secret value lands in the ledger.
 */
function inputsHashOf(execution: NodeExecution): string {
  const variable = textOf(execution.config['variable'], 'acc');
  const seen = { config: execution.config, inputs: execution.inputs, variable: execution.variables[variable] ?? null, iteration: execution.iteration };
  return createHash('sha256').update(JSON.stringify(seen)).digest('hex').slice(0, 16);
}

/** A promise that never settles: what a killed process's work turns into. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** A `NodeCatalog` over a map of handlers by type. */
class MapCatalog implements NodeCatalog {
  /** Runs released so far (tests check `releaseRun` is called). */
  readonly released: string[] = [];

  constructor(private readonly handlers: ReadonlyMap<string, NodeHandler>) {}

  knownTypes(): ReadonlySet<string> {
    return new Set(this.handlers.keys());
  }

  effectOf(node: WorkflowNode): NodeEffect {
    const effect = this.handlers.get(node.type)?.effect ?? 'world';
    return typeof effect === 'function' ? effect(node) : effect;
  }

  validate(nodes: Iterable<WorkflowNode>): readonly ValidationIssue[] {
    return [...nodes].flatMap((node) => this.handlers.get(node.type)?.validate?.(node) ?? []);
  }

  execute(execution: NodeExecution): Promise<NodeOutcome> {
    const handler = this.handlers.get(execution.node.type);
    if (!handler) return Promise.reject(new Error(`no test handler for ${execution.node.type}`));
    return handler.execute(execution);
  }

  releaseRun(runId: string): Promise<void> {
    this.released.push(runId);
    return Promise.resolve();
  }
}

/** A `SecretProvider` over a plain map. */
export class MapSecretProvider implements SecretProvider {
  constructor(private readonly secrets: Readonly<Record<string, string>>) {}

  loadSecret(name: string): Promise<string | undefined> {
    return Promise.resolve(Object.hasOwn(this.secrets, name) ? this.secrets[name] : undefined);
  }
}

function scopeOf(execution: NodeExecution): TemplateScope {
  return execution.scope ?? { variables: execution.variables, outputs: {} };
}

function loopItems(config: JsonObject): readonly Json[] {
  const items = config['items'];
  if (Array.isArray(items)) return items as readonly Json[];
  const count = config['count'];
  return typeof count === 'number' ? Array.from({ length: Math.max(0, count) }, (_, index) => index) : [];
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
}

function textOf(value: Json | undefined, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function numberOf(value: Json): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
