import { isPlainObject, type Json } from './json.js';

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

/** One step of a reference path: a key (`.port`, `['key']`) or an array index (`[0]`, `[-1]`). */
export type ReferenceStep = { readonly key: string } | { readonly index: number };

/** A parsed `{{...}}` reference. */
export type Reference =
  { readonly kind: 'path'; readonly head: string; readonly steps: readonly ReferenceStep[] } | { readonly kind: 'secret'; readonly name: string };

const SECRET = /^\$secret:([\w.-]+)$/;
// A head or key segment: anything but whitespace, separators, braces and quotes, so node ids such as
// `if-check` or `step 2`-less names work without quoting.
const NAME = /^[^\s.[\]{}'"]+/;

/** Parses the text between `{{` and `}}`; undefined when it is not a reference. */
export function parseReference(text: string): Reference | undefined {
  const source = text.trim();
  const secret = SECRET.exec(source);
  if (secret) return { kind: 'secret', name: secret[1]! };
  const head = NAME.exec(source)?.[0];
  if (head === undefined) return undefined;
  const steps: ReferenceStep[] = [];
  let rest = source.slice(head.length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const key = NAME.exec(rest.slice(1))?.[0];
      if (key === undefined) return undefined;
      steps.push(/^-?\d+$/.test(key) ? { index: Number(key) } : { key });
      rest = rest.slice(1 + key.length);
      continue;
    }
    const bracket = /^\[\s*(?:(-?\d+)|'([^'\\]*)'|"([^"\\]*)")\s*\]/.exec(rest);
    if (!bracket) return undefined;
    steps.push(bracket[1] !== undefined ? { index: Number(bracket[1]) } : { key: bracket[2] ?? bracket[3] ?? '' });
    rest = rest.slice(bracket[0].length);
  }
  return { kind: 'path', head, steps };
}

/**
 * Value of a path reference, or undefined when it does not exist. A head that names a node with
 * recorded outputs reads those outputs, otherwise a variable; `$` heads read `specials`. Only own
 * properties are followed, so `constructor`, `__proto__` or `toString` never reach a prototype.
 */
export function lookupReference(scope: TemplateScope, reference: Extract<Reference, { kind: 'path' }>, roots: 'all' | 'variables' = 'all'): Json | undefined {
  const { head } = reference;
  let value: Json | undefined;
  if (roots === 'all' && head.startsWith('$')) value = ownValue(scope.specials, head);
  else if (roots === 'all' && scope.outputs && Object.hasOwn(scope.outputs, head)) value = scope.outputs[head];
  else value = ownValue(scope.variables, head);
  for (const step of reference.steps) {
    if (value === undefined) return undefined;
    value = stepInto(value, step);
  }
  return value;
}

function ownValue(record: Readonly<Record<string, Json>> | undefined, key: string): Json | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

function stepInto(value: Json, step: ReferenceStep): Json | undefined {
  if (Array.isArray(value)) {
    const list = value as readonly Json[];
    if (!('index' in step) || !Number.isSafeInteger(step.index)) return undefined;
    // Negative indexes count from the end, as in the Python original.
    const index = step.index < 0 ? list.length + step.index : step.index;
    return index >= 0 && index < list.length && Object.hasOwn(list, index) ? list[index] : undefined;
  }
  if (isPlainObject(value)) {
    const key = 'key' in step ? step.key : String(step.index);
    return Object.hasOwn(value, key) ? value[key] : undefined;
  }
  return undefined;
}

/** How a value reads inside text: strings as they are, null and unknown as '', lists and objects as JSON. */
export function renderText(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Marks `{{...}}` text that must stay as written: not a reference, or a secret with no resolver in scope. */
export const KEEP: unique symbol = Symbol('keep');

/** Resolves the text between `{{` and `}}`: its value, undefined when unknown, `KEEP` when not a reference. */
export function resolveReference(inner: string, scope: TemplateScope): Json | undefined | typeof KEEP {
  const reference = parseReference(inner);
  if (!reference) return KEEP;
  if (reference.kind === 'secret') return scope.secret ? scope.secret(reference.name) : KEEP;
  return lookupReference(scope, reference);
}

const REFERENCE = /\{\{(.*?)\}\}/gs;

/** Resolves the references inside a text, always giving text (what a quoted string in a condition needs). */
export function renderTemplate(text: string, scope: TemplateScope): string {
  return text.replace(REFERENCE, (whole, inner: string) => {
    const resolved = resolveReference(inner, scope);
    return resolved === KEEP ? whole : renderText(resolved);
  });
}
