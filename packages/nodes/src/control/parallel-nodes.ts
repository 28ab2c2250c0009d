import type { JsonObject, NodeOutcome } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, integer, oneOf } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { loopItems } from './control-nodes.js';

// These nodes only compute what their branches need (how many, which items, fail fast); the engine
// runs the branches (docs/architecture.md, "Parallel branches") and the orchestrator folds them back.

/** v1 bounds of `branch_count` (ForkNode) and `batch_size` (ParallelForEachNode). */
const MAX_BRANCHES = 10;
const MAX_BATCH = 50;

const forkNode = defineNode({
  types: ['ForkNode'],
  effect: 'pure',
  config: z.looseObject({
    branch_count: integer(2).pipe(
      z
        .number()
        .min(2, { error: 'at least 2 branches' })
        .max(MAX_BRANCHES, { error: `at most ${MAX_BRANCHES} branches` }),
    ),
    fail_fast: boolean(false),
  }),
  ports: {
    outputs: ['branch_count', 'branches', 'fail_fast', 'results'],
    exec: Array.from({ length: MAX_BRANCHES }, (_, index) => `branch_${index + 1}`),
  },
  run: (config, execution): NodeOutcome => {
    const declared = Array.from({ length: config.branch_count }, (_, index) => `branch_${index + 1}`);
    const extra = execution.connectedPorts.find((port) => port.startsWith('branch_') && !declared.includes(port));
    if (extra !== undefined) throw new ConfigFieldError('branch_count', `${config.branch_count} branches declared, but port "${extra}" is connected`);
    return { outputs: { branch_count: config.branch_count, branches: declared, fail_fast: config.fail_fast } };
  },
});

const joinNode = defineNode({
  types: ['JoinNode'],
  effect: 'pure',
  config: z.looseObject({ merge_strategy: oneOf(['all', 'first', 'last'], 'all') }),
  ports: { outputs: ['results', 'branch_count'], exec: ['exec_out'] },
  run: (config, execution): NodeOutcome => {
    const joined = execution.joined;
    if (joined === undefined) return { outputs: { results: {}, branch_count: 0 } };
    const results = (joined['results'] ?? {}) as JsonObject;
    // `first` is chosen by the engine (it stops at the first branch to arrive); `last` keeps the
    // highest-numbered branch that ended, as v1 kept the last entry of its results.
    if (config.merge_strategy === 'last') {
      const last = Object.keys(results).at(-1);
      return { outputs: { results: last === undefined ? {} : { [last]: results[last] ?? null }, branch_count: joined['branch_count'] ?? 0 } };
    }
    return { outputs: { results, branch_count: joined['branch_count'] ?? 0 } };
  },
});

const parallelForEachNode = defineNode({
  types: ['ParallelForEachNode'],
  effect: 'pure',
  config: z.looseObject({
    items: anyValue(),
    batch_size: integer(5).pipe(
      z
        .number()
        .min(1, { error: 'at least 1' })
        .max(MAX_BATCH, { error: `at most ${MAX_BATCH}` }),
    ),
    fail_fast: boolean(false),
    timeout_per_item: integer(60).pipe(z.number().min(1, { error: 'at least 1 second' })),
  }),
  ports: {
    inputs: ['items'],
    outputs: ['items', 'batch_size', 'fail_fast', 'current_item', 'current_index', 'results', 'branch_count'],
    exec: ['body', 'completed'],
  },
  run: (config): NodeOutcome => {
    const items = loopItems(config.items, undefined, undefined, undefined);
    return { outputs: { items, batch_size: config.batch_size, fail_fast: config.fail_fast, current_item: null, current_index: -1 } };
  },
});

/** Parallel branch nodes: Fork, Join and ParallelForEach (v1 `parallel_nodes`). */
export const parallelNodeHandlers: readonly CatalogNodeHandler[] = [forkNode, joinNode, parallelForEachNode];
