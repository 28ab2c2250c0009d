import type { Json, JsonObject, NodeError, NodeOutcome, TemplateScope, ValidationIssue, WorkflowNode, WorkflowSettings } from '@casare-rpa/domain';
import type { HumanTaskRequest, TaskAnswer } from './task-inbox.js';

/** Where a node writes its log lines; lines are redacted before they reach any sink. */
export interface NodeLogger {
  /** Diagnostic line for operators (not part of the run result). */
  debug(message: string): void;
  /** A warning for operators. */
  warn(message: string): void;
}

/** Everything one node execution may see. Built inside the step, so it may hold resolved secrets. */
export interface NodeExecution {
  /** The node as the workflow declares it (raw config, templates unresolved). */
  readonly node: WorkflowNode;
  /** Config with every `{{template}}` resolved, secrets included: never return it whole in an outcome. */
  readonly config: JsonObject;
  /** Values of the node's data input ports, from data connections. */
  readonly inputs: JsonObject;
  /** Read-only view of the run's variables. */
  readonly variables: Readonly<Record<string, Json>>;
  /** The run id. */
  readonly runId: string;
  /** Index of this step in the run. */
  readonly stepIndex: number;
  /** `<runId>:<stepIndex>`: identical on every attempt and on replay after a crash (docs/architecture.md, rule 3). */
  readonly idempotencyKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Resource hints recorded in the state (e.g. `browser:<page>` -> URL and page actions). */
  readonly resources: JsonObject;
  /** Exec output ports of this node that are connected (lets Switch pick `case_<value>` or `case_<i>`). */
  readonly connectedPorts: readonly string[];
  /** For loop starts: the iteration this execution would enter (0 on entry). */
  readonly iteration: number;
  /** For Catch and Finally nodes: the error of the enclosing Try block, if any. */
  readonly handlingError: NodeError | undefined;
  /** For a Join node: what its Fork's branches left (`results` by branch, `branch_count`); undefined elsewhere. */
  readonly joined?: JsonObject | undefined;
  /** Directory relative paths resolve against. */
  readonly workingDirectory: string;
  /** Operator logger. */
  readonly logger: NodeLogger;
  /** Aborted when the step times out or the run is cancelled. */
  readonly signal: AbortSignal;
  /**
   * Where the raw config's templates resolve (variables with sensitive ones resolved, node outputs,
   * `$run`, `$node`, secrets): lets If/While evaluate `node.config.condition` with `evaluateCondition`
   * instead of its text-rendered form. Always set by `ExecuteWorkflowUseCase`.
   */
  readonly scope?: TemplateScope;
  /** The workflow's settings (script nodes read `allowScripts`); set by `ExecuteWorkflowUseCase`. */
  readonly settings?: WorkflowSettings;
  /**
   * For a human-task node (`NodeHandler.humanTask`): how its task ended, answered or timed out. The
   * body sets it on the execution that completes the node, after the durable wait for the answer.
   */
  readonly taskAnswer?: TaskAnswer;
}

/**
 * What a node type touches, which decides where durable steps end (docs/architecture.md, rule 1):
 * - `pure`: its outcome is a deterministic function of config, inputs and state; nothing outside
 *   the process changes (control flow, variables, math, text, lists, Log, Assert...);
 * - `page`: it changes only the live page's local state, in a way the page hints re-apply
 *   idempotently after a reopen (fill a field, select an option, set a checkbox);
 * - `world`: everything else (I/O, the clock, randomness, navigation, clicks, reading the page).
 */
export type NodeEffect = 'pure' | 'page' | 'world';

/** Implements one or more node types (a v1 name and its aliases). */
export interface NodeHandler {
  /** v1 type names this handler executes, e.g. `['GoToURLNode', 'BrowserNavigateNode']`. */
  readonly types: readonly string[];
  /**
   * What the node touches; a handler that says nothing counts as `world`, the safe default: a
   * wrong `pure` would let a crash repeat an effect, a wrong `world` only costs a checkpoint. A
   * function decides per node from its raw config (typing that clears the field first is `page`,
   * typing that appends or presses Enter is `world`); it must treat a templated field as unknown.
   * @default 'world'
   */
  readonly effect?: NodeEffect | ((node: WorkflowNode) => NodeEffect);
  /** Static check of a node's raw config before any run starts; templates count as valid values. */
  validate?(node: WorkflowNode): readonly ValidationIssue[];
  /**
   * Makes the node a human task (the dialog nodes): the body first asks this for the task, from the
   * node's resolved config, records it and waits durably for its answer, then calls `execute` with
   * `NodeExecution.taskAnswer` set (docs/architecture.md, Human tasks).
   */
  humanTask?(execution: NodeExecution): HumanTaskRequest;
  /** Runs the node. Throw to fail the attempt (the runner may retry); return an outcome otherwise. */
  execute(execution: NodeExecution): Promise<NodeOutcome>;
}

/** The set of node types a deployment can run. */
export interface NodeCatalog {
  /** Every supported type name, aliases included. */
  knownTypes(): ReadonlySet<string>;
  /**
   * Static config issues of every node in a workflow, each with node id and JSON path. `dataInputsOf`
   * names the input ports a data connection feeds, so a field that arrives by wire is not "missing".
   */
  validate(nodes: Iterable<WorkflowNode>, dataInputsOf?: (nodeId: string) => readonly string[]): readonly ValidationIssue[];
  /** What a node touches (`world` for a type the catalog does not know). */
  effectOf(node: WorkflowNode): NodeEffect;
  /** Executes one node with its handler. */
  execute(execution: NodeExecution): Promise<NodeOutcome>;
  /** True when the node is a human task (its handler has `humanTask`); a catalog without the method has none. */
  isHumanTask?(node: WorkflowNode): boolean;
  /** The task a human-task node asks, from its handler's `humanTask`. */
  describeTask?(execution: NodeExecution): HumanTaskRequest;
  /** Releases what the catalog holds for a run (browsers, pages) once the run ends. */
  releaseRun(runId: string): Promise<void>;
}

/** Injection token of `NodeCatalog`. */
export const NODE_CATALOG = Symbol.for('@casare-rpa/NodeCatalog');
/** Injection token of the list of `NodeHandler`s a catalog is built from. */
export const NODE_HANDLER = Symbol.for('@casare-rpa/NodeHandler');
