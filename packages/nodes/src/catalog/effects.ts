import type { Json, WorkflowNode } from '@casare-rpa/domain';

/**
 * The raw config value of `field` when it is written out in the file: undefined when the field is
 * missing, holds a `{{template}}` or may arrive through a data input. Effects decided from config
 * must not guess at values only a run knows.
 */
export function literalConfig(node: WorkflowNode, field: string): Json | undefined {
  const value = node.config[field];
  if (typeof value === 'string' && value.includes('{{')) return undefined;
  return value;
}

/** True when the raw config leaves `field` out or sets it to `expected` literally (its default then must be `expected`). */
export function literallyDefaultOr(node: WorkflowNode, field: string, expected: Json): boolean {
  if (!(field in node.config)) return true;
  return literalConfig(node, field) === expected;
}
