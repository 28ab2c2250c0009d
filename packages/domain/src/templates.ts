import { evaluateExpression, truthy } from './expression.js';
import { isPlainObject, type Json } from './json.js';
import { KEEP, renderTemplate, resolveReference, type TemplateScope } from './references.js';

export type { TemplateScope } from './references.js';

/**
 * Resolves `{{var}}`, `{{node.port}}`, `{{a.b[0]}}` in a value, deeply. A string that is exactly one
 * reference keeps the referenced value's type; inside a longer string it is rendered as text.
 * An unknown reference resolves to null (whole value) or '' (inside text). Never reaches prototypes.
 * Text between braces that is not a reference (`{{ a + b }}`) is left as it is. Never throws.
 */
export function resolveTemplates(value: Json, scope: TemplateScope): Json {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return (value as readonly Json[]).map((item) => resolveTemplates(item, scope));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveTemplates(item, scope)]));
  }
  return value;
}

/** Evaluates a condition such as `"{{counter}} <= 3"` or `"a and not b"` to a boolean. Throws only `ExpressionError`. */
export function evaluateCondition(expression: Json, scope: TemplateScope): boolean {
  if (typeof expression !== 'string') return truthy(expression);
  // An unset condition is false rather than an error, as in the original.
  if (expression.trim() === '') return false;
  return truthy(evaluateExpression(expression, scope));
}

function resolveString(text: string, scope: TemplateScope): Json {
  if (!text.includes('{{')) return text;
  if (text.startsWith('{{') && text.indexOf('}}') === text.length - 2) {
    const resolved = resolveReference(text.slice(2, -2), scope);
    if (resolved === KEEP) return text;
    return resolved ?? null;
  }
  return renderTemplate(text, scope);
}
