/// <reference types="node" />
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkflowValidationError } from './errors.js';
import type { Json } from './json.js';
import { loadWorkflow } from './load-workflow.js';
import { buildShape, defaultOutcome, simulateRun, type ShapeBlock, type WorkflowShape } from './testing/index.js';
import { Workflow } from './workflow.js';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 200);

/** Loads `document`; fails the property on anything but a Workflow or a WorkflowValidationError with issues. */
function loadOrReject(document: unknown): Workflow | undefined {
  try {
    const workflow = loadWorkflow(document);
    expect(workflow).toBeInstanceOf(Workflow);
    return workflow;
  } catch (error) {
    if (!(error instanceof WorkflowValidationError)) throw error;
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) {
      expect(typeof issue.code).toBe('string');
      expect(typeof issue.path).toBe('string');
      expect(issue.message.length).toBeGreaterThan(0);
    }
    return undefined;
  }
}

/** A loaded workflow routes without any error but the simulator's own step limit. */
function routesCleanly(workflow: Workflow): void {
  try {
    const run = simulateRun(workflow, defaultOutcome, { maxSteps: 3000 });
    expect(['completed', 'failed']).toContain(run.state.status);
  } catch (error) {
    if (!(error instanceof RangeError && error.message.startsWith('run did not end'))) throw error;
  }
}

const types = [
  'LogNode',
  'IfNode',
  'SwitchNode',
  'ForLoopStartNode',
  'ForLoopEndNode',
  'WhileLoopStartNode',
  'WhileLoopEndNode',
  'TryNode',
  'CatchNode',
  'FinallyNode',
  'BreakNode',
  'ContinueNode',
  'EndNode',
  'StartNode',
  'MergeNode',
];
const ids = fc.constantFrom('a', 'b', 'c', 'd', '__proto__', 'constructor', '');
const ports = fc.constantFrom('exec_in', 'exec_out', 'true', 'false', 'body', 'completed', 'case_1', 'default', 'try_body', 'catch_body', 'result', 'value');
const configValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), ids, fc.constantFrom('{{a.b}}', 'not ( valid'));

/** Documents near the real format, so the checks past the schema get exercised too. */
const nearlyValid = fc.record(
  {
    metadata: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.record({ name: fc.string() })),
    nodes: fc.dictionary(
      ids,
      fc.oneof(
        fc.record(
          {
            node_id: ids,
            node_type: fc.constantFrom(...types),
            config: fc.dictionary(
              fc.constantFrom('paired_start_id', 'paired_catch_id', 'paired_finally_id', 'paired_try_id', 'max_iterations', 'items', 'x'),
              configValue,
            ),
            position: fc.oneof(fc.tuple(fc.integer(), fc.integer()), fc.jsonValue({ maxDepth: 1 })),
          },
          { requiredKeys: ['node_type'] },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    ),
    connections: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: fc.record({ source_node: ids, source_port: ports, target_node: ids, target_port: ports }) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      ),
      { maxLength: 8 },
    ),
    variables: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue({ maxDepth: 1 })),
    settings: fc.oneof(fc.record({ stop_on_error: fc.jsonValue({ maxDepth: 0 }), timeout: fc.jsonValue({ maxDepth: 0 }) }), fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);

const shapeBlocks = fc.letrec<{ block: ShapeBlock; sequence: WorkflowShape }>((tie) => ({
  sequence: fc.array(tie('block'), { maxLength: 3 }),
  block: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constant<ShapeBlock>({ kind: 'action' }),
    fc.record({ kind: fc.constant('if' as const), then: tie('sequence'), else: tie('sequence') }),
    fc.record({ kind: fc.constant('for' as const), items: fc.array(fc.nat(3), { maxLength: 2 }), body: tie('sequence') }),
    fc.record({ kind: fc.constant('try' as const), body: tie('sequence'), catch: tie('sequence'), finally: tie('sequence') }),
    fc.constant<ShapeBlock>({ kind: 'break' }),
  ),
}));

type Mutation = { readonly at: number; readonly action: 'delete' | 'replace' | 'duplicate-key'; readonly value: Json };

/** Applies a mutation to the `at`-th (modulo) object key or array slot of a document, in place. */
function mutate(document: Json, mutation: Mutation): string {
  const slots: Array<{ parent: Record<string, Json> | Json[]; key: string | number }> = [];
  const visit = (value: Json): void => {
    if (Array.isArray(value)) {
      (value as Json[]).forEach((item, index) => {
        slots.push({ parent: value as Json[], key: index });
        visit(item);
      });
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        slots.push({ parent: value as Record<string, Json>, key });
        visit(item);
      }
    }
  };
  visit(document);
  const slot = slots[mutation.at % Math.max(1, slots.length)];
  if (!slot) return JSON.stringify(document);
  const { parent, key } = slot;
  if (mutation.action === 'replace') (parent as Record<string | number, Json>)[key] = mutation.value;
  else if (mutation.action === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else if (!Array.isArray(parent)) {
    // Repeat the key in the text, which only a raw JSON document can do.
    const text = JSON.stringify(document);
    const entry = `${JSON.stringify(key)}:${JSON.stringify(parent[key as string])}`;
    return text.replace(entry, `${entry},${entry}`);
  }
  return JSON.stringify(document);
}

describe('loadWorkflow properties', () => {
  it('returns a Workflow or throws WorkflowValidationError for any JSON value, parsed or as text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        loadOrReject(value);
        loadOrReject(JSON.stringify(value));
      }),
      { numRuns },
    );
  });

  it('returns a Workflow or throws WorkflowValidationError for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.json().map((text) => text.slice(0, -1)),
        ),
        (text) => {
          loadOrReject(text);
        },
      ),
      { numRuns },
    );
  });

  it('returns a Workflow or throws WorkflowValidationError for any JavaScript value', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    fc.assert(
      fc.property(anything, fc.option(anything), (value, nodes) => {
        loadOrReject(value);
        loadOrReject({ nodes: nodes ?? value, connections: [] });
      }),
      { numRuns },
    );
  });

  it('returns a Workflow or throws WorkflowValidationError for documents near the format, and what loads routes', () => {
    fc.assert(
      fc.property(nearlyValid, (document) => {
        const workflow = loadOrReject(document);
        if (workflow) routesCleanly(workflow);
        const fromText = loadOrReject(JSON.stringify(document));
        expect(fromText === undefined).toBe(workflow === undefined);
      }),
      { numRuns },
    );
  });

  it('returns a Workflow or throws WorkflowValidationError for mutated valid documents, and what loads routes', () => {
    const mutation = fc.record({
      at: fc.nat(),
      action: fc.constantFrom('delete' as const, 'replace' as const, 'duplicate-key' as const),
      value: fc.jsonValue({ maxDepth: 2 }).map((value) => value as Json),
    });
    fc.assert(
      fc.property(shapeBlocks.sequence, fc.array(mutation, { minLength: 1, maxLength: 3 }), (shape, mutations) => {
        let text = buildShape(shape).text();
        expect(loadOrReject(text)).toBeInstanceOf(Workflow);
        for (const each of mutations) text = mutate(JSON.parse(text) as Json, each);
        const workflow = loadOrReject(text);
        if (workflow) routesCleanly(workflow);
      }),
      { numRuns },
    );
  });
});
