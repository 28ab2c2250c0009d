import type { z } from 'zod';
import type { Json } from '@casare-rpa/domain';
import type { ConfigIssue } from './node-config-error.js';

/** Renders a zod issue path as a config field path: `headers.Accept`, `items[2]`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  let field = '';
  for (const key of path) {
    if (typeof key === 'number') field += `[${key}]`;
    else field += field === '' ? String(key) : `.${String(key)}`;
  }
  return field;
}

/** The value at a zod issue path inside `root`, or undefined. Never follows prototype keys. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (typeof key === 'symbol' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Short description of a value for an error message; long texts are cut so no payload leaks whole. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a dictionary';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}

/** Turns zod issues about `input` into config issues with short, stable messages. */
export function configIssuesOf(issues: readonly z.core.$ZodIssue[], input: unknown): ConfigIssue[] {
  return issues.map((issue) => {
    const value = valueAt(input, issue.path);
    const field = fieldOf(issue.path);
    if (value === undefined || value === null) {
      // A missing value only fails a schema that requires it.
      return { field, message: 'required' };
    }
    switch (issue.code) {
      case 'invalid_type':
        return { field, message: `expected ${issue.expected}, got ${describeValue(value)}` };
      case 'invalid_value':
        return { field, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(value)}` };
      default:
        // Our own field schemas word their messages "expected ..."; say what was found instead.
        return { field, message: issue.message.startsWith('expected ') ? `${issue.message}, got ${describeValue(value)}` : issue.message };
    }
  });
}

/** True when `value` is, or sits inside, a `{{template}}` text. */
function isTemplate(value: unknown): boolean {
  return typeof value === 'string' && value.includes('{{');
}

/**
 * Static validation of a raw config: a template may resolve to any value at run time, so an issue
 * whose path goes through a template text is not an issue yet.
 */
export function staticIssues(issues: readonly ConfigIssue[], zodIssues: readonly z.core.$ZodIssue[], raw: Json): ConfigIssue[] {
  return issues.filter((_, index) => {
    const path = zodIssues[index]?.path ?? [];
    for (let depth = 0; depth <= path.length; depth += 1) {
      if (isTemplate(valueAt(raw, path.slice(0, depth)))) return false;
    }
    return true;
  });
}
