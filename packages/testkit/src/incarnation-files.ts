import { existsSync, readFileSync } from 'node:fs';
import type { ExecutionEvent } from '@casare-rpa/application';

// What a child-process incarnation of a contract scenario leaves behind for its harness: every real
// adapter's harness reads the same files.

/** Files one contract incarnation leaves behind, named from a prefix the harness chooses. */
export interface IncarnationFiles {
  /** The request the child reads. */
  readonly request: string;
  /** The crash report, written just before the SIGKILL. */
  readonly crash: string;
  /** Events, one JSON line each, appended as they are emitted. */
  readonly events: string;
  /** The whole report, written when the incarnation ended without a crash. */
  readonly report: string;
}

/** The files of the incarnation whose files start with `prefix`. */
export function incarnationFiles(prefix: string): IncarnationFiles {
  return { request: `${prefix}.request.json`, crash: `${prefix}.crash.json`, events: `${prefix}.events.jsonl`, report: `${prefix}.report.json` };
}

/** The events a (possibly killed) incarnation appended to `path`, one JSON line each; a line cut short by the kill is dropped. */
export function readEventsFile(path: string): ExecutionEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ExecutionEvent];
      } catch {
        return [];
      }
    });
}
