import type { Json } from '../json.js';
import { workflowDoc, type WorkflowDocBuilder } from './workflow-doc-builder.js';

/**
 * The shape of a structured workflow: a sequence of blocks, each an action or a control structure
 * with nested sequences. Generators (fast-check arbitraries in tests) produce shapes; `buildShape`
 * turns one into a valid v1 document, so random workflows never need hand-wired connections.
 */
export type WorkflowShape = readonly ShapeBlock[];

/** One block of a `WorkflowShape`. */
export type ShapeBlock =
  | { readonly kind: 'action'; readonly type?: string; readonly config?: Readonly<Record<string, Json>> }
  | { readonly kind: 'if'; readonly then: WorkflowShape; readonly else: WorkflowShape; readonly condition?: Json }
  | { readonly kind: 'switch'; readonly cases: readonly WorkflowShape[]; readonly fallback: WorkflowShape }
  | { readonly kind: 'for'; readonly items: readonly Json[]; readonly body: WorkflowShape }
  | { readonly kind: 'while'; readonly maxIterations: number; readonly body: WorkflowShape; readonly condition?: Json }
  | { readonly kind: 'try'; readonly body: WorkflowShape; readonly catch?: WorkflowShape; readonly finally?: WorkflowShape }
  | { readonly kind: 'break' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'end' };

/** An exec wire still to be connected: leaves `from` by `port`. */
interface OpenWire {
  readonly from: string;
  readonly port: string;
}

/**
 * Builds a shape into a document: node ids are `<kind>_<n>` in creation order, If and Switch rejoin at
 * a Merge, loops end at a loop end naming their start, Try blocks pair their Catch and Finally.
 * Returns the builder so a test can add to it (variables, settings) before `build()`.
 */
export function buildShape(shape: WorkflowShape, builder: WorkflowDocBuilder = workflowDoc()): WorkflowDocBuilder {
  let counter = 0;
  const id = (kind: string): string => `${kind}_${counter++}`;
  const connect = (wires: readonly OpenWire[], to: string): void => {
    for (const wire of wires) builder.exec(wire.from, to, wire.port);
  };
  const sequence = (blocks: WorkflowShape, incoming: readonly OpenWire[]): readonly OpenWire[] => {
    let wires = incoming;
    for (const block of blocks) wires = place(block, wires);
    return wires;
  };
  const place = (block: ShapeBlock, incoming: readonly OpenWire[]): readonly OpenWire[] => {
    switch (block.kind) {
      case 'action': {
        const node = id('action');
        builder.node(node, block.type ?? 'LogNode', { ...(block.config ?? { message: node }) });
        connect(incoming, node);
        return [{ from: node, port: 'exec_out' }];
      }
      case 'if': {
        const node = id('if');
        const merge = id('merge');
        builder.ifNode(node, block.condition ?? true).node(merge, 'MergeNode');
        connect(incoming, node);
        connect([...sequence(block.then, [{ from: node, port: 'true' }]), ...sequence(block.else, [{ from: node, port: 'false' }])], merge);
        return [{ from: merge, port: 'exec_out' }];
      }
      case 'switch': {
        const node = id('switch');
        const merge = id('merge');
        builder
          .switchNode(
            node,
            0,
            block.cases.map((_, index) => index),
          )
          .node(merge, 'MergeNode');
        connect(incoming, node);
        const exits = block.cases.flatMap((branch, index) => sequence(branch, [{ from: node, port: `case_${index}` }]));
        connect([...exits, ...sequence(block.fallback, [{ from: node, port: 'default' }])], merge);
        return [{ from: merge, port: 'exec_out' }];
      }
      case 'for':
      case 'while': {
        const start = id(block.kind);
        const end = id(`${block.kind}_end`);
        if (block.kind === 'for') builder.forLoop(start, end, { items: [...block.items] });
        else builder.whileLoop(start, end, { condition: block.condition ?? true, max_iterations: block.maxIterations });
        connect(incoming, start);
        connect(sequence(block.body, [{ from: start, port: 'body' }]), end);
        return [{ from: start, port: 'completed' }];
      }
      case 'try': {
        const node = id('try');
        const catchId = block.catch ? id('catch') : undefined;
        const finallyId = block.finally ? id('finally') : undefined;
        builder.tryBlock(node, { ...(catchId ? { catchId } : {}), ...(finallyId ? { finallyId } : {}) });
        connect(incoming, node);
        // The body's last wires dead-end inside the block: the Try continues on exec_out once it is exhausted.
        sequence(block.body, [{ from: node, port: 'try_body' }]);
        if (catchId && block.catch) sequence(block.catch, [{ from: catchId, port: 'catch_body' }]);
        if (finallyId && block.finally) sequence(block.finally, [{ from: finallyId, port: 'finally_body' }]);
        return [{ from: node, port: 'exec_out' }];
      }
      case 'break':
      case 'continue':
      case 'end': {
        const node = id(block.kind);
        builder.node(node, block.kind === 'break' ? 'BreakNode' : block.kind === 'continue' ? 'ContinueNode' : 'EndNode');
        connect(incoming, node);
        return [];
      }
    }
  };
  sequence(shape, []);
  return builder;
}
