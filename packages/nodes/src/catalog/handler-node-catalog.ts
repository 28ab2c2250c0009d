import type { HumanTaskRequest, NodeCatalog, NodeEffect, NodeExecution, NodeHandler } from '@casare-rpa/application';
import type { NodeOutcome, ValidationIssue, WorkflowNode } from '@casare-rpa/domain';

/** Two handlers claim the same node type name. */
export class DuplicateNodeTypeError extends Error {
  /** Stable code. */
  readonly code = 'DUPLICATE_NODE_TYPE';
  constructor(
    /** The type name claimed twice. */
    readonly nodeType: string,
  ) {
    super(`two node handlers declare the type "${nodeType}": each v1 type name (alias included) must have exactly one handler`);
    this.name = 'DuplicateNodeTypeError';
  }
}

/** The catalog was asked to run a node type it does not know (validation should have caught it). */
export class UnknownNodeTypeError extends Error {
  /** Stable code. */
  readonly code = 'UNKNOWN_NODE_TYPE';
  constructor(
    /** Node that cannot run. */
    readonly nodeId: string,
    /** Its type. */
    readonly nodeType: string,
  ) {
    super(`nodes.${nodeId}.node_type: unsupported node type "${nodeType}"`);
    this.name = 'UnknownNodeTypeError';
  }
}

/** Something a catalog releases when a run ends (the browser sessions of the run). */
export interface RunResources {
  /** Releases everything held for `runId`; must be safe to call for a run that holds nothing. */
  releaseRun(runId: string): Promise<void>;
}

/** A handler whose static check may also be told which data inputs are connected (see `CatalogNodeHandler`). */
type ValidatingHandler = NodeHandler & {
  validate?(node: WorkflowNode, connectedInputs?: ReadonlySet<string>): readonly ValidationIssue[];
};

/**
 * `NodeCatalog` built from a list of handlers, each declaring its v1 type names. A type no handler
 * declares is unknown, so `loadWorkflow(doc, { knownTypes })` rejects the file before a run starts.
 */
export class HandlerNodeCatalog implements NodeCatalog {
  private readonly byType = new Map<string, ValidatingHandler>();

  constructor(
    handlers: Iterable<NodeHandler>,
    private readonly resources: readonly RunResources[] = [],
  ) {
    for (const handler of handlers) {
      for (const type of handler.types) {
        if (this.byType.has(type)) throw new DuplicateNodeTypeError(type);
        this.byType.set(type, handler);
      }
    }
  }

  /** Every supported type name, aliases included. */
  knownTypes(): ReadonlySet<string> {
    return new Set(this.byType.keys());
  }

  /**
   * Static config issues of every node, each with node id and JSON path. Nodes of unknown types
   * are skipped: `loadWorkflow` reports them with `knownTypes()`. Given `dataInputsOf` (e.g.
   * `(id) => workflow.dataInputs(id).map((c) => c.targetPort)`), a required field missing from a
   * config is reported unless a data connection brings it; without it, declared input ports are
   * assumed connected.
   */
  validate(nodes: Iterable<WorkflowNode>, dataInputsOf?: (nodeId: string) => readonly string[]): readonly ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const node of nodes) {
      const handler = this.byType.get(node.type);
      if (!handler?.validate) continue;
      issues.push(...handler.validate(node, dataInputsOf ? new Set(dataInputsOf(node.id)) : undefined));
    }
    return issues;
  }

  /** What a node touches; `world` for a type no handler declares, and for handlers that say nothing. */
  effectOf(node: WorkflowNode): NodeEffect {
    return effectOfHandler(this.byType.get(node.type), node);
  }

  /** Runs one node with the handler of its type. */
  isHumanTask(node: WorkflowNode): boolean {
    return this.byType.get(node.type)?.humanTask !== undefined;
  }

  describeTask(execution: NodeExecution): HumanTaskRequest {
    const handler = this.byType.get(execution.node.type);
    if (!handler?.humanTask) throw new UnknownNodeTypeError(execution.node.id, execution.node.type);
    return handler.humanTask(execution);
  }

  async execute(execution: NodeExecution): Promise<NodeOutcome> {
    const handler = this.byType.get(execution.node.type);
    if (!handler) throw new UnknownNodeTypeError(execution.node.id, execution.node.type);
    return handler.execute(execution);
  }

  /** Releases per-run resources of every handler and registered resource holder. */
  async releaseRun(runId: string): Promise<void> {
    const holders = new Set<RunResources>(this.resources);
    for (const handler of this.byType.values()) {
      if (hasRunResources(handler)) holders.add(handler);
    }
    // Every holder gets its chance even when one fails; the failures are reported together.
    const results = await Promise.allSettled([...holders].map((holder) => holder.releaseRun(runId)));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, `releasing run ${runId} failed`);
  }
}

/** What `handler` declares `node` touches: `world` unless it says otherwise. */
export function effectOfHandler(handler: NodeHandler | undefined, node: WorkflowNode): NodeEffect {
  const effect = handler?.effect;
  if (effect === undefined) return 'world';
  return typeof effect === 'function' ? effect(node) : effect;
}

function hasRunResources(handler: NodeHandler): handler is NodeHandler & RunResources {
  return typeof (handler as Partial<RunResources>).releaseRun === 'function';
}
