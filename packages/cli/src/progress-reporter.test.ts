import type { ExecutionEvent } from '@casare-rpa/application';
import { describe, expect, it } from 'vitest';
import { ProgressReporter, type ProgressOptions } from './progress-reporter.js';

const base = { runId: 'r1', nodeType: 'LogNode', at: 0 };
const nodeError = { nodeId: 'b', code: 'NODE_FAILED', message: 'boom', type: 'Error', attempts: 3 };

function render(events: readonly ExecutionEvent[], options: Partial<ProgressOptions> = {}): string {
  let text = '';
  const reporter = new ProgressReporter({ write: (chunk: string) => (text += chunk) }, { live: false, color: false, showRunId: false, ...options });
  for (const event of events) reporter.emit(event);
  return text;
}

describe('ProgressReporter', () => {
  const run: ExecutionEvent[] = [
    { type: 'run.started', runId: 'r1', workflowName: 'flow', at: 0 },
    { ...base, type: 'node.started', nodeId: 'a', stepIndex: 0, attempt: 1 },
    { ...base, type: 'node.completed', nodeId: 'a', stepIndex: 0, durationMs: 12, replayed: false },
    { ...base, type: 'node.started', nodeId: 'b', stepIndex: 1, attempt: 1 },
    { ...base, type: 'node.retrying', nodeId: 'b', stepIndex: 1, attempt: 2, error: 'flaky' },
    { ...base, type: 'node.retrying', nodeId: 'b', stepIndex: 1, attempt: 3, error: 'flaky' },
    { ...base, type: 'node.failed', nodeId: 'b', stepIndex: 1, error: nodeError, replayed: false },
    { type: 'run.failed', runId: 'r1', error: nodeError, at: 0 },
  ];

  it('prints one plain line per finished node, with id, type, status, duration and retries', () => {
    const lines = render(run).trimEnd().split('\n');
    expect(lines[0]).toBe('▶ run r1 started: flow');
    expect(lines[1]).toMatch(/^✓ a\s+LogNode\s+completed {2}12 ms$/);
    expect(lines[2]).toMatch(/^↻ b\s+LogNode\s+retrying, attempt 2 \(last error: flaky\)$/);
    expect(lines[4]).toMatch(/^✗ b\s+LogNode\s+failed: boom {2}2 retries$/);
    expect(lines).toHaveLength(5);
  });

  it('rewrites the running node line in place on a terminal', () => {
    const text = render(run, { live: true });
    expect(text).toContain('\r\x1b[2K… a');
    expect(text).toContain('\r\x1b[2K✓ a');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('marks replayed nodes, prefixes the run id when asked, and remembers recovered runs', () => {
    let text = '';
    const reporter = new ProgressReporter({ write: (chunk: string) => (text += chunk) }, { live: false, color: false, showRunId: true });
    reporter.emit({ type: 'run.recovered', runId: 'r9', workflowName: 'flow', at: 0 });
    reporter.emit({ ...base, runId: 'r9', type: 'node.completed', nodeId: 'a', stepIndex: 0, durationMs: 0, replayed: true });
    expect([...reporter.recoveredRuns]).toEqual(['r9']);
    expect(text).toMatch(/^\[r9\] ↺ a\s+LogNode\s+replayed from checkpoint$/m);
  });

  it('never throws, even when the stream does', () => {
    const reporter = new ProgressReporter(
      {
        write: () => {
          throw new Error('EPIPE');
        },
      },
      { live: false, color: false, showRunId: false },
    );
    expect(() => reporter.emit({ type: 'run.started', runId: 'r1', workflowName: 'flow', at: 0 })).not.toThrow();
  });
});
