import type { RunResult } from '@casare-rpa/application';
import { describe, expect, it } from 'vitest';
import { plainText, printReport, reportOf, userStatusOf } from './run-output.js';

const result = (overrides: Partial<RunResult> = {}): RunResult => ({
  runId: 'r1',
  status: 'completed',
  variables: { n: 1 },
  logs: ['hello'],
  error: null,
  outputs: {},
  ...overrides,
});

function printed(...args: Parameters<typeof printReport> extends [unknown, ...infer Rest] ? Rest : never): string {
  let text = '';
  printReport({ write: (chunk: string) => (text += chunk) }, ...args);
  return text;
}

describe('run reports', () => {
  it('speak the runner port status words: a completed run has succeeded', () => {
    expect(userStatusOf('completed')).toBe('succeeded');
    expect(userStatusOf('failed')).toBe('failed');
    expect(userStatusOf('cancelled')).toBe('cancelled');
    expect(reportOf(result()).status).toBe('succeeded');
    expect(printed(reportOf(result()), { elapsedMs: 1200 })).toContain('Run r1 succeeded in 1.2 s.');
  });

  it('strip terminal colour codes out of recorded error messages', () => {
    const error = {
      nodeId: 'open',
      code: 'BROWSER_FAILED',
      message: 'page.goto: timeout\n\x1b[2m  - navigating to "http://x"\x1b[22m',
      type: 'Error',
      attempts: 1,
    };
    expect(plainText(error.message)).toBe('page.goto: timeout\n  - navigating to "http://x"');
    const text = printed(reportOf(result({ status: 'failed', error })));
    expect(text).toContain('navigating to "http://x"');
    expect(text).not.toContain('\x1b');
    expect(reportOf(result({ status: 'failed', error })).error?.message).not.toContain('\x1b');
  });

  it('print the logs unless they were shown live', () => {
    expect(printed(reportOf(result()))).toContain('Logs:\n  hello\n');
    expect(printed(reportOf(result()), { logsShown: true })).not.toContain('Logs:');
  });
});
