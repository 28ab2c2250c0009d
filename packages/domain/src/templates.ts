import type { Json } from './json.js';

/** Where template references are looked up. */
export interface TemplateScope {
  /** Run variables by name. */
  readonly variables: Readonly<Record<string, Json>>;
  /** Node outputs by node id then port. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, Json>>>>;
  /** `$`-prefixed names (`$run.id`, `$node.idempotencyKey`), looked up as `specials['$run']`... */
  readonly specials?: Readonly<Record<string, Json>>;
  /** Resolves `{{$secret:NAME}}`; absent means secrets stay as their reference. */
  readonly secret?: (name: string) => string | undefined;
}

/**
 * Resolves `{{var}}`, `{{node.port}}`, `{{a.b[0]}}` in a value, deeply. A string that is exactly one
 * reference keeps the referenced value's type; inside a longer string it is rendered as text.
 * An unknown reference resolves to null (whole value) or '' (inside text). Never reaches prototypes.
 */
export function resolveTemplates(value: Json, scope: TemplateScope): Json {
  throw new Error(`not implemented ${JSON.stringify(value)} ${Object.keys(scope).join()}`);
}

/** Evaluates a condition such as `"{{counter}} <= 3"` or `"a and not b"` to a boolean. Throws only `ExpressionError`. */
export function evaluateCondition(expression: Json, scope: TemplateScope): boolean {
  throw new Error(`not implemented ${JSON.stringify(expression)} ${Object.keys(scope).join()}`);
}
