import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { DurableRunner, ExecutionEvent } from '@casare-rpa/application';
import type { IncarnationRequest } from './harness.js';
import { runIncarnation } from './incarnation.js';

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

/**
 * The whole body of a real adapter's contract child script: reads the request named on the command
 * line (`<request.json> <output prefix>`), runs it with `runIncarnation` on the runner
 * `createRunner` builds, and leaves behind what a killed process must: the crash report just before
 * its SIGKILL, events one line at a time, the report when it ended without a crash.
 *
 * @example
 * // packages/infra-sqlite/src/testing/contract-child.ts, run on built dist/
 * await runIncarnationChild(() => new SqliteDurableRunner({ path: process.env['CASARE_SQLITE_PATH']!, executorId: 'contract' }));
 */
export async function runIncarnationChild(createRunner: () => DurableRunner, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [requestPath, prefix] = argv;
  if (requestPath === undefined || prefix === undefined) throw new Error('usage: contract-child.js <request.json> <output prefix>');
  const files = incarnationFiles(prefix);
  const request = JSON.parse(readFileSync(requestPath, 'utf8')) as IncarnationRequest;
  const report = await runIncarnation(request, {
    createRunner,
    crashSource: 'nodes',
    die: (crash) => {
      writeFileSync(files.crash, JSON.stringify(crash));
      process.kill(process.pid, 'SIGKILL');
    },
    onEvent: (event) => appendFileSync(files.events, `${JSON.stringify(event)}\n`),
  });
  writeFileSync(files.report, JSON.stringify(report));
}
