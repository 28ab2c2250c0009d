import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, type NodeExecutionBuilder } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const run = (builder: NodeExecutionBuilder) => catalog.execute(builder.build());

describe('SetVariableNode', () => {
  it('writes the variable and outputs the value', async () => {
    expect(await run(aNodeExecution('SetVariableNode').withConfig({ variable_name: 'my_list', value: [1, 2, 3] }))).toEqual({
      outputs: { value: [1, 2, 3] },
      variables: { my_list: [1, 2, 3] },
    });
  });

  it('converts to a declared variable_type', async () => {
    expect((await run(aNodeExecution('SetVariableNode').withConfig({ variable_name: 'n', value: '42', variable_type: 'Integer' }))).variables).toEqual({
      n: 42,
    });
  });

  it('fails naming node and field when the name is missing or of the wrong type', async () => {
    await expect(run(aNodeExecution('SetVariableNode').withId('set_x').withConfig({ value: 1 }))).rejects.toThrow('nodes.set_x.config.variable_name: required');
    await expect(
      run(
        aNodeExecution('SetVariableNode')
          .withId('set_x')
          .withConfig({ variable_name: ['x'] }),
      ),
    ).rejects.toThrow('nodes.set_x.config.variable_name: expected text, got a list');
  });

  it('fails on a value that cannot take the declared type', async () => {
    await expect(
      run(aNodeExecution('SetVariableNode').withId('set_x').withConfig({ variable_name: 'x', value: 'abc', variable_type: 'Integer' })),
    ).rejects.toThrow('nodes.set_x.config.value: expected a number, got "abc"');
  });
});

describe('GetVariableNode', () => {
  it('reads a variable', async () => {
    expect((await run(aNodeExecution('GetVariableNode').withConfig({ variable_name: 's' }).withVariables({ s: 'Hello' }))).outputs).toEqual({
      value: 'Hello',
      exists: true,
    });
  });

  it('gives the default for a missing variable', async () => {
    expect((await run(aNodeExecution('GetVariableNode').withConfig({ variable_name: 's', default_value: 0 }))).outputs).toEqual({ value: 0, exists: false });
  });
});

describe('IncrementVariableNode', () => {
  it('adds the increment to the variable', async () => {
    const outcome = await run(aNodeExecution('IncrementVariableNode').withConfig({ variable_name: 'my_int', increment: 10 }).withVariables({ my_int: 42 }));
    expect(outcome).toEqual({ outputs: { value: 52, previous: 42 }, variables: { my_int: 52 } });
  });

  it('starts a missing variable at 0 and increments by 1 by default', async () => {
    expect((await run(aNodeExecution('IncrementVariableNode').withConfig({ variable_name: 'c' }))).variables).toEqual({ c: 1 });
  });

  it('fails on a variable that is not a number', async () => {
    await expect(run(aNodeExecution('IncrementVariableNode').withId('inc').withConfig({ variable_name: 'c' }).withVariables({ c: 'x' }))).rejects.toThrow(
      'nodes.inc.config.variable_name: variable "c" holds "x", not a number',
    );
  });
});
