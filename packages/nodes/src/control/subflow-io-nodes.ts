import { z } from 'zod';
import { anyValue, nonEmptyText } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';

// A sub-workflow runs as a child run (`ChildRuns`, the CallSubworkflow/ExecuteWorkflow/Subflow node):
// the parent's params arrive as the child's run variables, and the child's final variables go back
// as the calling node's `result`. These two nodes are the child's ends of that exchange.

const subflowInputNode = defineNode({
  types: ['SubflowInputNode'],
  effect: 'pure',
  config: z.looseObject({ port_name: nonEmptyText().default('input') }),
  ports: { outputs: ['value'], exec: ['exec_out'] },
  // The parent's `params.<port_name>` is a run variable of the child.
  run: (config, execution) => ({ outputs: { value: execution.variables[config.port_name] ?? null } }),
});

const subflowOutputNode = defineNode({
  types: ['SubflowOutputNode'],
  effect: 'pure',
  config: z.looseObject({ port_name: nonEmptyText().default('output'), value: anyValue() }),
  ports: { inputs: ['value'], outputs: ['result'], exec: ['exec_out'] },
  // A variable of the child run: the parent reads it as `{{<calling node>.result.<port_name>}}`.
  run: (config) => ({ outputs: { result: config.value }, variables: { [config.port_name]: config.value } }),
});

/** The two ends of a sub-workflow inside the child: SubflowInput and SubflowOutput. */
export const subflowIoNodeHandlers: readonly CatalogNodeHandler[] = [subflowInputNode, subflowOutputNode];
