import type { JsonObject, WorkflowNode } from '@casare-rpa/domain';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution } from '../testing/node-execution-builder.js';
import { strftime } from './datetime-nodes.js';

const catalog = createNodeCatalog();
/** Static issues of one node of `type`, with the given data inputs connected. */
const issuesOf = (type: string, config: JsonObject, connected: readonly string[] = []) =>
  catalog.validate([{ id: 'n', type, config } satisfies WorkflowNode], () => connected);
const run = (type: string, config: JsonObject = {}) => catalog.execute(aNodeExecution(type).withId('u').withConfig(config).build());

describe('LogNode', () => {
  it('puts the message in the run log', async () => {
    expect(await run('LogNode', { message: 'All tests passed!' })).toEqual({ outputs: { message: 'All tests passed!' }, logs: ['All tests passed!'] });
  });

  it('is invalid without a message, unless a data connection brings one', () => {
    expect(issuesOf('LogNode', {})).toEqual([expect.objectContaining({ path: 'nodes.n.config.message', message: 'required', nodeId: 'n' })]);
    expect(issuesOf('LogNode', {}, ['message'])).toEqual([]);
    expect(issuesOf('LogNode', { message: '{{greeting}}' })).toEqual([]);
  });

  it('writes its message to the run log as it runs, warnings as warnings', async () => {
    const info = aNodeExecution('LogNode').withConfig({ message: 'hello' });
    await catalog.execute(info.build());
    const warning = aNodeExecution('LogNode').withConfig({ message: 'look out', level: 'warning' });
    await catalog.execute(warning.build());
    expect([...info.logger.lines, ...warning.logger.lines]).toEqual(['debug: hello', 'warn: look out']);
  });

  it('renders a non-text message', async () => {
    expect((await run('LogNode', { message: { a: 1 } })).logs).toEqual(['{"a":1}']);
  });
});

describe('WaitNode', () => {
  it('asks the runner for a durable sleep instead of sleeping', async () => {
    expect(await run('WaitNode', { seconds: 0.1 })).toEqual({ outputs: { waited_ms: 100 }, sleepMs: 100 });
    expect((await run('WaitNode', { duration: 2 })).sleepMs).toBe(2000);
    expect((await run('WaitNode', { milliseconds: 5 })).sleepMs).toBe(5);
  });

  it('is invalid without seconds, duration or milliseconds, instead of waiting a second nobody asked for', async () => {
    expect(issuesOf('WaitNode', {})).toEqual([
      expect.objectContaining({ path: 'nodes.n.config', message: 'needs seconds, duration or milliseconds: how long to wait', nodeId: 'n' }),
    ]);
    expect(issuesOf('WaitNode', { seconds: '{{wait_seconds}}' })).toEqual([]);
    expect(issuesOf('WaitNode', { duration: 2 })).toEqual([]);
    // A template that resolves to nothing is caught when the node runs.
    await expect(run('WaitNode', { seconds: '' })).rejects.toThrow('nodes.u.config: needs seconds, duration or milliseconds');
    await expect(run('WaitNode', {})).rejects.toThrow('nodes.u.config: needs seconds, duration or milliseconds');
  });

  it('names node and field for a negative or non-numeric wait', async () => {
    await expect(run('WaitNode', { seconds: -1 })).rejects.toThrow('nodes.u.config.seconds: must not be negative');
    await expect(run('WaitNode', { seconds: 'soon' })).rejects.toThrow('nodes.u.config.seconds: expected a number, got "soon"');
  });
});

describe('date and time nodes', () => {
  it('GetCurrentDateTimeNode outputs an ISO instant and a formatted one', async () => {
    const { outputs } = await run('GetCurrentDateTimeNode', { format: '%Y' });
    expect(Date.parse(outputs['datetime'] as string)).not.toBeNaN();
    expect(outputs['formatted']).toBe(String(new Date().getFullYear()));
  });

  it('DateTimeAddNode adds days', async () => {
    const { outputs } = await run('DateTimeAddNode', { datetime: '2024-01-01T00:00:00Z', days: 1, hours: 2 });
    expect(outputs['datetime']).toBe('2024-01-02T02:00:00.000Z');
  });

  it('DateTimeDiffNode measures from datetime_1 to datetime_2', async () => {
    const { outputs } = await run('DateTimeDiffNode', { datetime_1: '2024-01-01T00:00:00Z', datetime_2: '2024-01-03T12:00:00Z' });
    expect(outputs).toMatchObject({ total_days: 2.5, days: 2, total_hours: 60, is_negative: false });
  });

  it('names node and field for text that is no date', async () => {
    await expect(run('DateTimeDiffNode', { datetime_1: 'yesterday' })).rejects.toThrow('nodes.u.config.datetime_1: expected a date and time, got "yesterday"');
  });

  it('strftime knows the common directives', () => {
    expect(strftime(new Date(Date.UTC(2024, 1, 5, 13, 4, 9)), '%Y-%m-%d %H:%M:%S %I%p %a %b %j %%', true)).toBe('2024-02-05 13:04:09 01PM Mon Feb 036 %');
  });

  it('GetTimestampNode outputs seconds since the epoch', async () => {
    const { outputs } = await run('GetTimestampNode');
    expect(Math.abs((outputs['timestamp'] as number) - Date.now() / 1000)).toBeLessThan(60);
  });
});
