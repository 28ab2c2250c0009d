import type { Json } from '@casare-rpa/domain';
import { UsageError } from './errors.js';

/**
 * Turns `--var name=value` flags into run inputs. A value that is valid JSON keeps its JSON type
 * (`--var count=3` is a number, `--var tags=["a"]` a list); anything else is a string, so
 * `--var name=Alice` needs no quoting. A later flag for the same name wins.
 */
export function parseVariableAssignments(assignments: readonly string[], command = 'run'): Record<string, Json> {
  const variables: Record<string, Json> = {};
  for (const assignment of assignments) {
    const separator = assignment.indexOf('=');
    const name = separator > 0 ? assignment.slice(0, separator).trim() : '';
    if (name === '') {
      throw new UsageError(`--var "${assignment}" is not name=value (e.g. --var wait_ms=500)`, command);
    }
    // defineProperty, not assignment: `--var __proto__=...` must be a plain key, never a prototype.
    Object.defineProperty(variables, name, { value: parseValue(assignment.slice(separator + 1)), enumerable: true, writable: true, configurable: true });
  }
  return variables;
}

function parseValue(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}
