import { scheduleTriggerConfig } from '@casare-rpa/nodes';
import { describe, expect, it } from 'vitest';
import { Scheduler, tickRunId, type ScheduleDispatch } from './scheduler.js';
import type { ScheduleTrigger, ServedWorkflow } from './served-workflows.js';

function servedWith(config: Record<string, unknown>): { workflow: ServedWorkflow; trigger: ScheduleTrigger } {
  const trigger: ScheduleTrigger = { nodeId: 'tick', spec: scheduleTriggerConfig.parse(config) };
  return { trigger, workflow: { label: 'w.json', key: 'w', document: {}, schedules: [trigger], webhooks: [], unarmed: [] } };
}

function recording(recorded: readonly string[] = []): ScheduleDispatch & { started: string[] } {
  const started: string[] = [];
  return {
    started,
    startTick: (_workflow, _trigger, runId) => {
      started.push(runId);
      return Promise.resolve();
    },
    runIdsWithPrefix: (prefix) => Promise.resolve(recorded.filter((id) => id.startsWith(prefix))),
    onError: (_workflow, _trigger, error) => {
      throw error;
    },
  };
}

describe('Scheduler', () => {
  it('fires ticks at their instants with ids every process derives alike', async () => {
    const { workflow, trigger } = servedWith({ frequency: 'interval', interval_seconds: 1 });
    const dispatch = recording();
    const scheduler = new Scheduler([workflow], dispatch);
    const from = Date.now();
    await scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 2300));
    scheduler.stop();
    expect(dispatch.started.length).toBeGreaterThanOrEqual(2);
    for (const id of dispatch.started) expect(id).toMatch(/^schedule:w:tick:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(dispatch.started[0]).toBe(tickRunId(workflow, trigger, Math.floor(from / 1000) * 1000 + 1000));
  });

  it('skips ticks missed while down by default, and starts them with catch_up', async () => {
    const now = Date.parse('2026-03-02T12:00:30Z');
    const lastRun = 'schedule:w:tick:2026-03-02T11:57:00.000Z';
    const skip = servedWith({ frequency: 'cron', cron_expression: '* * * * *' });
    const skipping = recording([lastRun]);
    const a = new Scheduler([skip.workflow], skipping, () => now);
    await a.start();
    a.stop();
    expect(skipping.started).toEqual([]);

    const catchUp = servedWith({ frequency: 'cron', cron_expression: '* * * * *', catch_up: true });
    const catching = recording([lastRun]);
    const b = new Scheduler([catchUp.workflow], catching, () => now);
    await b.start();
    b.stop();
    expect(catching.started).toEqual([
      'schedule:w:tick:2026-03-02T11:58:00.000Z',
      'schedule:w:tick:2026-03-02T11:59:00.000Z',
      'schedule:w:tick:2026-03-02T12:00:00.000Z',
    ]);
  });

  it('stops at max_runs ticks recorded by any process', async () => {
    const now = Date.parse('2026-03-02T12:00:30Z');
    const capped = servedWith({ frequency: 'cron', cron_expression: '* * * * *', catch_up: true, max_runs: 2 });
    const recorded = ['schedule:w:tick:2026-03-02T11:58:00.000Z'];
    const started: string[] = [];
    const dispatch: ScheduleDispatch = {
      startTick: (_workflow, _trigger, runId) => {
        started.push(runId);
        recorded.push(runId);
        return Promise.resolve();
      },
      runIdsWithPrefix: (prefix) => Promise.resolve(recorded.filter((id) => id.startsWith(prefix))),
      onError: (_workflow, _trigger, error) => {
        throw error;
      },
    };
    const scheduler = new Scheduler([capped.workflow], dispatch, () => now);
    await scheduler.start();
    scheduler.stop();
    expect(started).toEqual(['schedule:w:tick:2026-03-02T11:59:00.000Z']);
  });
});
