import type { z } from 'zod';
import type { HumanTaskRequest, NodeEffect, NodeExecution, NodeHandler } from '@casare-rpa/application';
import type { JsonObject, NodeOutcome, ValidationIssue, WorkflowNode } from '@casare-rpa/domain';
import { configIssuesOf, staticIssues } from './config-issues.js';
import { ConfigFieldError, NodeConfigError, configPath } from './node-config-error.js';

/** The ports a node type declares, by role. */
export interface NodePorts {
  /** Data input ports; a connected one overrides the config field of the same name. */
  readonly inputs: readonly string[];
  /** Data output ports: the keys of `outcome.outputs`, addressable as `{{node_id.port}}`. */
  readonly outputs: readonly string[];
  /** Exec output ports the node may choose (`exec_out`, `true`/`false`, `body`/`completed`...). */
  readonly exec: readonly string[];
}

/** A `NodeHandler` that also describes itself: config schema and ports. What the catalog holds. */
export interface CatalogNodeHandler extends NodeHandler {
  /** Zod schema of the node's resolved config (data inputs merged in). */
  readonly configSchema: z.ZodType;
  /** Declared ports. */
  readonly ports: NodePorts;
  /**
   * Static check of a raw config; templates count as valid values. A required field missing from
   * the config is not an issue when a data connection may bring it: `connectedInputs` names the
   * node's connected data input ports; without it, every declared input port is given the benefit
   * of the doubt (the run-time check still names node and field).
   */
  validate(node: WorkflowNode, connectedInputs?: ReadonlySet<string>): readonly ValidationIssue[];
  /** Releases what the handler holds for a run, if anything (browser pages). */
  releaseRun?(runId: string): Promise<void>;
}

/** What a node type's author writes: its names, config schema, ports and body. */
export interface NodeDefinition<S extends z.ZodType> {
  /** v1 type names, aliases included. */
  readonly types: readonly string[];
  /** What the node touches (see `NodeEffect`), or a function of the node's raw config; leave it out for `world`. */
  readonly effect?: NodeEffect | ((node: WorkflowNode) => NodeEffect);
  /** Zod schema of the resolved config; fields a data input may carry are validated here too. */
  readonly config: S;
  /** Declared ports; `exec` defaults to `['exec_out']`, the others to none. */
  readonly ports?: Partial<NodePorts>;
  /**
   * The node's work, given its parsed config. Throw `ConfigFieldError` for a bad field value found
   * only while running; any other throw is a node failure the runner may retry.
   */
  run(config: z.output<S>, execution: NodeExecution): NodeOutcome | Promise<NodeOutcome>;
  /**
   * Makes the node a human task: the task it asks, from its parsed config. `run` then gets
   * `execution.taskAnswer` (docs/architecture.md, Human tasks).
   */
  task?(config: z.output<S>, execution: NodeExecution): HumanTaskRequest;
}

/** The config key a field path starts with (`headers` for `headers.Accept`, `items` for `items[2]`). */
function topLevelKey(field: string): string {
  return /^[^.[]*/.exec(field)?.[0] ?? field;
}

/** Code of the validation issues a node's config raises. */
export const CONFIG_INVALID = 'CONFIG_INVALID';

/**
 * Builds a catalog handler from a definition: parses config, names node and field on any problem.
 * Validation (`ValidateWorkflowUseCase`) reports a bad config as `CONFIG_INVALID` issues at
 * `nodes.<id>.config.<field>` before anything runs; `execute` throws `NodeConfigError` for the
 * fields a data input filled in wrong.
 *
 * @example
 * ```ts
 * const upperNode = defineNode({
 *   types: ['UpperCaseNode'],
 *   effect: 'pure', // deterministic, touches nothing: may share a step with the nodes around it
 *   config: z.looseObject({ text: z.string().default('') }),
 *   ports: { inputs: ['text'], outputs: ['result'] },
 *   run: (config) => ({ outputs: { result: config.text.toUpperCase() } }),
 * });
 * const catalog = createNodeCatalog([upperNode]);
 * ```
 */
export function defineNode<S extends z.ZodType>(definition: NodeDefinition<S>): CatalogNodeHandler {
  const schema = definition.config;
  return {
    types: definition.types,
    effect: definition.effect ?? 'world',
    configSchema: schema,
    ports: {
      inputs: definition.ports?.inputs ?? [],
      outputs: definition.ports?.outputs ?? [],
      exec: definition.ports?.exec ?? ['exec_out'],
    },

    validate(node: WorkflowNode, connectedInputs?: ReadonlySet<string>): readonly ValidationIssue[] {
      const result = schema.safeParse(node.config);
      if (result.success) return [];
      const mayArrive = connectedInputs ?? new Set(definition.ports?.inputs ?? []);
      const issues = staticIssues(configIssuesOf(result.error.issues, node.config), result.error.issues, node.config).filter(
        (issue) => !(issue.message === 'required' && mayArrive.has(topLevelKey(issue.field))),
      );
      return issues.map((issue) => ({
        code: CONFIG_INVALID,
        path: configPath(node.id, issue.field),
        message: issue.message,
        nodeId: node.id,
      }));
    },

    ...(definition.task === undefined
      ? {}
      : {
          humanTask(execution: NodeExecution): HumanTaskRequest {
            const params: JsonObject = { ...execution.config, ...execution.inputs };
            const result = schema.safeParse(params);
            if (!result.success) throw new NodeConfigError(execution.node.id, configIssuesOf(result.error.issues, params));
            try {
              return (definition.task as NonNullable<NodeDefinition<S>['task']>)(result.data, execution);
            } catch (error) {
              if (error instanceof ConfigFieldError) throw new NodeConfigError(execution.node.id, [{ field: error.field, message: error.problem }]);
              throw error;
            }
          },
        }),

    async execute(execution: NodeExecution): Promise<NodeOutcome> {
      const params: JsonObject = { ...execution.config, ...execution.inputs };
      const result = schema.safeParse(params);
      if (!result.success) throw new NodeConfigError(execution.node.id, configIssuesOf(result.error.issues, params));
      try {
        return await definition.run(result.data, execution);
      } catch (error) {
        if (error instanceof ConfigFieldError) {
          throw new NodeConfigError(execution.node.id, [{ field: error.field, message: error.problem }]);
        }
        throw error;
      }
    },
  };
}
