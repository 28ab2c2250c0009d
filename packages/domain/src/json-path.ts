/** One step of a JSON path: an object key or an array index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Formats a JSON path the way issues report it: `nodes.if_check.config`, `connections[3].target_node`.
 * A key that is not a plain identifier is quoted (`nodes["my node"]`) so the path stays unambiguous.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** A key that appears twice in the same object of a JSON text (JSON.parse silently keeps the last). */
export interface RepeatedKey {
  /** Path of the object holding the key. */
  readonly parent: readonly PathSegment[];
  /** The repeated key. */
  readonly key: string;
}

/** What `scanJsonText` finds that `JSON.parse` hides. */
export interface JsonTextFacts {
  /** Keys repeated within one object, for objects at most `maxDepth` levels deep. */
  readonly repeatedKeys: readonly RepeatedKey[];
  /** Keys of the top-level `nodes` object in text order (JSON.parse puts integer-like keys first). */
  readonly nodeOrder: readonly string[] | undefined;
}

interface Container {
  readonly kind: 'object' | 'array';
  /** Path of this container; undefined below the tracked depth. */
  readonly path: readonly PathSegment[] | undefined;
  readonly keys: Set<string>;
  expectKey: boolean;
  key: string;
  index: number;
}

/**
 * Scans a JSON text that `JSON.parse` already accepted, for facts the parsed value no longer shows.
 * Iterative (no recursion), linear in the text length.
 */
export function scanJsonText(text: string, maxDepth = 2): JsonTextFacts {
  const repeatedKeys: RepeatedKey[] = [];
  let nodeOrder: string[] | undefined;
  const stack: Container[] = [];
  for (let position = 0; position < text.length; position++) {
    const char = text[position];
    if (char === '{' || char === '[') {
      const parent = stack.at(-1);
      let path: readonly PathSegment[] | undefined;
      if (!parent) path = [];
      else if (parent.path && stack.length <= maxDepth) path = [...parent.path, parent.kind === 'object' ? parent.key : parent.index];
      stack.push({ kind: char === '{' ? 'object' : 'array', path, keys: new Set(), expectKey: char === '{', key: '', index: 0 });
      if (char === '{' && path?.length === 1 && path[0] === 'nodes') nodeOrder = [];
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      const top = stack.at(-1);
      if (top?.kind === 'object') top.expectKey = true;
      else if (top) top.index++;
    } else if (char === '"') {
      const start = position;
      for (position++; position < text.length && text[position] !== '"'; position++) {
        if (text[position] === '\\') position++;
      }
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.expectKey) {
        top.expectKey = false;
        top.key = JSON.parse(text.slice(start, position + 1)) as string;
        if (!top.path) continue;
        if (top.keys.has(top.key)) repeatedKeys.push({ parent: top.path, key: top.key });
        else {
          top.keys.add(top.key);
          if (nodeOrder && top.path.length === 1 && top.path[0] === 'nodes' && stack.length === 2) nodeOrder.push(top.key);
        }
      }
    }
  }
  return { repeatedKeys, nodeOrder };
}
