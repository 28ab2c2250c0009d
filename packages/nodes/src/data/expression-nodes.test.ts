import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();

describe('EvalExpressionNode / EvaluateExpressionNode', () => {
  it('evaluates arithmetic and comparisons on typed values, without eval', async () => {
    const outcome = await catalog.execute(
      aNodeExecution('EvalExpressionNode').withConfig({ expression: 'price * qty + 1' }).withVariables({ price: 2.5, qty: 4 }).build(),
    );
    expect(outcome.outputs).toEqual({ result: 11, type: 'int', success: true, error: '' });
    const comparison = await catalog.execute(
      aNodeExecution('EvaluateExpressionNode').withConfig({ expression: "name == 'bob' and 3 in [1, 3]" }).withVariables({ name: 'bob' }).build(),
    );
    expect(comparison.outputs).toMatchObject({ result: true, type: 'bool' });
  });

  it('refuses what the language does not have, naming node and field', async () => {
    const run = catalog.execute(aNodeExecution('EvalExpressionNode').withId('x').withConfig({ expression: "__import__('os').system('id')" }).build());
    await expect(run).rejects.toThrow(/^nodes\.x\.config\.expression: /);
    await expect(catalog.execute(aNodeExecution('EvalExpressionNode').withId('x').withConfig({ expression: '  ' }).build())).rejects.toThrow(
      'nodes.x.config.expression: must not be empty',
    );
  });
});
