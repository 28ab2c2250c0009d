import { executeWorkflowInputSchema } from '@casare-rpa/application';
import type { Json, JsonObject } from '@casare-rpa/domain';

/** What a run was started with, as far as people care: which workflow, from which file, with which variables. */
export interface RecordedInput {
  /** The workflow's own name (`metadata.name` of its document), when it has one. */
  readonly workflowName?: string;
  /** The file the run was started from, as the user typed it. */
  readonly source?: string;
  /** The `--var` values it was started with. */
  readonly inputs: JsonObject;
  /** The workflow document itself. */
  readonly document?: Json;
}

/** Reads a casare run's recorded input; an input of another shape (not a casare run) gives an empty record. */
export function recordedInputOf(input: Json | undefined): RecordedInput {
  const parsed = executeWorkflowInputSchema.safeParse(input);
  if (!parsed.success) return { inputs: {} };
  const { document, source, inputs } = parsed.data;
  const metadata = isObject(document) ? document['metadata'] : undefined;
  const name = isObject(metadata) ? metadata['name'] : undefined;
  return {
    ...(typeof name === 'string' && name !== '' ? { workflowName: name } : {}),
    ...(source === undefined ? {} : { source }),
    inputs: inputs ?? {},
    document,
  };
}

/** `"Invoice robot" (examples/invoice-robot.json)`, or what is known of it. */
export function workflowLabelOf(recorded: RecordedInput): string | undefined {
  const name = recorded.workflowName === undefined ? undefined : JSON.stringify(recorded.workflowName);
  const file = recorded.source === undefined ? undefined : `(${recorded.source})`;
  return name === undefined && file === undefined ? undefined : [name, file].filter(Boolean).join(' ');
}

/**
 * How a new start request differs from the run recorded under the same id: another document, or
 * other variables. Empty when they agree. Never prints a variable's value, only its name: a value
 * may be sensitive.
 */
export function differencesOf(recorded: RecordedInput, given: { readonly document: Json; readonly source: string; readonly inputs: JsonObject }): string[] {
  const differences: string[] = [];
  if (recorded.document !== undefined && canonical(recorded.document) !== canonical(given.document)) {
    const was = recorded.source === undefined ? 'another workflow' : `${recorded.source}${recorded.workflowName ? ` ("${recorded.workflowName}")` : ''}`;
    differences.push(`it ran ${was}, not the ${given.source} given now${recorded.source === given.source ? ' (the file has changed since)' : ''}`);
  }
  const names = [...new Set([...Object.keys(recorded.inputs), ...Object.keys(given.inputs)])];
  const changed = names.filter(
    (name) =>
      canonical(recorded.inputs[name] ?? null) !== canonical(given.inputs[name] ?? null) ||
      Object.hasOwn(recorded.inputs, name) !== Object.hasOwn(given.inputs, name),
  );
  if (changed.length > 0) differences.push(`its --var values differ from the ones given now for: ${changed.join(', ')}`);
  return differences;
}

/** JSON text with object keys sorted, so equal documents compare equal whatever their key order. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key] ?? null)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
