import type { Json, JsonObject } from './json.js';
import type { CheckpointMode } from './workflow-document.js';

/** One node of a workflow graph, as the v1 file declares it. */
export interface WorkflowNode {
  /** Unique id within the workflow; also the durable step name of its executions. */
  readonly id: string;
  /** The v1 node type, e.g. `SetVariableNode`. */
  readonly type: string;
  /** Raw config; values may hold `{{templates}}`, resolved at execution time. */
  readonly config: JsonObject;
}

/** A wire between an output port and an input port. */
export interface Connection {
  /** Node the wire leaves. */
  readonly sourceNode: string;
  /** Output port it leaves from (`exec_out`, `true`, `body`, or a data port). */
  readonly sourcePort: string;
  /** Node the wire enters. */
  readonly targetNode: string;
  /** Input port it enters (`exec_in` for control flow, otherwise a data port). */
  readonly targetPort: string;
}

/** A declared workflow variable. */
export interface VariableDeclaration {
  /** Declared type name (`String`, `Integer`, `List`, ...); informative only. */
  readonly type: string;
  /** Initial value when the run's inputs do not set it. */
  readonly defaultValue: Json;
  /** Free text for people. */
  readonly description: string;
  /** A sensitive value is resolved from the SecretProvider inside a step and never checkpointed. */
  readonly sensitive: boolean;
  /** A readonly variable cannot be written by a node. */
  readonly readonly: boolean;
}

/** Workflow-wide execution settings. */
export interface WorkflowSettings {
  /** When false a failing node outside any Try does not fail the run: execution continues on `exec_out`. */
  readonly stopOnError: boolean;
  /** Default timeout of one node attempt, in seconds; undefined means none. */
  readonly timeoutSeconds: number | undefined;
  /** Default number of retries after a failed attempt (0 = one attempt only). */
  readonly retryCount: number;
  /** Where durable steps end for runs started from this document. */
  readonly checkpoint: CheckpointMode;
  /** False forbids script, shell and system nodes (`settings.allow_scripts`); undefined means allowed. */
  readonly allowScripts?: boolean;
}

/** Workflow-level descriptive data from the file. */
export interface WorkflowMetadata {
  /** Display name. */
  readonly name: string;
  /** Free text for people. */
  readonly description: string;
  /** The author's version string. */
  readonly version: string;
}

/** Port names that carry control flow into a node. */
export const EXEC_INPUT_PORT = 'exec_in';
/** The default control-flow output port. */
export const EXEC_OUTPUT_PORT = 'exec_out';

/** True when a connection carries control flow rather than data. */
export function isExecConnection(connection: Connection): boolean {
  return connection.targetPort === EXEC_INPUT_PORT;
}

/**
 * A validated workflow graph with the lookups routing needs. Build it with `loadWorkflow`;
 * the constructor trusts its input.
 */
export class Workflow {
  /** Nodes in file order, by id. */
  readonly nodes: ReadonlyMap<string, WorkflowNode>;
  private readonly execOut = new Map<string, Map<string, string[]>>();
  private readonly dataIn = new Map<string, Connection[]>();
  private readonly execInConnected = new Set<string>();

  constructor(
    /** Descriptive data. */
    readonly metadata: WorkflowMetadata,
    nodes: readonly WorkflowNode[],
    /** Every connection, in file order. */
    readonly connections: readonly Connection[],
    /** Declared variables, by name. */
    readonly variables: ReadonlyMap<string, VariableDeclaration>,
    /** Execution settings. */
    readonly settings: WorkflowSettings,
  ) {
    this.nodes = new Map(nodes.map((node) => [node.id, node]));
    for (const connection of connections) {
      if (isExecConnection(connection)) {
        this.execInConnected.add(connection.targetNode);
        let ports = this.execOut.get(connection.sourceNode);
        if (!ports) this.execOut.set(connection.sourceNode, (ports = new Map<string, string[]>()));
        const targets = ports.get(connection.sourcePort) ?? [];
        targets.push(connection.targetNode);
        ports.set(connection.sourcePort, targets);
      } else {
        const incoming = this.dataIn.get(connection.targetNode) ?? [];
        incoming.push(connection);
        this.dataIn.set(connection.targetNode, incoming);
      }
    }
  }

  /** The node with this id; throws a RangeError for an id the graph does not have. */
  node(id: string): WorkflowNode {
    const node = this.nodes.get(id);
    if (!node) throw new RangeError(`workflow has no node "${id}"`);
    return node;
  }

  /** Nodes that control flow reaches from `port` of `nodeId`, in file order. */
  execTargets(nodeId: string, port: string): readonly string[] {
    return this.execOut.get(nodeId)?.get(port) ?? [];
  }

  /** True when some exec connection leaves `port` of `nodeId`. */
  hasExecOutput(nodeId: string, port: string): boolean {
    return this.execTargets(nodeId, port).length > 0;
  }

  /** Exec output ports of `nodeId` that are connected. */
  connectedExecPorts(nodeId: string): readonly string[] {
    return [...(this.execOut.get(nodeId)?.keys() ?? [])];
  }

  /** True when some exec connection enters `nodeId`. */
  hasExecInput(nodeId: string): boolean {
    return this.execInConnected.has(nodeId);
  }

  /** Data connections entering `nodeId` (their value is the source node's output port). */
  dataInputs(nodeId: string): readonly Connection[] {
    return this.dataIn.get(nodeId) ?? [];
  }
}
