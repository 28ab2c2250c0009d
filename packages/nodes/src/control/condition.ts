import type { NodeExecution } from '@casare-rpa/application';
import { ExpressionError, evaluateCondition, type Json } from '@casare-rpa/domain';
import { ConfigFieldError } from '../catalog/node-config-error.js';

/**
 * Whether a resolved condition holds. Templates were resolved before the step (`"{{counter}} < 3"`
 * arrives as `"2 < 3"`, `"{{flag}}"` as `true`), so only text still needs the expression
 * evaluator; bare names in it (`"a and not b"`) are run variables.
 */
export function conditionHolds(value: Json, field: string, execution: NodeExecution): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  const expression = value.trim();
  if (expression === '') return false;
  try {
    return evaluateCondition(expression, { variables: execution.variables, outputs: {} });
  } catch (error) {
    if (error instanceof ExpressionError) throw new ConfigFieldError(field, error.message);
    throw error;
  }
}
