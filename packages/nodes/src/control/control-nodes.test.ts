import type { JsonObject, NodeError } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, type NodeExecutionBuilder } from '../testing/node-execution-builder.js';
import { AssertionFailedError } from './control-nodes.js';

const catalog = createNodeCatalog();
const run = (builder: NodeExecutionBuilder) => catalog.execute(builder.build());

const anError: NodeError = { nodeId: 'fetch', code: 'HTTP_FAILED', message: 'connection refused', type: 'HttpRequestError', attempts: 3 };

describe('IfNode', () => {
  it('chooses the true port for a true condition', async () => {
    expect(await run(aNodeExecution('IfNode').withConfig({ condition: true }))).toEqual({ outputs: { result: true }, ports: ['true'] });
  });

  it('evaluates a text condition after templates resolved, names as variables', async () => {
    expect((await run(aNodeExecution('IfNode').withConfig({ condition: '2 < 3' }))).ports).toEqual(['true']);
    expect((await run(aNodeExecution('IfNode').withConfig({ condition: 'a and not b' }).withVariables({ a: true, b: true }))).ports).toEqual(['false']);
  });

  it('evaluates the raw condition in the executor scope when there is one, keeping value types', async () => {
    const builder = aNodeExecution('IfNode').withRawConfig({ condition: "{{name}} == 'bob'" }).withConfig({ condition: "bob == 'bob'" });
    const execution = { ...builder.build(), scope: { variables: { name: 'bob' }, outputs: {} } };
    expect((await catalog.execute(execution)).ports).toEqual(['true']);
  });

  it('is false for an absent condition', async () => {
    expect((await run(aNodeExecution('IfNode').withConfig({}))).ports).toEqual(['false']);
  });

  it('names node and field for a condition that does not parse', async () => {
    await expect(run(aNodeExecution('IfNode').withId('check').withConfig({ condition: '1 <' }))).rejects.toThrow(/^nodes\.check\.config\.condition: /);
  });
});

describe('SwitchNode', () => {
  const switchOn = (value: string, ports: string[]) =>
    run(
      aNodeExecution('SwitchNode')
        .withConfig({ value, cases: ['option_a', 'option_b'] })
        .withConnectedPorts(ports),
    );

  it('chooses case_<index> when the ports are named by position', async () => {
    expect((await switchOn('option_b', ['case_0', 'case_1', 'default'])).ports).toEqual(['case_1']);
  });

  it('prefers case_<value> when that port is connected', async () => {
    expect((await switchOn('option_b', ['case_option_b', 'case_1'])).ports).toEqual(['case_option_b']);
  });

  it('falls back to default', async () => {
    expect((await switchOn('other', ['case_0', 'case_1', 'default'])).ports).toEqual(['default']);
  });

  it('accepts comma-separated cases', async () => {
    const outcome = await run(aNodeExecution('SwitchNode').withConfig({ value: 'b', cases: 'a, b' }).withConnectedPorts(['case_1']));
    expect(outcome.ports).toEqual(['case_1']);
    expect(outcome.outputs).toMatchObject({ matched: true, case_index: 1 });
  });
});

describe('ForLoopStartNode', () => {
  const loop = (iteration: number, config: JsonObject = { items: ['A', 'B'] }) =>
    run(aNodeExecution('ForLoopStartNode').withConfig(config).atIteration(iteration));

  it('enters the body with the current item and records the iteration', async () => {
    const outcome = await loop(1);
    expect(outcome).toMatchObject({ ports: ['body'], iteration: 1, outputs: { current_item: 'B', current_index: 1, is_last: true } });
  });

  it('completes after the last item, keeping the last item visible', async () => {
    const outcome = await loop(2);
    expect(outcome.ports).toEqual(['completed']);
    expect(outcome.iteration).toBeUndefined();
    expect(outcome.outputs).toMatchObject({ current_item: 'B', completed: true, total: 2 });
  });

  it('iterates a range', async () => {
    const outcome = await run(aNodeExecution('ForLoopNode').withConfig({ start: 10, end: 20, step: 5 }).atIteration(1));
    expect(outcome.outputs).toMatchObject({ current_item: 15, total: 2 });
  });

  it('iterates dictionary entries and JSON list text', async () => {
    expect((await loop(0, { items: { k: 1 } })).outputs['current_item']).toEqual({ key: 'k', value: 1 });
    expect((await loop(1, { items: '[1, 2]' })).outputs['current_item']).toBe(2);
  });

  it('completes at once for an empty list', async () => {
    expect((await loop(0, { items: [] })).ports).toEqual(['completed']);
  });
});

describe('WhileLoopStartNode', () => {
  it('enters the body while the condition holds', async () => {
    const outcome = await run(aNodeExecution('WhileLoopStartNode').withConfig({ condition: '0 < 3' }).atIteration(0));
    expect(outcome).toMatchObject({ ports: ['body'], iteration: 0 });
  });

  it('completes when the condition fails', async () => {
    expect((await run(aNodeExecution('WhileLoopStartNode').withConfig({ condition: '3 < 3' }).atIteration(3))).ports).toEqual(['completed']);
  });

  it('stops at max_iterations with a warning', async () => {
    const builder = aNodeExecution('WhileLoopStartNode').withConfig({ condition: true, max_iterations: 5 }).atIteration(5);
    const outcome = await run(builder);
    expect(outcome).toMatchObject({ ports: ['completed'], outputs: { max_reached: true } });
    expect(builder.logger.lines[0]).toMatch(/^warn: /);
  });
});

describe('Try, Catch, Finally', () => {
  it('Catch outputs the handled error', async () => {
    const outcome = await run(aNodeExecution('CatchNode').handling(anError));
    expect(outcome.outputs).toEqual({ error_message: 'connection refused', error_type: 'HttpRequestError', error_code: 'HTTP_FAILED', error_node: 'fetch' });
  });

  it('Catch reached by plain flow outputs empty error fields', async () => {
    expect((await run(aNodeExecution('CatchNode'))).outputs['error_message']).toBe('');
  });

  it('Finally says whether there was an error', async () => {
    expect((await run(aNodeExecution('FinallyNode').handling(anError))).outputs['had_error']).toBe(true);
    expect((await run(aNodeExecution('FinallyNode'))).outputs['had_error']).toBe(false);
  });

  it.each(['TryNode', 'StartNode', 'EndNode', 'MergeNode', 'CommentNode', 'ForLoopEndNode', 'WhileLoopEndNode', 'BreakNode', 'ContinueNode'])(
    '%s only passes control on',
    async (type) => {
      expect(await run(aNodeExecution(type).withConfig({ paired_start_id: 'x', comment: 'hi' }))).toEqual({ outputs: {} });
    },
  );
});

describe('AssertNode', () => {
  it('passes when the condition holds', async () => {
    expect((await run(aNodeExecution('AssertNode').withConfig({ condition: 'true' }))).outputs).toEqual({ passed: true, result: true });
  });

  it('fails the node, naming it, when the condition is false', async () => {
    const failing = run(aNodeExecution('AssertNode').withId('check_total').withConfig({ condition: '1 > 2', message: 'total too small' }));
    await expect(failing).rejects.toThrow(AssertionFailedError);
    await expect(run(aNodeExecution('AssertNode').withId('check_total').withConfig({ condition: false, message: 'total too small' }))).rejects.toMatchObject({
      code: 'ASSERTION_FAILED',
      nodeId: 'check_total',
      message: 'nodes.check_total: assertion failed: total too small',
    });
  });
});
