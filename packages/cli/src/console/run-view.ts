import { REDACTED, recordedNodesOf, type StepRecord } from '@casare-rpa/application';
import { isExecConnection, loadWorkflow, type Json, type Workflow } from '@casare-rpa/domain';
import { stepRowsOf, type StepRow } from '../run-steps.js';
import type { ConsoleRun, ConsoleRunInput } from './run-source.js';

/** What the console knows of one node of the graph in one run. */
export interface GraphNodeView {
  readonly id: string;
  readonly type: string;
  /** Status of the node's last execution in this run; `not-run` when it has none. */
  readonly status: 'not-run' | 'completed' | 'failed';
  /** How many times the node ran (loop bodies run once per iteration). */
  readonly executions: number;
  /** Executions whose outcome was replayed from a checkpoint rather than run again. */
  readonly replayed: number;
  /** Highest loop iteration a loop start node entered, counted from 1; absent for other nodes. */
  readonly iterations?: number;
}

/** A wire of the graph: control flow (`exec`) or data. */
export interface GraphEdgeView {
  readonly from: string;
  readonly to: string;
  readonly port: string;
  readonly exec: boolean;
}

/** One log line with the node and step that wrote it. */
export interface LogLineView {
  readonly step: number;
  readonly nodeId: string;
  readonly message: string;
  readonly replayed: boolean;
}

/** One workflow variable as the records leave it. */
export interface VariableView {
  readonly name: string;
  readonly value: Json;
  readonly sensitive: boolean;
}

/** Everything the run page shows, as JSON. */
export interface RunView {
  readonly run: ConsoleRun;
  readonly steps: readonly StepRow[];
  /** Null when the run's input holds no document the console can read (`graphError` says why). */
  readonly graph: { readonly nodes: readonly GraphNodeView[]; readonly edges: readonly GraphEdgeView[] } | null;
  readonly graphError?: string;
  readonly variables: readonly VariableView[];
  readonly logs: readonly LogLineView[];
  /** When a pending run is in a durable sleep: the planned wake time, ms since the epoch. */
  readonly sleepingUntil?: number;
  /** Which operations make sense for the run's status. */
  readonly actions: { readonly cancel: boolean; readonly resume: boolean; readonly fork: boolean };
}

/**
 * The run page's data, from the runner's records only: the graph from the recorded document, each
 * node's last status, executions and replays from the step records (`recordedNodesOf` decodes both
 * checkpoint modes), variables from declared defaults, the run's inputs and recorded writes in step
 * order. Sensitive variables show the redaction marker whatever a record holds.
 */
export function runViewOf(run: ConsoleRun, records: readonly StepRecord[], input: ConsoleRunInput | undefined, now: number = Date.now()): RunView {
  const steps = stepRowsOf(run, records);
  let workflow: Workflow | undefined;
  let graphError: string | undefined;
  if (input === undefined) graphError = 'the run records no workflow document';
  else {
    try {
      workflow = loadWorkflow(
        typeof input.document === 'string' ? (JSON.parse(input.document) as unknown) : input.document,
        input.source === undefined ? {} : { source: input.source },
      );
    } catch (error) {
      graphError = `the recorded workflow document cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  const perNode = new Map<string, { status: 'completed' | 'failed'; executions: number; replayed: number; iterations?: number }>();
  const variables = new Map<string, Json>();
  const sensitive = new Set<string>();
  for (const [name, declaration] of workflow?.variables ?? []) {
    variables.set(name, declaration.defaultValue);
    if (declaration.sensitive) sensitive.add(name);
  }
  for (const [name, value] of Object.entries(input?.inputs ?? {})) variables.set(name, value);
  const logs: LogLineView[] = [];
  for (const [position, record] of records.entries()) {
    const replayed = steps[position]?.replayed ?? false;
    for (const node of recordedNodesOf(record)) {
      const seen = perNode.get(node.nodeId) ?? { status: 'completed', executions: 0, replayed: 0 };
      seen.status = node.outcome.error ? 'failed' : 'completed';
      seen.executions += 1;
      if (replayed) seen.replayed += 1;
      if (node.outcome.iteration !== undefined) seen.iterations = Math.max(seen.iterations ?? 0, node.outcome.iteration + 1);
      perNode.set(node.nodeId, seen);
      for (const [name, value] of Object.entries(node.outcome.variables ?? {})) variables.set(name, value);
      for (const message of node.outcome.logs ?? []) logs.push({ step: record.index, nodeId: node.nodeId, message, replayed });
    }
  }

  const graph =
    workflow === undefined
      ? null
      : {
          nodes: [...workflow.nodes.values()].map((node): GraphNodeView => {
            const seen = perNode.get(node.id);
            return {
              id: node.id,
              type: node.type,
              status: seen?.status ?? 'not-run',
              executions: seen?.executions ?? 0,
              replayed: seen?.replayed ?? 0,
              ...(seen?.iterations === undefined ? {} : { iterations: seen.iterations }),
            };
          }),
          edges: workflow.connections.map((connection) => ({
            from: connection.sourceNode,
            to: connection.targetNode,
            port: connection.sourcePort,
            exec: isExecConnection(connection),
          })),
        };
  const running = run.status === 'pending' || run.status === 'enqueued';
  // Resume only what was cancelled: a pending run may be executing in another process right now,
  // and an interrupted one is `casare recover`'s to take.
  // A durable sleep is recorded when it begins, with its planned end: in the future, it is still going.
  const last = records.at(-1);
  const sleepingUntil = running && last?.kind === 'sleep' && last.completedAt !== undefined && last.completedAt > now ? last.completedAt : undefined;
  return {
    run,
    steps,
    graph,
    ...(graphError === undefined ? {} : { graphError }),
    variables: [...variables].map(([name, value]) => ({ name, value: sensitive.has(name) ? REDACTED : value, sensitive: sensitive.has(name) })),
    logs,
    ...(sleepingUntil === undefined ? {} : { sleepingUntil }),
    actions: { cancel: running, resume: run.status === 'cancelled', fork: records.length > 0 },
  };
}
