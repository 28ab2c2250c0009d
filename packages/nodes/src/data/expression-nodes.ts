import { ExpressionError, evaluateExpression, type Json, type TemplateScope } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { isJsonArray, isJsonObject } from '../catalog/config-schema.js';

function typeName(value: Json): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (isJsonArray(value)) return 'list';
  return isJsonObject(value) ? 'dict' : 'unknown';
}

const evalExpressionNode = defineNode({
  types: ['EvalExpressionNode', 'EvaluateExpressionNode'],
  effect: 'pure',
  config: z.looseObject({ expression: anyValue() }),
  ports: { inputs: ['expression'], outputs: ['result', 'type', 'success', 'error'] },
  // v1 ran Python's eval; here the expression is the engine's own condition language (arithmetic,
  // comparisons, and/or/not, `in`, lists, {{references}} keeping their type): no eval, no globals.
  // The raw config is evaluated in the run's scope so `{{a}} + {{b}}` adds numbers, not texts.
  run: (config, execution) => {
    const raw = execution.node.config.expression;
    const fromInput = Object.hasOwn(execution.inputs, 'expression');
    const useRaw = !fromInput && execution.scope !== undefined && typeof raw === 'string';
    const source = useRaw ? raw : config.expression;
    if (typeof source !== 'string') return { outputs: { result: source, type: typeName(source), success: true, error: '' } };
    if (source.trim() === '') throw new ConfigFieldError('expression', 'must not be empty');
    const scope: TemplateScope = useRaw && execution.scope ? execution.scope : { variables: execution.variables, outputs: {} };
    try {
      const result = evaluateExpression(source, scope);
      return { outputs: { result, type: typeName(result), success: true, error: '' } };
    } catch (error) {
      if (error instanceof ExpressionError) throw new ConfigFieldError('expression', error.message);
      throw error;
    }
  },
});

/** EvalExpressionNode / EvaluateExpressionNode on the safe expression language. */
export const expressionNodeHandlers: readonly CatalogNodeHandler[] = [evalExpressionNode];
