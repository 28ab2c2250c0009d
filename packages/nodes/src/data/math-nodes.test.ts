import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const math = async (config: Record<string, unknown>) =>
  (
    await catalog.execute(
      aNodeExecution('MathOperationNode')
        .withId('m')
        .withConfig(config as never)
        .build(),
    )
  ).outputs['result'];
const compare = async (a: unknown, operator: string, b: unknown) =>
  (
    await catalog.execute(
      aNodeExecution('ComparisonNode')
        .withConfig({ a, b, operator } as never)
        .build(),
    )
  ).outputs['result'];

describe('MathOperationNode', () => {
  it.each([
    ['add', 10, 5, 15],
    ['subtract', 15, 3, 12],
    ['multiply', 12, 2, 24],
    ['divide', 24, 4, 6],
    ['floor_divide', 7, 2, 3],
    ['modulo', 17, 5, 2],
    ['modulo', -7, 3, 2],
    ['power', 2, 8, 256],
    ['min', 2, 8, 2],
    ['max', 2, 8, 8],
    ['abs', -2, null, 2],
    ['sqrt', 16, null, 4],
    ['length', 'Hello World', 0, 11],
    ['length', [1, 2], 0, 2],
    ['+', '10', '5', 15],
  ])('%s(%j, %j) = %j', async (operation, a, b, expected) => {
    expect(await math({ a, b, operation })).toBe(expected);
  });

  it('rounds to round_digits', async () => {
    expect(await math({ a: 10, b: 3, operation: 'divide', round_digits: 2 })).toBe(3.33);
  });

  it('writes output_var', async () => {
    const outcome = await catalog.execute(aNodeExecution('MathOperationNode').withConfig({ a: 1, b: 2, operation: 'add', output_var: 'total' }).build());
    expect(outcome.variables).toEqual({ total: 3 });
  });

  it('fails naming node and field on a non-number, division by zero and an unknown operation', async () => {
    await expect(math({ a: 'abc', b: 1, operation: 'add' })).rejects.toThrow('nodes.m.config.a: expected a number, got "abc"');
    await expect(math({ a: 1, b: 0, operation: 'divide' })).rejects.toThrow('nodes.m.config.b: division by zero');
    await expect(math({ a: 1, b: 1, operation: 'hypot' })).rejects.toThrow(/^nodes\.m\.config\.operation: expected one of "add"/);
  });
});

describe('ComparisonNode', () => {
  it.each([
    [10, '==', 10, true],
    ['10', '==', 10, true],
    [10, '!=', 5, true],
    [10, '>', 5, true],
    [3, '<', 7, true],
    [10, '>=', 10, true],
    [5, '<=', 10, true],
    ['b', '>', 'a', true],
    ['hello', 'contains', 'ell', true],
    ['x', 'in', ['x', 'y'], true],
    [[1, 2], '==', [1, 2], true],
    [75, 'greater_than', 50, true],
  ])('%j %s %j is %j', async (a, operator, b, expected) => {
    expect(await compare(a, operator, b)).toBe(expected);
  });
});
