import type { Json } from '@casare-rpa/domain';
import { UsageError } from './errors.js';

/**
 * Turns `--var name=value` flags into run inputs. A value that is valid JSON keeps its JSON type
 * (`--var count=3` is a number, `--var tags=["a"]` a list); anything else is a string, so
 * `--var name=Alice` needs no quoting. A later flag for the same name wins.
 */
export function parseVariableAssignments(assignments: readonly string[], command = 'run'): Record<string, Json> {
  const variables: Record<string, Json> = {};
  for (const [name, text] of splitAssignments(assignments, command)) setKey(variables, name, parseJsonOrText(text));
  return variables;
}

/** What `typedRunInputs` needs to know of a declared variable: its declared type name. */
export interface DeclaredVariable {
  /** v1 type name (`String`, `Integer`, `Float`, `Boolean`, `List`, `Dict`, `Any`...). */
  readonly type: string;
}

/**
 * The `--var` flags of a command read against the workflow's declared variables, before a run is
 * started: each value is read as its declared type (`--var name=007` stays text for a String,
 * `--var wait_seconds=abc` is refused for a Float), and a name the workflow does not declare is
 * refused, so a typo does not run the workflow with its default. Every problem is reported in one
 * `UsageError` of `command`. It lives in the CLI, not in application: it reads command-line text;
 * a caller that has JSON inputs (a webhook) has no text to read.
 */
export function typedRunInputs(assignments: readonly string[], declared: ReadonlyMap<string, DeclaredVariable>, command = 'run'): Record<string, Json> {
  const inputs: Record<string, Json> = {};
  const problems: string[] = [];
  const undeclared: string[] = [];
  for (const [name, text] of splitAssignments(assignments, command)) {
    const declaration = declared.get(name);
    if (declaration === undefined) {
      if (!undeclared.includes(name)) undeclared.push(name);
      continue;
    }
    const read = readAsType(text, declaration.type);
    if ('problem' in read) problems.push(`--var ${name}=${text}: ${name} is declared ${declaration.type}: ${read.problem}`);
    else setKey(inputs, name, read.value);
  }
  if (undeclared.length > 0) {
    const names = [...declared.keys()];
    problems.push(
      `${undeclared.map((name) => `--var ${name}`).join(', ')}: the workflow declares no such variable (${names.length === 0 ? 'it declares none' : `declared: ${names.join(', ')}`})`,
    );
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n  '), command);
  return inputs;
}

/** `name=value` pairs in order; an assignment without a name is a usage error. */
function splitAssignments(assignments: readonly string[], command: string): [string, string][] {
  return assignments.map((assignment) => {
    const separator = assignment.indexOf('=');
    const name = separator > 0 ? assignment.slice(0, separator).trim() : '';
    if (name === '') throw new UsageError(`--var "${assignment}" is not name=value (e.g. --var wait_seconds=2)`, command);
    return [name, assignment.slice(separator + 1)];
  });
}

// defineProperty, not assignment: `--var __proto__=...` must be a plain key, never a prototype.
function setKey(target: Record<string, Json>, name: string, value: Json): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/** A command-line text read as a v1 declared type; unknown type names keep the JSON-or-text reading. */
function readAsType(text: string, type: string): { value: Json } | { problem: string } {
  const got = `got ${JSON.stringify(text)}`;
  switch (type.trim().toLowerCase()) {
    case 'string':
    case 'str':
    case 'text':
      return { value: text };
    case 'float':
    case 'number':
    case 'double':
    case 'decimal':
      return NUMBER.test(text.trim()) ? { value: Number(text.trim()) } : { problem: `expected a number, ${got}` };
    case 'integer':
    case 'int':
      return NUMBER.test(text.trim()) && Number.isSafeInteger(Number(text.trim()))
        ? { value: Number(text.trim()) }
        : { problem: `expected a whole number, ${got}` };
    case 'boolean':
    case 'bool': {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { value: true };
      if (FALSE_WORDS.has(word)) return { value: false };
      return { problem: `expected true or false, ${got}` };
    }
    case 'list':
    case 'array': {
      const value = parseJsonOrText(text);
      return Array.isArray(value) ? { value } : { problem: `expected a JSON list such as ["a","b"], ${got}` };
    }
    case 'dict':
    case 'dictionary':
    case 'object': {
      const value = parseJsonOrText(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? { value } : { problem: `expected a JSON object such as {"key":1}, ${got}` };
    }
    default:
      return { value: parseJsonOrText(text) };
  }
}

function parseJsonOrText(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}
