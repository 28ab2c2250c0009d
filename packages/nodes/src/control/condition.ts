import type { NodeExecution } from '@casare-rpa/application';
import { ExpressionError, evaluateCondition, type Json, type TemplateScope } from '@casare-rpa/domain';
import { ConfigFieldError } from '../catalog/node-config-error.js';

/**
 * Whether the condition in `field` holds. When the executor provides the template scope, the raw
 * condition is evaluated there, so `"{{name}} == 'bob'"` compares typed values instead of the text
 * the template renders to. A value from a data input, or an execution without a scope, falls back
 * to the resolved value (`"{{counter}} < 3"` arrives as `"2 < 3"`); bare names in it are variables.
 */
export function conditionHolds(resolved: Json, field: string, execution: NodeExecution): boolean {
  const raw = execution.node.config[field];
  const fromInput = Object.hasOwn(execution.inputs, field);
  const useRaw = !fromInput && execution.scope !== undefined && typeof raw === 'string';
  const expression = useRaw ? (raw ?? null) : resolved;
  const scope: TemplateScope = useRaw && execution.scope ? execution.scope : { variables: execution.variables, outputs: {} };
  try {
    return evaluateCondition(expression, scope);
  } catch (error) {
    if (error instanceof ExpressionError) throw new ConfigFieldError(field, error.message);
    throw error;
  }
}
