import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_ITERATIONS } from './control-flow.js';
import { RoutingError } from './errors.js';
import { executionStateSchema, type ExecutionState } from './execution-state.js';
import type { NodeError, NodeOutcome } from './node-outcome.js';
import { applyOutcome, ExecutionOrchestrator } from './orchestrator.js';
import { defaultOutcome, simulateRun, workflowDoc, type SimulatedStep, type WorkflowDocBuilder } from './testing/index.js';

function failure(nodeId: string, message = `${nodeId} failed`): NodeError {
  return { nodeId, code: 'NODE_FAILED', message, type: 'Error', attempts: 1 };
}

/** Runs a built document; nodes in `failing` fail, `script` overrides outcomes, the rest use `defaultOutcome`. */
function run(
  builder: WorkflowDocBuilder,
  options: { failing?: readonly string[]; script?: (step: SimulatedStep) => NodeOutcome | undefined; maxSteps?: number } = {},
) {
  const failing = new Set(options.failing ?? []);
  return simulateRun(
    builder.load(),
    (step) => options.script?.(step) ?? (failing.has(step.nodeId) ? { outputs: {}, error: failure(step.nodeId) } : defaultOutcome(step)),
    { maxSteps: options.maxSteps ?? 10_000 },
  );
}

/** The iterations each visit of `nodeId` was told it would enter. */
function iterationsOf(builder: WorkflowDocBuilder, nodeId: string): number[] {
  const seen: number[] = [];
  run(builder, {
    script: (step) => {
      if (step.nodeId === nodeId) seen.push(step.control.iteration);
      return undefined;
    },
  });
  return seen;
}

describe('ExecutionOrchestrator: plain flow', () => {
  it('follows exec_out in order and completes', () => {
    const result = run(workflowDoc().nodesOf('LogNode', 'a', 'b', 'c').chain('a', 'b', 'c'));
    expect(result.path).toEqual(['a', 'b', 'c']);
    expect(result.state.status).toBe('completed');
    expect(result.state.stepCount).toBe(3);
    expect(result.state.outputs).toEqual({ a: { ran: true }, b: { ran: true }, c: { ran: true } });
  });

  it('starts at every node without an exec input, in file order, when there is no Start node', () => {
    const builder = workflowDoc().nodesOf('LogNode', 'a', 'b', 'c', 'd').chain('a', 'b').chain('c', 'd');
    expect(new ExecutionOrchestrator(builder.load()).startNodes()).toEqual(['a', 'c']);
    expect(run(builder).path).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts only at Start nodes when there are any', () => {
    const builder = workflowDoc().start('s').nodesOf('LogNode', 'a', 'orphan').chain('s', 'a');
    expect(run(builder).path).toEqual(['s', 'a']);
  });

  it('ignores data connections when routing and when finding start nodes', () => {
    const builder = workflowDoc().nodesOf('LogNode', 'a', 'b').data('a', 'result', 'b', 'text');
    expect(run(builder).path).toEqual(['a', 'b']);
  });

  it('runs every target of a forked port, first target first', () => {
    const builder = workflowDoc().nodesOf('LogNode', 'a', 'b1', 'b2', 'c').exec('a', 'b1').exec('a', 'b2').exec('b1', 'c');
    expect(run(builder).path).toEqual(['a', 'b1', 'c', 'b2']);
  });

  it('follows the ports an outcome chose', () => {
    const builder = workflowDoc().nodesOf('LogNode', 'a', 'x', 'y').exec('a', 'x', 'exec_out').exec('a', 'y', 'true');
    expect(run(builder, { script: (step) => (step.nodeId === 'a' ? { outputs: {}, ports: ['true'] } : undefined) }).path).toEqual(['a', 'y']);
  });

  it('completes at once for an empty workflow', () => {
    const state = new ExecutionOrchestrator(workflowDoc().load()).start('r');
    expect(state.status).toBe('completed');
  });

  it('starts with declared variable defaults overlaid with inputs', () => {
    const workflow = workflowDoc().variable('a', 1).variable('b', 'x').node('n', 'LogNode').load();
    const state = new ExecutionOrchestrator(workflow).start('run-9', { b: 'y', extra: true });
    expect(state).toMatchObject({ runId: 'run-9', status: 'running', cursor: ['n'], variables: { a: 1, b: 'y', extra: true } });
  });
});

describe('ExecutionOrchestrator: If, Switch, Merge, End', () => {
  const ifGraph = (condition: boolean) =>
    workflowDoc()
      .ifNode('if', condition)
      .nodesOf('LogNode', 'yes', 'no', 'after')
      .node('merge', 'MergeNode')
      .exec('if', 'yes', 'true')
      .exec('if', 'no', 'false')
      .chain('yes', 'merge')
      .chain('no', 'merge', 'after');

  it('routes If by true/false and joins at the Merge once', () => {
    expect(run(ifGraph(true)).path).toEqual(['if', 'yes', 'merge', 'after']);
    expect(run(ifGraph(false)).path).toEqual(['if', 'no', 'merge', 'after']);
  });

  it('ends the branch when the chosen If port is not connected', () => {
    const builder = workflowDoc().ifNode('if', false).node('yes', 'LogNode').exec('if', 'yes', 'true');
    const result = run(builder);
    expect(result.path).toEqual(['if']);
    expect(result.state.status).toBe('completed');
  });

  const switchGraph = (value: string, byValue = false) => {
    const builder = workflowDoc().switchNode('sw', value, ['a', 'b', 'c']).nodesOf('LogNode', 'on_a', 'on_b', 'on_c', 'on_default');
    builder
      .exec('sw', 'on_a', 'case_0')
      .exec('sw', 'on_b', byValue ? 'case_b' : 'case_1')
      .exec('sw', 'on_c', 'case_2')
      .exec('sw', 'on_default', 'default');
    return builder;
  };

  it('routes Switch by case_<index>, case_<value> and default', () => {
    expect(run(switchGraph('b')).path).toEqual(['sw', 'on_b']);
    expect(run(switchGraph('b', true)).path).toEqual(['sw', 'on_b']);
    expect(run(switchGraph('zzz')).path).toEqual(['sw', 'on_default']);
  });

  it('completes the run at an End node, dropping pending branches and ignoring its outputs', () => {
    const builder = workflowDoc().nodesOf('LogNode', 'a', 'b', 'later').end('end').exec('a', 'end').exec('a', 'b').exec('end', 'later');
    const result = run(builder);
    expect(result.path).toEqual(['a', 'end']);
    expect(result.state).toMatchObject({ status: 'completed', cursor: [], frames: [] });
  });

  it('completes the run at an End node inside a loop', () => {
    const builder = workflowDoc()
      .forLoop('loop', 'loop_end', { items: [1, 2, 3] }, ['a', 'stop'])
      .node('stop', 'EndNode');
    expect(run(builder).path).toEqual(['loop', 'a', 'stop']);
  });
});

describe('ExecutionOrchestrator: loops', () => {
  const forGraph = (config: Record<string, number | number[] | string[]>) =>
    workflowDoc()
      .node('init', 'LogNode')
      .forLoop('loop', 'loop_end', config, ['body'])
      .node('after', 'LogNode')
      .exec('init', 'loop')
      .exec('loop', 'after', 'completed');

  it('iterates a ForLoop over its items, then leaves by completed', () => {
    const result = run(forGraph({ items: ['x', 'y'] }));
    expect(result.path).toEqual(['init', 'loop', 'body', 'loop_end', 'loop', 'body', 'loop_end', 'loop', 'after']);
    expect(result.state.frames).toEqual([]);
  });

  it('iterates a ForLoop over a range and tells the start which iteration it enters', () => {
    const builder = forGraph({ start: 10, end: 13 });
    expect(run(builder).path.filter((id) => id === 'body')).toHaveLength(3);
    expect(iterationsOf(builder, 'loop')).toEqual([0, 1, 2, 3]);
  });

  it('skips the body of a ForLoop over nothing', () => {
    expect(run(forGraph({ items: [] })).path).toEqual(['init', 'loop', 'after']);
  });

  it('records the loop frame with the iteration the body is in', () => {
    const result = run(forGraph({ items: ['x', 'y'] }));
    const inBody = result.states.filter((state) => state.cursor.at(-1) === 'body');
    expect(inBody.map((state) => state.frames)).toEqual([
      [{ kind: 'loop', nodeId: 'loop', iteration: 0, depth: 0 }],
      [{ kind: 'loop', nodeId: 'loop', iteration: 1, depth: 0 }],
    ]);
  });

  it('loops back when the body dead-ends before reaching the loop end', () => {
    const builder = workflowDoc()
      .node('loop', 'ForLoopStartNode', { items: [1, 2] })
      .node('end', 'ForLoopEndNode', { paired_start_id: 'loop' });
    builder.node('a', 'LogNode').node('after', 'LogNode').exec('loop', 'a', 'body').exec('loop', 'after', 'completed');
    expect(run(builder).path).toEqual(['loop', 'a', 'loop', 'a', 'loop', 'after']);
  });

  it('caps a WhileLoop at max_iterations, 1,000 by default', () => {
    const unbounded = workflowDoc().whileLoop('loop', 'loop_end', { condition: 'true' }, ['body']);
    expect(DEFAULT_MAX_ITERATIONS).toBe(1000);
    expect(run(unbounded).path.filter((id) => id === 'body')).toHaveLength(1000);
    const capped = workflowDoc().whileLoop('loop', 'loop_end', { condition: 'true', max_iterations: 5 }, ['body']);
    expect(run(capped).path.filter((id) => id === 'body')).toHaveLength(5);
  });

  it('ends a WhileLoop when its handler chooses completed', () => {
    const builder = workflowDoc().whileLoop('loop', 'loop_end', { times: 3 }, ['body']).node('after', 'LogNode').exec('loop', 'after', 'completed');
    const result = run(builder);
    expect(result.path.filter((id) => id === 'body')).toHaveLength(3);
    expect(result.path.at(-1)).toBe('after');
  });

  it('leaves the innermost loop at a Break, continuing on its completed port', () => {
    const builder = workflowDoc()
      .forLoop('loop', 'loop_end', { items: [1, 2, 3, 4] })
      .nodesOf('LogNode', 'a', 'b', 'after')
      .ifNode('if')
      .node('brk', 'BreakNode')
      .exec('loop', 'a', 'body')
      .chain('a', 'if')
      .exec('if', 'brk', 'true')
      .exec('if', 'b', 'false')
      .chain('b', 'loop_end')
      .exec('loop', 'after', 'completed');
    const result = run(builder, { script: (step) => (step.nodeId === 'if' ? { outputs: {}, ports: [step.visits === 1 ? 'true' : 'false'] } : undefined) });
    expect(result.path).toEqual(['loop', 'a', 'if', 'b', 'loop_end', 'loop', 'a', 'if', 'brk', 'after']);
    expect(result.state.frames).toEqual([]);
  });

  it('goes back to the innermost loop start at a Continue', () => {
    const builder = workflowDoc()
      .forLoop('loop', 'loop_end', { items: [1, 2, 3] })
      .nodesOf('LogNode', 'a', 'b')
      .ifNode('if')
      .node('cont', 'ContinueNode')
      .exec('loop', 'a', 'body')
      .chain('a', 'if')
      .exec('if', 'cont', 'true')
      .exec('if', 'b', 'false')
      .chain('b', 'loop_end');
    const result = run(builder, { script: (step) => (step.nodeId === 'if' ? { outputs: {}, ports: [step.visits === 1 ? 'true' : 'false'] } : undefined) });
    expect(result.path).toEqual(['loop', 'a', 'if', 'b', 'loop_end', 'loop', 'a', 'if', 'cont', 'loop', 'a', 'if', 'b', 'loop_end', 'loop']);
    expect(iterationsOf(builder, 'loop')).toEqual([0, 1, 2, 3]);
  });

  it('runs nested loops, restarting the inner loop at iteration 0 for each outer iteration', () => {
    const builder = workflowDoc()
      .forLoop('outer', 'outer_end', { items: ['a', 'b'] })
      .forLoop('inner', 'inner_end', { items: [1, 2, 3] }, ['work'])
      .exec('outer', 'inner', 'body')
      .exec('inner', 'outer_end', 'completed');
    const result = run(builder);
    expect(result.path.filter((id) => id === 'work')).toHaveLength(6);
    expect(iterationsOf(builder, 'inner')).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(iterationsOf(builder, 'outer')).toEqual([0, 1, 2]);
  });

  it('breaks only the innermost of nested loops', () => {
    const builder = workflowDoc()
      .forLoop('outer', 'outer_end', { items: ['a', 'b'] })
      .forLoop('inner', 'inner_end', { items: [1, 2, 3] }, ['work', 'brk'])
      .node('brk', 'BreakNode')
      .exec('outer', 'inner', 'body')
      .exec('inner', 'outer_end', 'completed');
    const result = run(builder);
    expect(result.path).toEqual(['outer', 'inner', 'work', 'brk', 'outer_end', 'outer', 'inner', 'work', 'brk', 'outer_end', 'outer']);
  });

  it('treats Break and Continue outside any loop as pass-through', () => {
    const builder = workflowDoc().node('brk', 'BreakNode').node('cont', 'ContinueNode').node('a', 'LogNode').chain('brk', 'cont', 'a');
    expect(run(builder).path).toEqual(['brk', 'cont', 'a']);
  });

  it('jumps to the paired start from a loop end reached outside its loop', () => {
    const builder = workflowDoc()
      .forLoop('loop', 'loop_end', { items: [1] }, ['body'])
      .node('pre', 'LogNode')
      .exec('pre', 'loop_end');
    // pre and loop have no exec input: pre runs first, its loop end jumps into the loop.
    expect(run(builder).path).toEqual(['loop', 'body', 'loop_end', 'loop', 'pre', 'loop_end', 'loop', 'body', 'loop_end', 'loop']);
  });
});

describe('ExecutionOrchestrator: Try, Catch, Finally', () => {
  /** try --try_body--> a -> b; catch --catch_body--> handled; finally --finally_body--> cleanup; try --exec_out--> after. */
  const tryGraph = () =>
    workflowDoc()
      .tryBlock('try', { catchId: 'catch', finallyId: 'finally' })
      .nodesOf('LogNode', 'a', 'b', 'handled', 'cleanup', 'after')
      .exec('try', 'a', 'try_body')
      .chain('a', 'b')
      .exec('catch', 'handled', 'catch_body')
      .exec('finally', 'cleanup', 'finally_body')
      .exec('try', 'after');

  it('runs body, Finally, then exec_out when nothing fails', () => {
    const result = run(tryGraph());
    expect(result.path).toEqual(['try', 'a', 'b', 'finally', 'cleanup', 'after']);
    expect(result.state.outputs.finally).toEqual({ had_error: false });
  });

  it('does not auto-start paired Catch/Finally nodes', () => {
    expect(new ExecutionOrchestrator(tryGraph().load()).startNodes()).toEqual(['try']);
    const pairedFromCatch = workflowDoc()
      .node('try', 'TryNode')
      .node('c', 'CatchNode', { paired_try_id: 'try' })
      .node('f', 'FinallyNode', { paired_try_id: 'try' });
    expect(new ExecutionOrchestrator(pairedFromCatch.load()).startNodes()).toEqual(['try']);
    const unpaired = workflowDoc().node('c', 'CatchNode');
    expect(new ExecutionOrchestrator(unpaired.load()).startNodes()).toEqual(['c']);
  });

  it('routes an error in the body to Catch, then Finally, then exec_out', () => {
    const result = run(tryGraph(), { failing: ['a'] });
    expect(result.path).toEqual(['try', 'a', 'catch', 'handled', 'finally', 'cleanup', 'after']);
    expect(result.state.status).toBe('completed');
    expect(result.state.outputs.catch).toEqual({ error_message: 'a failed', error_type: 'Error' });
    expect(result.state.outputs.finally).toEqual({ had_error: true });
  });

  it('hands the error to Catch and Finally through the control context', () => {
    const seen: Record<string, NodeError | undefined> = {};
    run(tryGraph(), {
      failing: ['a'],
      script: (step) => {
        if (step.nodeType === 'CatchNode' || step.nodeType === 'FinallyNode') seen[step.nodeId] = step.control.handlingError;
        return undefined;
      },
    });
    expect(seen).toEqual({ catch: failure('a'), finally: failure('a') });
  });

  it('runs Finally and fails the run when the Catch body fails', () => {
    const result = run(tryGraph(), { failing: ['a', 'handled'] });
    expect(result.path).toEqual(['try', 'a', 'catch', 'handled', 'finally', 'cleanup']);
    expect(result.state.status).toBe('failed');
    expect(result.state.error).toEqual(failure('handled'));
  });

  it('runs Finally, then propagates the error out of a Try with only Finally', () => {
    const builder = workflowDoc().tryBlock('try', { finallyId: 'finally' }).nodesOf('LogNode', 'a', 'after').exec('try', 'a', 'try_body').exec('try', 'after');
    const result = run(builder, { failing: ['a'] });
    expect(result.path).toEqual(['try', 'a', 'finally']);
    expect(result.state).toMatchObject({ status: 'failed', error: failure('a'), cursor: [], frames: [] });
  });

  it('lets an outer Try catch what an inner Try with only Finally rethrows', () => {
    const builder = workflowDoc()
      .tryBlock('outer', { catchId: 'outer_catch' })
      .tryBlock('inner', { finallyId: 'inner_finally' })
      .nodesOf('LogNode', 'a', 'after')
      .exec('outer', 'inner', 'try_body')
      .exec('inner', 'a', 'try_body')
      .exec('outer', 'after');
    const result = run(builder, { failing: ['a'] });
    expect(result.path).toEqual(['outer', 'inner', 'a', 'inner_finally', 'outer_catch', 'after']);
    expect(result.state.status).toBe('completed');
  });

  it('unwinds loops inside a Try when their body fails', () => {
    const builder = workflowDoc()
      .tryBlock('try', { catchId: 'catch' })
      .forLoop('loop', 'loop_end', { items: [1, 2, 3] }, ['work'])
      .exec('try', 'loop', 'try_body')
      .node('after', 'LogNode')
      .exec('try', 'after');
    const result = run(builder, { script: (step) => (step.nodeId === 'work' && step.visits === 1 ? { outputs: {}, error: failure('work') } : undefined) });
    expect(result.path).toEqual(['try', 'loop', 'work', 'loop_end', 'loop', 'work', 'catch', 'after']);
    expect(result.state.frames).toEqual([]);
  });

  it('uses exec_out as the body when try_body is not connected, and then does not continue after the block', () => {
    const builder = workflowDoc().tryBlock('try', { catchId: 'catch' }).nodesOf('LogNode', 'a', 'b', 'x').chain('try', 'a', 'b').exec('catch', 'x');
    expect(run(builder).path).toEqual(['try', 'a', 'b']);
    expect(run(builder, { failing: ['a'] }).path).toEqual(['try', 'a', 'catch', 'x']);
  });

  it('passes Catch and Finally reached by plain flow through exec_out, running Finally once', () => {
    // The v1 habit: Try -> work -> Catch -> Finally -> next, all on exec_out.
    const builder = workflowDoc()
      .tryBlock('try', { catchId: 'catch', finallyId: 'finally' })
      .nodesOf('LogNode', 'work', 'next')
      .chain('try', 'work', 'catch', 'finally', 'next');
    expect(run(builder).path).toEqual(['try', 'work', 'catch', 'finally', 'next']);
    const failed = run(builder, { failing: ['work'] });
    expect(failed.path).toEqual(['try', 'work', 'catch', 'finally', 'next']);
    expect(failed.state.outputs.finally).toEqual({ had_error: true });
  });

  it('passes unpaired Catch and Finally through, as batch 7.2 does', () => {
    const builder = workflowDoc().nodesOf('LogNode', 'set', 'log').node('try', 'TryNode').node('catch', 'CatchNode').node('finally', 'FinallyNode');
    builder.chain('try', 'set', 'catch', 'finally', 'log');
    expect(run(builder).path).toEqual(['try', 'set', 'catch', 'finally', 'log']);
  });
});

describe('ExecutionOrchestrator: failures outside Try', () => {
  const chain = () => workflowDoc().nodesOf('LogNode', 'a', 'b', 'c').chain('a', 'b', 'c');

  it('fails the run with the node error', () => {
    const result = run(chain(), { failing: ['b'] });
    expect(result.path).toEqual(['a', 'b']);
    expect(result.state).toMatchObject({ status: 'failed', error: failure('b'), cursor: [] });
    expect(new ExecutionOrchestrator(chain().load()).current(result.state)).toBeUndefined();
  });

  it('continues on exec_out of the failing node when stop_on_error is false', () => {
    const result = run(chain().settings({ stop_on_error: false }), { failing: ['b'] });
    expect(result.path).toEqual(['a', 'b', 'c']);
    expect(result.state).toMatchObject({ status: 'completed', error: null });
  });

  it('lets the enclosing flow go on when an error escapes a Try and stop_on_error is false', () => {
    const builder = workflowDoc()
      .settings({ stop_on_error: false })
      .nodesOf('LogNode', 'first', 'a', 'second')
      .tryBlock('try', { finallyId: 'finally' })
      .exec('first', 'try')
      .exec('first', 'second')
      .exec('try', 'a', 'try_body');
    expect(run(builder, { failing: ['a'] }).path).toEqual(['first', 'try', 'a', 'finally', 'second']);
  });
});

describe('ExecutionOrchestrator: state', () => {
  const outcome: NodeOutcome = {
    outputs: { port: [1, { x: 'y' }] },
    variables: { v: 2 },
    resources: { 'browser:main': { url: 'http://localhost/' }, old: null },
    logs: ['line'],
  };

  it('folds an outcome without touching the previous state', () => {
    const state: ExecutionState = {
      ...new ExecutionOrchestrator(workflowDoc().node('n', 'LogNode').load()).start('r', { v: 1, w: 0 }),
      resources: { old: 'gone soon', kept: true },
      logs: ['earlier'],
    };
    const before = JSON.stringify(state);
    const after = applyOutcome(deepFreeze(state), 'n', outcome);
    expect(JSON.stringify(state)).toBe(before);
    expect(after).toMatchObject({
      outputs: { n: { port: [1, { x: 'y' }] } },
      variables: { v: 2, w: 0 },
      resources: { kept: true, 'browser:main': { url: 'http://localhost/' } },
      logs: ['earlier', 'line'],
      stepCount: 1,
    });
    expect(Object.hasOwn(after.resources, 'old')).toBe(false);
  });

  it('routes from a frozen state and round-trips every state of a run through JSON', () => {
    const builder = workflowDoc()
      .tryBlock('try', { catchId: 'catch', finallyId: 'finally' })
      .forLoop('loop', 'loop_end', { items: [1, 2] }, ['work'])
      .exec('try', 'loop', 'try_body');
    const workflow = builder.load();
    const orchestrator = new ExecutionOrchestrator(workflow);
    let state = deepFreeze(orchestrator.start('r'));
    for (let node = orchestrator.current(state); node; node = orchestrator.current(state)) {
      const next = orchestrator.next(
        state,
        node,
        node === 'work'
          ? { outputs: {}, error: failure('work') }
          : defaultOutcome({
              nodeId: node,
              nodeType: workflow.node(node).type,
              config: workflow.node(node).config,
              control: orchestrator.controlContext(state, node),
              state,
              visits: 0,
              connectedPorts: [],
            }),
      );
      expect(executionStateSchema.parse(JSON.parse(JSON.stringify(next)))).toEqual(next);
      state = deepFreeze(next);
    }
    expect(state.status).toBe('completed');
  });

  it('refuses to route a node that is not due, or a run that is over', () => {
    const orchestrator = new ExecutionOrchestrator(workflowDoc().nodesOf('LogNode', 'a', 'b').chain('a', 'b').load());
    const state = orchestrator.start('r');
    expect(() => orchestrator.next(state, 'b', { outputs: {} })).toThrow(RoutingError);
    const done = orchestrator.next(orchestrator.next(state, 'a', { outputs: {} }), 'b', { outputs: {} });
    expect(done.status).toBe('completed');
    expect(() => orchestrator.next(done, 'b', { outputs: {} })).toThrow(RoutingError);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
