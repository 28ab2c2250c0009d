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

  it('prints node log lines as they come, with the node that wrote them', () => {
    let text = '';
    const reporter = new ProgressReporter({ write: (chunk: string) => (text += chunk) }, { live: false, color: false, showRunId: false });
    reporter.emit({ ...base, type: 'node.started', nodeId: 'greet', stepIndex: 0, attempt: 1 });
    reporter.log({ runId: 'r1', nodeId: 'greet', stepIndex: 0, level: 'debug', message: 'Hello Ada', at: 0 });
    reporter.log({ runId: 'r1', nodeId: 'greet', stepIndex: 0, level: 'warn', message: 'careful', at: 0 });
    reporter.emit({ ...base, type: 'node.completed', nodeId: 'greet', stepIndex: 0, durationMs: 3, replayed: false });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('  greet: Hello Ada');
    expect(lines[1]).toBe('  ⚠ greet: careful');
    expect(lines[2]).toMatch(/^✓ greet\s+LogNode\s+completed/);
  });

  it('says when a durable sleep wakes, once its record is found', async () => {
    let text = '';
    const reporter = new ProgressReporter({ write: (chunk: string) => (text += chunk) }, { live: false, color: false, showRunId: false });
    const wakesAt = new Date(2099, 0, 2, 3, 4, 5).getTime();
    const asked: [string, number][] = [];
    reporter.watchSleeps((runId, stepIndex) => {
      asked.push([runId, stepIndex]);
      return Promise.resolve({ wakesAt, durationMs: 30_000 });
    });
    reporter.emit({ ...base, nodeType: 'WaitNode', type: 'node.completed', nodeId: 'wait', stepIndex: 3, durationMs: 2, replayed: false });
    await reporter.idle();
    expect(asked).toEqual([['r1', 4]]);
    expect(text).toMatch(/^⏾ wait\s+WaitNode\s+durable sleep of 30\.0 s: wakes at 2099-01-02 03:04:05$/m);
  });

  it('counts a durable sleep down in place on a terminal', async () => {
    let text = '';
    const reporter = new ProgressReporter({ write: (chunk: string) => (text += chunk) }, { live: true, color: false, showRunId: false });
    reporter.watchSleeps(() => Promise.resolve({ wakesAt: Date.now() + 30_000, durationMs: 30_000 }));
    reporter.emit({ ...base, nodeType: 'WaitNode', type: 'node.completed', nodeId: 'wait', stepIndex: 3, durationMs: 2, replayed: false });
    await reporter.idle();
    expect(text).toMatch(/\r\x1b\[2K⏾ wait\s+WaitNode\s+sleeping, wakes at \S+ \S+ \((30|29) s left\)$/);
    reporter.emit({ ...base, type: 'node.started', nodeId: 'after', stepIndex: 5, attempt: 1 });
    reporter.emit({ type: 'run.completed', runId: 'r1', at: 0 });
    expect(reporter.sleepingRuns()).toEqual([]);
  });
});
