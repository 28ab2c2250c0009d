import { ConfigFieldError } from '../catalog/node-config-error.js';

/** Regex options a node may set. */
export interface RegexOptions {
  readonly ignoreCase?: boolean;
  readonly multiline?: boolean;
  readonly dotAll?: boolean;
  readonly global?: boolean;
}

/**
 * Compiles a v1 (Python `re`) pattern as a JavaScript RegExp: named groups `(?P<name>...)` and a
 * leading `(?i)`/`(?m)`/`(?s)` flag group are translated; a pattern that still does not compile is
 * a config error on `field`.
 */
export function compilePattern(pattern: string, options: RegexOptions, field = 'pattern'): RegExp {
  let source = pattern.replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>').replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>');
  let flags = options.global ? 'gu' : 'u';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline?.[1]) {
    source = source.slice(inline[0].length);
    if (inline[1].includes('x')) throw new ConfigFieldError(field, 'verbose (?x) patterns are not supported');
    for (const flag of inline[1]) if (!flags.includes(flag)) flags += flag;
  }
  if (options.ignoreCase && !flags.includes('i')) flags += 'i';
  if (options.multiline && !flags.includes('m')) flags += 'm';
  if (options.dotAll && !flags.includes('s')) flags += 's';
  try {
    return new RegExp(source, flags);
  } catch {
    // Some Python patterns are invalid under the `u` flag only (e.g. needless escapes): try without it.
    try {
      return new RegExp(source, flags.replace('u', ''));
    } catch (error) {
      throw new ConfigFieldError(field, `invalid regular expression: ${(error as Error).message}`);
    }
  }
}

/** Translates a Python replacement (`\1`, `\g<name>`) into JavaScript's (`$1`, `$<name>`). */
export function pythonReplacement(replacement: string): string {
  return replacement
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\d+)>/g, '$$$1')
    .replace(/\\g<([A-Za-z_][A-Za-z0-9_]*)>/g, '$$<$1>')
    .replace(/\\(\d{1,2})/g, '$$$1');
}
