import type { Json, JsonObject } from '../json.js';
import { loadWorkflow, type LoadWorkflowOptions } from '../load-workflow.js';
import type { Workflow } from '../workflow.js';
import type { CheckpointMode, WorkflowDocument } from '../workflow-document.js';

/** Options of a declared variable in a built document. */
export interface VariableOptions {
  readonly type?: string;
  readonly description?: string;
  readonly sensitive?: boolean;
  readonly readonly?: boolean;
}

/** Settings of a built document, in the file's own spelling. */
export interface SettingsOptions {
  readonly stop_on_error?: boolean;
  readonly timeout?: number | null;
  readonly retry_count?: number;
  readonly checkpoint?: CheckpointMode;
}

/** A v1 document as the builder writes it: every section present, plain JSON. */
export type BuiltWorkflowDocument = WorkflowDocument & {
  nodes: Record<string, { node_id: string; node_type: string; config: JsonObject; position: [number, number] }>;
  connections: Array<{ source_node: string; source_port: string; target_node: string; target_port: string }>;
};

/**
 * Builder of v1 workflow documents for tests (Object Mother style). Each call returns the builder;
 * `build()` returns a fresh plain JSON document, so a test may mutate it to make a bad file.
 *
 * @example
 * workflowDoc().node('a', 'SetVariableNode', { variable_name: 'x', value: 1 }).node('b', 'LogNode').exec('a', 'b').build()
 */
export class WorkflowDocBuilder {
  private readonly nodes: Array<{ id: string; type: string; config: JsonObject }> = [];
  private readonly connections: Array<{ source_node: string; source_port: string; target_node: string; target_port: string }> = [];
  private readonly variables: Array<[string, { type: string; default_value: Json; description: string; sensitive: boolean; readonly: boolean }]> = [];
  private settingsValue: SettingsOptions = { stop_on_error: true, timeout: 30, retry_count: 0 };
  private metadataValue = { name: 'test workflow', description: '', version: '1.0.0' };

  /** Sets the display name. */
  name(name: string): this {
    this.metadataValue = { ...this.metadataValue, name };
    return this;
  }

  /** Adds a node (a later call with the same id replaces its type and config). */
  node(id: string, type: string, config: JsonObject = {}): this {
    const existing = this.nodes.findIndex((node) => node.id === id);
    if (existing >= 0) this.nodes[existing] = { id, type, config };
    else this.nodes.push({ id, type, config });
    return this;
  }

  /** Adds plain action nodes (`LogNode` unless `type` says otherwise) in one go. */
  nodesOf(type: string, ...ids: string[]): this {
    for (const id of ids) this.node(id, type);
    return this;
  }

  /** Control flow from `from`'s `port` (default `exec_out`) into `to`'s `exec_in`. */
  exec(from: string, to: string, port = 'exec_out'): this {
    this.connections.push({ source_node: from, source_port: port, target_node: to, target_port: 'exec_in' });
    return this;
  }

  /** `exec_out` wires along a chain of nodes: `chain('a', 'b', 'c')` is a -> b -> c. */
  chain(...ids: string[]): this {
    for (let index = 1; index < ids.length; index++) this.exec(ids[index - 1]!, ids[index]!);
    return this;
  }

  /** A data wire: `to.toPort` receives `from.fromPort`. */
  data(from: string, fromPort: string, to: string, toPort: string): this {
    this.connections.push({ source_node: from, source_port: fromPort, target_node: to, target_port: toPort });
    return this;
  }

  /** A raw connection, for files that are wrong on purpose. */
  connection(sourceNode: string, sourcePort: string, targetNode: string, targetPort: string): this {
    this.connections.push({ source_node: sourceNode, source_port: sourcePort, target_node: targetNode, target_port: targetPort });
    return this;
  }

  /** A Start node. */
  start(id = 'start'): this {
    return this.node(id, 'StartNode');
  }

  /** An End node. */
  end(id = 'end'): this {
    return this.node(id, 'EndNode');
  }

  /** An If node; wire its `true`/`false` ports with `exec(id, target, 'true')`. */
  ifNode(id: string, condition: Json = true): this {
    return this.node(id, 'IfNode', { condition });
  }

  /** A Switch node; its ports are `case_<value>`, `case_<index>` and `default`. */
  switchNode(id: string, value: Json, cases: readonly Json[] = []): this {
    return this.node(id, 'SwitchNode', { value, cases: [...cases] });
  }

  /**
   * A ForLoop: start node `startId` (config e.g. `{ items: [...] }` or `{ start: 0, end: 3 }`) and end
   * node `endId` naming it; `body` nodes are chained from the start's `body` port into the end.
   */
  forLoop(startId: string, endId: string, config: JsonObject = {}, body: readonly string[] = []): this {
    this.node(startId, 'ForLoopStartNode', config).node(endId, 'ForLoopEndNode', { paired_start_id: startId });
    return this.loopBody(startId, endId, body);
  }

  /** A WhileLoop, like `forLoop` (config e.g. `{ condition: '{{i}} < 3', max_iterations: 10 }`). */
  whileLoop(startId: string, endId: string, config: JsonObject = {}, body: readonly string[] = []): this {
    this.node(startId, 'WhileLoopStartNode', config).node(endId, 'WhileLoopEndNode', { paired_start_id: startId });
    return this.loopBody(startId, endId, body);
  }

  /**
   * A Try block: Try node `tryId`, and when given a Catch and/or Finally node paired to it through the
   * Try's `paired_catch_id`/`paired_finally_id`. Wire the body with `exec(tryId, x, 'try_body')` or `exec_out`.
   */
  tryBlock(tryId: string, parts: { readonly catchId?: string; readonly finallyId?: string } = {}): this {
    const config: Record<string, Json> = {};
    if (parts.catchId) config.paired_catch_id = parts.catchId;
    if (parts.finallyId) config.paired_finally_id = parts.finallyId;
    this.node(tryId, 'TryNode', config);
    if (parts.catchId) this.node(parts.catchId, 'CatchNode');
    if (parts.finallyId) this.node(parts.finallyId, 'FinallyNode');
    return this;
  }

  /** Declares a variable. */
  variable(name: string, defaultValue: Json = null, options: VariableOptions = {}): this {
    this.variables.push([
      name,
      {
        type: options.type ?? typeName(defaultValue),
        default_value: defaultValue,
        description: options.description ?? '',
        sensitive: options.sensitive ?? false,
        readonly: options.readonly ?? false,
      },
    ]);
    return this;
  }

  /** Overrides settings (`stop_on_error`, `timeout`, `retry_count`, `checkpoint`). */
  settings(settings: SettingsOptions): this {
    this.settingsValue = { ...this.settingsValue, ...settings };
    return this;
  }

  /** A fresh document, plain JSON. */
  build(): BuiltWorkflowDocument {
    const document = {
      metadata: { ...this.metadataValue },
      nodes: Object.fromEntries(
        this.nodes.map((node, index) => [
          node.id,
          { node_id: node.id, node_type: node.type, config: node.config, position: [index * 400, 0] as [number, number] },
        ]),
      ),
      connections: this.connections.map((connection) => ({ ...connection })),
      variables: Object.fromEntries(this.variables),
      settings: { stop_on_error: true, retry_count: 0, ...this.settingsValue },
    };
    // A deep copy, so tests that corrupt a built document never share state with the builder.
    return JSON.parse(JSON.stringify(document)) as BuiltWorkflowDocument;
  }

  /** The document as JSON text (what a file holds). */
  text(): string {
    return JSON.stringify(this.build(), null, 2);
  }

  /** The document loaded into a `Workflow` (throws `WorkflowValidationError` like any file would). */
  load(options?: LoadWorkflowOptions): Workflow {
    return loadWorkflow(this.build(), options);
  }

  private loopBody(startId: string, endId: string, body: readonly string[]): this {
    if (body.length === 0) return this;
    for (const id of body) if (!this.nodes.some((node) => node.id === id)) this.node(id, 'LogNode');
    this.exec(startId, body[0]!, 'body');
    this.chain(...body);
    return this.exec(body.at(-1)!, endId);
  }
}

/** Starts a v1 workflow document builder. */
export function workflowDoc(name?: string): WorkflowDocBuilder {
  const builder = new WorkflowDocBuilder();
  return name === undefined ? builder : builder.name(name);
}

function typeName(value: Json): string {
  if (value === null) return 'Any';
  if (Array.isArray(value)) return 'List';
  if (typeof value === 'object') return 'Dict';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Float';
  return typeof value === 'boolean' ? 'Boolean' : 'String';
}
