import type { JsonObject, WorkflowNode } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { nextTickAfter, type ScheduleSpec } from './schedule.js';
import { TRIGGER_EVENT_VARIABLE } from './trigger-event.js';
import { scheduleTriggerConfig } from './trigger-nodes.js';

const catalog = createNodeCatalog();
const nodeOf = (type: string, config: JsonObject, id = 't'): WorkflowNode => ({ id, type, config });

describe('trigger nodes', () => {
  it('pass through with an empty event in a manual run', async () => {
    const outcome = await catalog.execute(aNodeExecution('WebhookTriggerNode').withId('hook').withConfig({ endpoint: '/orders' }).build());
    expect(outcome.outputs).toEqual({ payload: {}, headers: {}, query_params: {}, method: '', path: '', client_ip: '' });
    expect((await catalog.execute(aNodeExecution('ScheduleTriggerNode').withId('s').build())).outputs).toEqual({
      trigger_time: '',
      run_number: 0,
      scheduled_time: '',
    });
  });

  it('expose the event addressed to them, and only their declared ports', async () => {
    const event = { node_id: 'hook', type: 'WebhookTriggerNode', outputs: { payload: { order: 7 }, method: 'POST', extra: 'dropped' } };
    const outcome = await catalog.execute(
      aNodeExecution('WebhookTriggerNode')
        .withId('hook')
        .withVariables({ [TRIGGER_EVENT_VARIABLE]: event })
        .build(),
    );
    expect(outcome.outputs['payload']).toEqual({ order: 7 });
    expect(outcome.outputs['method']).toBe('POST');
    expect(outcome.outputs).not.toHaveProperty('extra');
    const other = await catalog.execute(
      aNodeExecution('WebhookTriggerNode')
        .withId('other')
        .withVariables({ [TRIGGER_EVENT_VARIABLE]: event })
        .build(),
    );
    expect(other.outputs['payload']).toEqual({});
  });

  it('are pure and accept the v1 configs of every trigger type', () => {
    for (const type of ['ScheduleTriggerNode', 'WebhookTriggerNode', 'WorkflowCallTriggerNode', 'EmailTriggerNode', 'FileWatchTriggerNode']) {
      expect(catalog.effectOf(nodeOf(type, {}))).toBe('pure');
    }
    const v1Schedule = {
      frequency: 'daily',
      time_hour: '9',
      time_minute: 0,
      interval_seconds: 60,
      day_of_week: 'mon',
      day_of_month: 1,
      cron_expression: '0 9 * * *',
      timezone: 'UTC',
      max_runs: 0,
      start_time: '',
    };
    expect(catalog.validate([nodeOf('ScheduleTriggerNode', v1Schedule)])).toEqual([]);
    expect(catalog.validate([nodeOf('WorkflowCallTriggerNode', { call_alias: 'process_invoice', input_schema: '{}', timeout_seconds: 300 })])).toEqual([]);
    expect(
      catalog.validate([nodeOf('WebhookTriggerNode', { endpoint: '/x', methods: 'POST,GET', response_mode: 'immediate', max_payload_size: 1024 })]),
    ).toEqual([]);
  });

  it('name node and field of a bad config', () => {
    const issues = catalog.validate([nodeOf('ScheduleTriggerNode', { frequency: 'cron', cron_expression: 'every day', time_hour: 25 }, 'sched')]);
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['nodes.sched.config.time_hour', 'nodes.sched.config.cron_expression']));
    expect(issues.every((issue) => issue.nodeId === 'sched')).toBe(true);
    expect(catalog.validate([nodeOf('ScheduleTriggerNode', { timezone: 'Mars/Olympus' }, 's')])[0]?.path).toBe('nodes.s.config.timezone');
    expect(catalog.validate([nodeOf('WebhookTriggerNode', { max_payload_size: 0 }, 'w')])[0]?.path).toBe('nodes.w.config.max_payload_size');
  });
});

describe('nextTickAfter', () => {
  const spec = (config: JsonObject): ScheduleSpec => scheduleTriggerConfig.parse(config);

  it('aligns interval ticks on the epoch, strictly after the instant', () => {
    const every2s = spec({ frequency: 'interval', interval_seconds: 2 });
    expect(nextTickAfter(every2s, 10_000)).toBe(12_000);
    expect(nextTickAfter(every2s, 10_001)).toBe(12_000);
    expect(nextTickAfter(every2s, 11_999)).toBe(12_000);
  });

  it('follows daily, weekly and cron schedules in their time zone', () => {
    const at = Date.parse('2026-03-02T12:00:00Z'); // a Monday
    expect(new Date(nextTickAfter(spec({ frequency: 'daily', time_hour: 9, time_minute: 30 }), at)!).toISOString()).toBe('2026-03-03T09:30:00.000Z');
    expect(new Date(nextTickAfter(spec({ frequency: 'daily', time_hour: 9, timezone: 'Europe/Paris' }), at)!).toISOString()).toBe('2026-03-03T08:00:00.000Z');
    expect(new Date(nextTickAfter(spec({ frequency: 'weekly', day_of_week: 'fri', time_hour: 8 }), at)!).toISOString()).toBe('2026-03-06T08:00:00.000Z');
    const cron = spec({ frequency: 'cron', cron_expression: '*/15 * * * *' });
    expect(new Date(nextTickAfter(cron, at)!).toISOString()).toBe('2026-03-02T12:15:00.000Z');
    expect(nextTickAfter(spec({ frequency: 'once', start_time: '2026-01-01T00:00:00Z' }), at)).toBeUndefined();
  });
});
