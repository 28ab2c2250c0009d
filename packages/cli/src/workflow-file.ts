import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorCodeOf } from '@casare-rpa/application';
import { UsageError } from './errors.js';

/** A workflow file read from disk, ready for validation. */
export interface WorkflowFile {
  /** Absolute path. */
  readonly path: string;
  /** The path as the user typed it, for messages. */
  readonly label: string;
  /**
   * The parsed document, or its raw text when it is not JSON (the validator then reports that as
   * an issue with the others, instead of the CLI inventing its own message).
   */
  readonly document: unknown;
}

/** Reads a workflow file; a missing or unreadable file is a `UsageError` saying what to do. */
export async function loadWorkflowFile(file: string, cwd: string, command: string): Promise<WorkflowFile> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errorCodeOf(error);
    if (code === 'ENOENT') throw new UsageError(`workflow file not found: ${file} (looked at ${path}; give the path of a workflow .json file)`, command);
    if (code === 'EISDIR') throw new UsageError(`${file} is a directory: give the path of a workflow .json file inside it`, command);
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, command);
  }
  let document: unknown = text;
  try {
    document = JSON.parse(text);
  } catch {
    // Left as text on purpose: see `document`.
  }
  return { path, label: file, document };
}
