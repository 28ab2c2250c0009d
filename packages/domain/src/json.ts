/** A JSON value: what a checkpoint, an event or a variable may hold. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: Json };

/** True for an object literal or `Object.create(null)`: not an array, class instance, Date or Map. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * True when `value` is exactly a JSON value: finite numbers, plain objects, dense arrays, no cycles.
 * Iterative, so a deeply nested value cannot overflow the stack.
 */
export function isJson(value: unknown): value is Json {
  // Containers on the current path, to tell a cycle from a value shared by two parents (which is fine).
  const onPath = new Set<object>();
  const stack: Array<{ readonly value: unknown; readonly exit: boolean }> = [{ value, exit: false }];
  while (stack.length > 0) {
    const { value: current, exit } = stack.pop()!;
    if (exit) {
      onPath.delete(current as object);
      continue;
    }
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return false;
      continue;
    }
    let children: unknown[];
    if (Array.isArray(current)) {
      children = [];
      for (let index = 0; index < current.length; index++) {
        if (!Object.hasOwn(current, index)) return false;
        children.push(current[index]);
      }
    } else if (isPlainObject(current)) {
      children = Object.values(current);
    } else {
      return false;
    }
    if (onPath.has(current)) return false;
    onPath.add(current);
    stack.push({ value: current, exit: true });
    for (const child of children) stack.push({ value: child, exit: false });
  }
  return true;
}

/** True when `value` is a plain object whose values are all JSON. */
export function isJsonObject(value: unknown): value is JsonObject {
  return isPlainObject(value) && isJson(value);
}

/**
 * `value` with every -0 turned into 0, as a JSON round trip would: the same reference when there is
 * none (the usual case), so folding an outcome stays cheap. Keeps a fresh run and a replay from a
 * checkpoint in exactly the same state.
 */
export function normalizeJson<T extends Json>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Object.is(current, -0)) return JSON.parse(JSON.stringify(value)) as T;
    if (typeof current === 'object' && current !== null) for (const child of Object.values(current) as unknown[]) stack.push(child);
  }
  return value;
}
