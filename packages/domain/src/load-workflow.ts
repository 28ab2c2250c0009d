import type { z } from 'zod';
import { controlKindOf, isLoopStart, type ControlKind } from './control-flow.js';
import { WorkflowValidationError, type ValidationIssue } from './errors.js';
import { isPlainObject } from './json.js';
import { formatPath, scanJsonText, type PathSegment } from './json-path.js';
import {
  connectionDocumentSchema,
  variableDocumentSchema,
  workflowMetadataSchema,
  workflowNodeDocumentSchema,
  workflowSettingsDocumentSchema,
} from './workflow-document.js';
import { EXEC_INPUT_PORT, Workflow, type Connection, type VariableDeclaration, type WorkflowNode } from './workflow.js';

/** Limits a workflow file must respect. */
export interface WorkflowLimits {
  readonly maxNodes: number;
  readonly maxConnections: number;
}

/** Default limits: 1,000 nodes and 5,000 connections. */
export const DEFAULT_LIMITS: WorkflowLimits = { maxNodes: 1000, maxConnections: 5000 };

/** Options of `loadWorkflow`. */
export interface LoadWorkflowOptions {
  /** Node types the catalog can run; when given, any other type is an `UNKNOWN_NODE_TYPE` issue. */
  readonly knownTypes?: ReadonlySet<string>;
  /** File name or label used in error messages. */
  readonly source?: string;
  /**
   * Size limits.
   * @default `DEFAULT_LIMITS`: 1,000 nodes, 5,000 connections
   */
  readonly limits?: WorkflowLimits;
}

/** Exec output ports a control-flow connection may leave from (besides `case_<anything>`). */
export const EXEC_OUTPUT_PORTS: ReadonlySet<string> = new Set([
  'exec_out',
  'true',
  'false',
  'body',
  'completed',
  'default',
  'try_body',
  'catch_body',
  'finally_body',
  'retry_body',
  'success',
  'failed',
  'protected_body',
  'on_error',
  'finally',
  // dialog nodes (human tasks): a confirm's answer, a task past its deadline
  'yes',
  'no',
  'timeout',
]);

/** True when a control-flow connection may leave from this port (`case_*` of Switch, `branch_*` of Fork included). */
export function isExecOutputPort(port: string): boolean {
  // `case_*`: Switch cases; `branch_<n>`: Fork branches; `exec_*`: the v1 names of branch ports
  // (AIConditionNode's exec_true and exec_false, AISwitchNode's exec_<option> and exec_default,
  // AIAgentNode's exec_error).
  return EXEC_OUTPUT_PORTS.has(port) || port.startsWith('case_') || port.startsWith('exec_') || /^branch_[1-9][0-9]*$/.test(port);
}

// Nesting beyond this is no workflow a person wrote; refusing it keeps validation off the deep end
// of the stack.
const MAX_DEPTH = 64;

// Keys that would become prototypes when copied into a plain object by assignment.
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__']);

/**
 * Parses and validates a v1 workflow document (a JSON string or an already parsed value) into a
 * `Workflow`.
 *
 * @throws `WorkflowValidationError` (`WORKFLOW_INVALID`) listing every issue found, each with its
 *   JSON path (`nodes.n1.config.url`), a code and a message; nothing is thrown issue by issue.
 * @example
 * ```ts
 * try {
 *   const workflow = loadWorkflow(await readFile('flow.json', 'utf8'), { source: 'flow.json' });
 *   console.log(workflow.nodes.size);
 * } catch (error) {
 *   if (error instanceof WorkflowValidationError) for (const issue of error.issues) console.error(`${issue.path}: ${issue.message}`);
 * }
 * ```
 */
export function loadWorkflow(document: unknown, options: LoadWorkflowOptions = {}): Workflow {
  const issues: ValidationIssue[] = [];
  const fail = (): never => {
    throw new WorkflowValidationError(issues, options.source);
  };
  let value: unknown = document;
  let nodeOrder: readonly string[] | undefined;
  if (typeof document === 'string') {
    // Editors on Windows save a byte-order mark that JSON.parse refuses.
    const text = document.startsWith('\uFEFF') ? document.slice(1) : document;
    try {
      value = JSON.parse(text);
    } catch (error) {
      issues.push({ code: 'NOT_JSON', path: '', message: `not JSON: ${describeJsonError(error, text)}` });
      fail();
    }
    const facts = scanJsonText(text);
    nodeOrder = facts.nodeOrder;
    for (const { parent, key } of facts.repeatedKeys) issues.push(repeatedKeyIssue(parent, key));
  }
  checkJsonShape(value, issues);
  if (issues.some((issue) => issue.code === 'NOT_JSON')) fail();
  const built = new DocumentChecker(issues, options).check(value, nodeOrder);
  if (issues.length > 0 || !built) fail();
  return built!;
}

/** JSON.parse's message, with the line and column people look for in an editor. */
function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return message;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

function repeatedKeyIssue(parent: readonly PathSegment[], key: string): ValidationIssue {
  const path = formatPath([...parent, key]);
  if (parent.length === 1 && parent[0] === 'nodes') {
    return { code: 'DUPLICATE_NODE_ID', path, message: `node id "${key}" is declared more than once`, nodeId: key };
  }
  if (parent.length === 1 && parent[0] === 'variables') {
    return { code: 'DUPLICATE_VARIABLE', path, message: `variable "${key}" is declared more than once` };
  }
  return { code: 'DUPLICATE_KEY', path, message: `key "${key}" appears more than once in the same object` };
}

/** Rejects what JSON cannot hold (cycles, functions, NaN, class instances) and absurd nesting, iteratively. */
function checkJsonShape(value: unknown, issues: ValidationIssue[]): void {
  const onPath = new Set<object>();
  const stack: Array<{ value: unknown; path: readonly PathSegment[]; exit: boolean }> = [{ value, path: [], exit: false }];
  while (stack.length > 0) {
    const { value: current, path, exit } = stack.pop()!;
    if (exit) {
      onPath.delete(current as object);
      continue;
    }
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue;
    if (typeof current === 'number' && Number.isFinite(current)) continue;
    const isContainer = Array.isArray(current) || isPlainObject(current);
    if (!isContainer || onPath.has(current as object)) {
      const what = isContainer ? 'a cycle' : typeof current === 'number' ? String(current) : typeof current;
      issues.push({ code: 'NOT_JSON', path: formatPath(path), message: `not a JSON value (${what})` });
      continue;
    }
    if (path.length >= MAX_DEPTH) {
      issues.push({ code: 'NOT_JSON', path: formatPath(path), message: `nested deeper than ${MAX_DEPTH} levels` });
      continue;
    }
    onPath.add(current as object);
    stack.push({ value: current, path, exit: true });
    const entries: Array<[PathSegment, unknown]> = Array.isArray(current)
      ? Array.from({ length: current.length }, (_, index) => [index, Object.hasOwn(current, index) ? (current[index] as unknown) : undefined])
      : Object.entries(current);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [segment, child] = entries[index]!;
      stack.push({ value: child, path: [...path, segment], exit: false });
    }
  }
}

interface CheckedNode {
  readonly node: WorkflowNode;
  readonly kind: ControlKind;
}

/** Validates a parsed document section by section so that every issue is found in one pass. */
class DocumentChecker {
  constructor(
    private readonly issues: ValidationIssue[],
    private readonly options: LoadWorkflowOptions,
  ) {}

  check(value: unknown, textOrder: readonly string[] | undefined): Workflow | undefined {
    if (!isPlainObject(value)) {
      this.issue('SCHEMA', [], `a workflow file is a JSON object with "nodes" and "connections", got ${describe(value)}`);
      return undefined;
    }
    const limits = this.options.limits ?? DEFAULT_LIMITS;
    const metadata = this.parse(workflowMetadataSchema, value.metadata ?? {}, ['metadata']);
    const settings = this.parse(workflowSettingsDocumentSchema, value.settings ?? {}, ['settings']);

    // Nodes: each entry on its own, so one bad node does not hide the others.
    const declared = new Set<string>();
    const nodes = new Map<string, CheckedNode>();
    const rawNodes = value.nodes;
    if (rawNodes === undefined) this.issue('SCHEMA', ['nodes'], 'missing "nodes": a workflow file needs a nodes object keyed by node id');
    else if (!isPlainObject(rawNodes)) this.issue('SCHEMA', ['nodes'], `"nodes" must be an object keyed by node id, got ${describe(rawNodes)}`);
    else {
      const keys = orderKeys(Object.keys(rawNodes), textOrder);
      if (keys.length > limits.maxNodes) {
        this.issue('TOO_MANY_NODES', ['nodes'], `${keys.length} nodes, more than the limit of ${limits.maxNodes}`);
      }
      const idOwners = new Map<string, string>();
      for (const key of keys) {
        declared.add(key);
        const checked = this.checkNode(key, rawNodes[key], idOwners);
        if (checked) nodes.set(key, checked);
      }
    }

    const connections: Connection[] = [];
    const connectionPaths: Array<readonly PathSegment[]> = [];
    const rawConnections = value.connections ?? [];
    if (!Array.isArray(rawConnections)) {
      this.issue('SCHEMA', ['connections'], `"connections" must be an array, got ${describe(rawConnections)}`);
    } else {
      if (rawConnections.length > limits.maxConnections) {
        this.issue('TOO_MANY_CONNECTIONS', ['connections'], `${rawConnections.length} connections, more than the limit of ${limits.maxConnections}`);
      }
      rawConnections.forEach((raw: unknown, index) => {
        const path = ['connections', index];
        const parsed = this.parse(connectionDocumentSchema, raw, path);
        if (!parsed) return;
        const connection: Connection = {
          sourceNode: parsed.source_node,
          sourcePort: parsed.source_port,
          targetNode: parsed.target_node,
          targetPort: parsed.target_port,
        };
        if (this.checkConnection(connection, path, declared)) {
          connections.push(connection);
          connectionPaths.push(path);
        }
      });
    }

    const variables = new Map<string, VariableDeclaration>();
    const rawVariables = value.variables ?? {};
    if (!isPlainObject(rawVariables)) {
      this.issue('SCHEMA', ['variables'], `"variables" must be an object keyed by variable name, got ${describe(rawVariables)}`);
    } else {
      for (const [name, raw] of Object.entries(rawVariables)) {
        if (name === '' || RESERVED_KEYS.has(name)) {
          this.issue('SCHEMA', ['variables', name], `"${name}" cannot be a variable name`);
          continue;
        }
        const parsed = this.parse(variableDocumentSchema, raw, ['variables', name]);
        if (!parsed) continue;
        variables.set(name, {
          type: parsed.type,
          defaultValue: parsed.default_value,
          description: parsed.description,
          sensitive: parsed.sensitive,
          readonly: parsed.readonly,
        });
      }
    }

    this.checkPairing(nodes);
    this.checkCycles(nodes, connections, connectionPaths);

    if (!metadata || !settings || this.issues.length > 0) return undefined;
    return new Workflow(
      { name: metadata.name, description: metadata.description, version: metadata.version },
      [...nodes.values()].map(({ node }) => node),
      connections,
      variables,
      {
        stopOnError: settings.stop_on_error,
        timeoutSeconds: settings.timeout ? settings.timeout : undefined,
        retryCount: settings.retry_count,
        checkpoint: settings.checkpoint,
        allowScripts: settings.allow_scripts,
      },
    );
  }

  private checkNode(key: string, raw: unknown, idOwners: Map<string, string>): CheckedNode | undefined {
    const path = ['nodes', key];
    if (key === '' || RESERVED_KEYS.has(key)) {
      this.issue('SCHEMA', path, `"${key}" cannot be a node id`);
      return undefined;
    }
    const parsed = this.parse(workflowNodeDocumentSchema, raw, path, key);
    if (!parsed) return undefined;
    const id = parsed.node_id ?? key;
    if (id !== key) {
      this.issue('NODE_ID_MISMATCH', [...path, 'node_id'], `node_id "${id}" differs from its key "${key}"`, key);
    }
    const owner = idOwners.get(id);
    if (owner !== undefined) {
      this.issue('DUPLICATE_NODE_ID', [...path, 'node_id'], `node id "${id}" is already used by nodes.${owner}`, key);
    } else idOwners.set(id, key);
    const known = this.options.knownTypes;
    if (known && !known.has(parsed.node_type)) {
      this.issue('UNKNOWN_NODE_TYPE', [...path, 'node_type'], `node "${key}" has type "${parsed.node_type}", which this engine does not support`, key);
    }
    return { node: { id: key, type: parsed.node_type, config: parsed.config }, kind: controlKindOf(parsed.node_type) };
  }

  /** True when the connection joins two declared nodes through a legal port. */
  private checkConnection(connection: Connection, path: readonly PathSegment[], declared: ReadonlySet<string>): boolean {
    let ok = true;
    // The issue names the end of the wire that does exist, so a reader knows where to look.
    const anchor = declared.has(connection.sourceNode) ? connection.sourceNode : declared.has(connection.targetNode) ? connection.targetNode : undefined;
    for (const [field, nodeId] of [
      ['source_node', connection.sourceNode],
      ['target_node', connection.targetNode],
    ] as const) {
      if (!declared.has(nodeId)) {
        ok = false;
        this.issue('DANGLING_CONNECTION', [...path, field], `connection refers to node "${nodeId}", which does not exist`, anchor);
      }
    }
    if (connection.targetPort === EXEC_INPUT_PORT && !isExecOutputPort(connection.sourcePort)) {
      ok = false;
      this.issue(
        'DANGLING_CONNECTION',
        [...path, 'source_port'],
        `control-flow connection leaves "${connection.sourceNode}" from port "${connection.sourcePort}", which is not an exec port ` +
          '(exec_out, exec_*, true, false, body, completed, case_*, default, try_body, catch_body, finally_body, branch_*, retry_body, success, failed, protected_body, on_error, finally, yes, no, timeout)',
        connection.sourceNode,
      );
    }
    return ok;
  }

  /** Loop ends name a loop start; Try/Catch/Finally pairings name a node of the right kind. */
  private checkPairing(nodes: ReadonlyMap<string, CheckedNode>): void {
    const expect = (owner: WorkflowNode, field: string, wanted: (kind: ControlKind) => boolean, what: string, code: string): void => {
      const value = owner.config[field];
      const path = ['nodes', owner.id, 'config', field];
      if (value === undefined || value === null || value === '') {
        if (code === 'LOOP_END_UNPAIRED') this.issue(code, path, `loop end "${owner.id}" has no paired_start_id: name its loop start node`, owner.id);
        return;
      }
      const target = typeof value === 'string' ? nodes.get(value) : undefined;
      if (!target || !wanted(target.kind)) {
        this.issue(code, path, `${field} of "${owner.id}" is ${JSON.stringify(value)}, which is not ${what} in this workflow`, owner.id);
      }
    };
    for (const { node, kind } of nodes.values()) {
      if (kind === 'loop-end') expect(node, 'paired_start_id', isLoopStart, 'a loop start node', 'LOOP_END_UNPAIRED');
      if (kind === 'try') {
        expect(node, 'paired_catch_id', (k) => k === 'catch', 'a Catch node', 'TRY_PAIRING_INVALID');
        expect(node, 'paired_finally_id', (k) => k === 'finally', 'a Finally node', 'TRY_PAIRING_INVALID');
      }
      if (kind === 'catch' || kind === 'finally') expect(node, 'paired_try_id', (k) => k === 'try', 'a Try node', 'TRY_PAIRING_INVALID');
    }
  }

  /**
   * Every cycle of the exec graph is an error: v1 loops have no back edge. The outputs of loop ends,
   * Break, Continue and End are never followed by routing, so they cannot close a cycle.
   */
  private checkCycles(nodes: ReadonlyMap<string, CheckedNode>, connections: readonly Connection[], paths: ReadonlyArray<readonly PathSegment[]>): void {
    const ignored: ReadonlySet<ControlKind> = new Set(['loop-end', 'break', 'continue', 'end']);
    const edges = new Map<string, Array<{ target: string; index: number }>>();
    connections.forEach((connection, index) => {
      if (connection.targetPort !== EXEC_INPUT_PORT) return;
      const kind = nodes.get(connection.sourceNode)?.kind;
      if (!kind || ignored.has(kind) || !nodes.has(connection.targetNode)) return;
      const list = edges.get(connection.sourceNode) ?? [];
      list.push({ target: connection.targetNode, index });
      edges.set(connection.sourceNode, list);
    });
    for (const component of stronglyConnected([...nodes.keys()], edges)) {
      const members = new Set(component);
      const closing = component
        .flatMap((id) => edges.get(id) ?? [])
        .filter((edge) => members.has(edge.target))
        .sort((a, b) => a.index - b.index)[0];
      if (!closing) continue;
      this.issue(
        'EXEC_CYCLE',
        paths[closing.index] ?? [],
        `control flow loops through ${component.map((id) => `"${id}"`).join(' -> ')} without a loop node: ` +
          'use a ForLoop/WhileLoop start with a loop end naming it in paired_start_id',
        component[0],
      );
    }
  }

  private parse<S extends z.ZodType>(schema: S, raw: unknown, path: readonly PathSegment[], nodeId?: string): z.output<S> | undefined {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    for (const zodIssue of result.error.issues) {
      const at = [...path, ...zodIssue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol')];
      this.issue('SCHEMA', at, zodIssue.message, nodeId);
    }
    return undefined;
  }

  private issue(code: string, path: readonly PathSegment[], message: string, nodeId?: string): void {
    this.issues.push(nodeId === undefined ? { code, path: formatPath(path), message } : { code, path: formatPath(path), message, nodeId });
  }
}

function orderKeys(keys: readonly string[], textOrder: readonly string[] | undefined): readonly string[] {
  if (!textOrder || textOrder.length !== keys.length) return keys;
  const present = new Set(keys);
  return textOrder.every((key) => present.has(key)) ? textOrder : keys;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Tarjan's strongly connected components, iterative; returns components that hold a cycle
 * (more than one node, or one node with an edge to itself), members in discovery order.
 */
function stronglyConnected(ids: readonly string[], edges: ReadonlyMap<string, ReadonlyArray<{ target: string }>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const out = edges.get(frame.id) ?? [];
      if (frame.next < out.length) {
        const target = out[frame.next++]!.target;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        component.reverse();
        const selfLoop = out.some((edge) => edge.target === frame.id);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components;
}
