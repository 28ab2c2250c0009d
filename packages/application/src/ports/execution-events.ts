import type { NodeError } from '@casare-rpa/domain';

/** Something that happened in a run. Never holds a secret value (docs/architecture.md, rule 9). */
export type ExecutionEvent =
  | { readonly type: 'run.started'; readonly runId: string; readonly workflowName: string; readonly at: number }
  | { readonly type: 'run.recovered'; readonly runId: string; readonly workflowName: string; readonly at: number }
  | {
      readonly type: 'node.started';
      readonly runId: string;
      readonly nodeId: string;
      readonly nodeType: string;
      readonly stepIndex: number;
      readonly attempt: number;
      readonly at: number;
    }
  | {
      readonly type: 'node.completed';
      readonly runId: string;
      readonly nodeId: string;
      readonly nodeType: string;
      readonly stepIndex: number;
      /** Wall time of the body; 0 when replayed. */
      readonly durationMs: number;
      /** True when recovery returned the recorded outcome instead of running the node. */
      readonly replayed: boolean;
      readonly at: number;
    }
  | {
      readonly type: 'node.retrying';
      readonly runId: string;
      readonly nodeId: string;
      readonly nodeType: string;
      readonly stepIndex: number;
      readonly attempt: number;
      readonly error: string;
      readonly at: number;
    }
  | {
      readonly type: 'node.failed';
      readonly runId: string;
      readonly nodeId: string;
      readonly nodeType: string;
      readonly stepIndex: number;
      readonly error: NodeError;
      readonly replayed: boolean;
      readonly at: number;
    }
  | {
      /** A human-task node opened its task and the run waits for its answer (`casare tasks answer`). */
      readonly type: 'task.opened';
      readonly runId: string;
      readonly nodeId: string;
      readonly taskId: string;
      readonly title: string;
      /** When the task times out, ms since the epoch; null for no deadline. */
      readonly deadlineAt: number | null;
      readonly at: number;
    }
  | { readonly type: 'run.completed'; readonly runId: string; readonly at: number }
  | { readonly type: 'run.failed'; readonly runId: string; readonly error: NodeError; readonly at: number }
  | { readonly type: 'run.cancelled'; readonly runId: string; readonly at: number };

/** A `NodeLogger` line, already redacted. */
export interface NodeLogLine {
  readonly runId: string;
  readonly nodeId: string;
  readonly stepIndex: number;
  readonly level: 'debug' | 'warn';
  readonly message: string;
  readonly at: number;
}

/** Sink of execution events (progress lines, metrics, tests). Must not throw. */
export interface ExecutionEvents {
  /** Receives one event. */
  emit(event: ExecutionEvent): void;
  /** Receives an operator log line of a node (`NodeExecution.logger`); lines are dropped when absent. */
  log?(line: NodeLogLine): void;
}

/** Injection token of `ExecutionEvents`. */
export const EXECUTION_EVENTS = Symbol.for('@casare-rpa/ExecutionEvents');
