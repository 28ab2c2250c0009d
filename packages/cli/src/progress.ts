import type { OutputStream } from './format.js';
import { ProgressReporter } from './progress-reporter.js';

/**
 * The progress reporter for a stream: live, coloured lines when a person watches a terminal,
 * plain lines otherwise. `NO_COLOR` (https://no-color.org) turns colours off.
 */
export function progressReporterFor(out: OutputStream, env: Readonly<Record<string, string | undefined>>, showRunId = false): ProgressReporter {
  const live = out.isTTY === true && env['TERM'] !== 'dumb';
  return new ProgressReporter(out, { live, color: live && !env['NO_COLOR'], showRunId });
}
