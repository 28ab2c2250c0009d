import type { NodeExecution, NodeLogger, TaskAnswer } from '@casare-rpa/application';
import type { Json, JsonObject, NodeError, WorkflowNode, WorkflowSettings } from '@casare-rpa/domain';

/** Logger that keeps lines in memory, for assertions. */
export class MemoryNodeLogger implements NodeLogger {
  /** Lines logged, prefixed by level. */
  readonly lines: string[] = [];
  /** Records a debug line. */
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  /** Records a warning line. */
  warn(message: string): void {
    this.lines.push(`warn: ${message}`);
  }
}

/**
 * Test data builder of `NodeExecution`s: `aNodeExecution('SetVariableNode').withConfig({...}).build()`.
 * The config is used both as the node's raw config and as its resolved config, since handler tests
 * start after template resolution.
 */
export class NodeExecutionBuilder {
  private id = 'node_1';
  private config: JsonObject = {};
  private rawConfig: JsonObject | undefined;
  private inputs: JsonObject = {};
  private variables: Record<string, Json> = {};
  private runId = 'run-1';
  private stepIndex = 0;
  private attempt = 1;
  private resources: JsonObject = {};
  private connectedPorts: readonly string[] = ['exec_out'];
  private iteration = 0;
  private handlingError: NodeError | undefined;
  private workingDirectory = process.cwd();
  private signal: AbortSignal = new AbortController().signal;
  private settings: WorkflowSettings | undefined;
  private taskAnswer: TaskAnswer | undefined;
  /** The logger the built execution writes to. */
  readonly logger = new MemoryNodeLogger();

  constructor(private readonly type: string) {}

  /** Sets the node id. */
  withId(id: string): this {
    this.id = id;
    return this;
  }

  /** Sets the resolved config (and the raw config unless `withRawConfig` is used). */
  withConfig(config: JsonObject): this {
    this.config = config;
    return this;
  }

  /** Sets the raw (unresolved) config the node declares. */
  withRawConfig(config: JsonObject): this {
    this.rawConfig = config;
    return this;
  }

  /** Sets data input values. */
  withInputs(inputs: JsonObject): this {
    this.inputs = inputs;
    return this;
  }

  /** Sets the run's variables. */
  withVariables(variables: Record<string, Json>): this {
    this.variables = variables;
    return this;
  }

  /** Sets run id and step index (the idempotency key follows them). */
  inRun(runId: string, stepIndex = 0): this {
    this.runId = runId;
    this.stepIndex = stepIndex;
    return this;
  }

  /** Sets the attempt number. */
  withAttempt(attempt: number): this {
    this.attempt = attempt;
    return this;
  }

  /** Sets the resource hints. */
  withResources(resources: JsonObject): this {
    this.resources = resources;
    return this;
  }

  /** Sets which exec output ports are connected. */
  withConnectedPorts(ports: readonly string[]): this {
    this.connectedPorts = ports;
    return this;
  }

  /** Sets the loop iteration a loop start would enter. */
  atIteration(iteration: number): this {
    this.iteration = iteration;
    return this;
  }

  /** Sets the error a Catch or Finally handles. */
  handling(error: NodeError): this {
    this.handlingError = error;
    return this;
  }

  /** Sets the working directory. */
  inDirectory(directory: string): this {
    this.workingDirectory = directory;
    return this;
  }

  /** Sets the abort signal. */
  withSignal(signal: AbortSignal): this {
    this.signal = signal;
    return this;
  }

  /** Sets the workflow settings the node sees (e.g. `allowScripts: false`). */
  withSettings(settings: Partial<WorkflowSettings>): this {
    this.settings = { stopOnError: true, timeoutSeconds: undefined, retryCount: 0, checkpoint: 'effects', ...settings };
    return this;
  }

  /** Sets how the node's human task ended (dialog nodes). */
  answering(answer: TaskAnswer): this {
    this.taskAnswer = answer;
    return this;
  }

  /** The execution. */
  build(): NodeExecution {
    return {
      node: { id: this.id, type: this.type, config: this.rawConfig ?? this.config },
      config: this.config,
      inputs: this.inputs,
      variables: this.variables,
      runId: this.runId,
      stepIndex: this.stepIndex,
      idempotencyKey: `${this.runId}:${this.stepIndex}`,
      attempt: this.attempt,
      resources: this.resources,
      connectedPorts: this.connectedPorts,
      iteration: this.iteration,
      handlingError: this.handlingError,
      workingDirectory: this.workingDirectory,
      logger: this.logger,
      signal: this.signal,
      settings: this.settings,
      ...(this.taskAnswer === undefined ? {} : { taskAnswer: this.taskAnswer }),
    };
  }
}

/** Starts a `NodeExecution` builder for a node of `type`. */
export function aNodeExecution(type: string): NodeExecutionBuilder {
  return new NodeExecutionBuilder(type);
}

/** A node of `type` as a workflow declares it (raw config), e.g. to ask a catalog what it touches. */
export function aWorkflowNode(type: string, config: JsonObject = {}, id = 'node'): WorkflowNode {
  return { id, type, config };
}
