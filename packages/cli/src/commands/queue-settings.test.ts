import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { describeQueueSettings, loadQueueConfigFile, parseQueueConfig, parseQueueFlags, resolveQueueSettings, type QueueConfig } from './queue-settings.js';

/** The `--queue-config` example of the help text, with a second queue. */
const CONFIG: QueueConfig = {
  queues: {
    invoices: { concurrency: 2, globalConcurrency: 4, rateLimit: { limit: 10, periodSeconds: 60 }, pollIntervalSeconds: 0.5 },
    reports: { concurrency: 1 },
  },
};

/** The message of the `UsageError` that `action` throws. */
function usageMessageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('no UsageError was thrown');
}

describe('parseQueueFlags', () => {
  it('reads every flag', () => {
    expect(parseQueueFlags({ concurrency: '3', globalConcurrency: '6', rateLimit: '10/60', pollInterval: '0.1' })).toEqual({
      concurrency: 3,
      globalConcurrency: 6,
      rateLimit: { limit: 10, periodSeconds: 60 },
      pollIntervalSeconds: 0.1,
    });
    expect(parseQueueFlags({ rateLimit: '2/0.5' })).toEqual({ rateLimit: { limit: 2, periodSeconds: 0.5 } });
    expect(parseQueueFlags({})).toEqual({});
  });

  it.each([
    [{ concurrency: '0' }, '--concurrency must be a positive integer, not "0"'],
    [{ concurrency: '1.5' }, '--concurrency must be a positive integer'],
    [{ globalConcurrency: 'two' }, '--global-concurrency must be a positive integer, not "two"'],
    [{ globalConcurrency: '' }, '--global-concurrency must be a positive integer'],
    [{ rateLimit: '10' }, '--rate-limit must be N/S (at most N runs started per S seconds, e.g. 10/60), not "10"'],
    [{ rateLimit: '10/60/2' }, '--rate-limit must be N/S'],
    [{ rateLimit: '0/60' }, '--rate-limit N/S: N must be a positive integer, not "0/60"'],
    [{ rateLimit: '2.5/60' }, '--rate-limit N/S: N must be a positive integer'],
    [{ rateLimit: '10/0' }, '--rate-limit N/S: S must be a positive number of seconds, not "10/0"'],
    [{ rateLimit: '10/' }, '--rate-limit N/S: S must be a positive number of seconds'],
    [{ rateLimit: '/60' }, '--rate-limit N/S: N must be a positive integer'],
    [{ pollInterval: '-1' }, '--poll-interval must be a positive number of seconds, not "-1"'],
    [{ pollInterval: '0' }, '--poll-interval must be a positive number of seconds'],
    [{ pollInterval: 'fast' }, '--poll-interval must be a positive number of seconds'],
    [{ pollInterval: 'Infinity' }, '--poll-interval must be a positive number of seconds'],
  ])('%j is a usage error: %s', (values, message) => {
    expect(usageMessageOf(() => parseQueueFlags(values))).toContain(message);
  });
});

describe('parseQueueConfig', () => {
  it('reads the settings of each queue', () => {
    expect(parseQueueConfig(JSON.stringify(CONFIG), 'queues.json')).toEqual(CONFIG);
    expect(parseQueueConfig('{ "queues": {} }', 'queues.json')).toEqual({ queues: {} });
  });

  it.each([
    ['{ "queues": ', 'not JSON'],
    ['[]', '(the file): must be an object { "queues": { "<name>": { ... } } }'],
    ['{}', 'queues: is missing'],
    ['{ "queues": [] }', 'queues: must be an object with one entry per queue name'],
    ['{ "queues": {}, "extra": 1 }', '(the file): unknown key "extra"'],
    ['{ "queues": { "invoices": 4 } }', 'queues.invoices: must be an object of queue settings'],
    ['{ "queues": { "invoices": { "workerConcurrency": 2 } } }', 'queues.invoices: unknown key "workerConcurrency"'],
    ['{ "queues": { "invoices": { "concurrency": 0 } } }', 'queues.invoices.concurrency: must be a positive integer'],
    ['{ "queues": { "invoices": { "concurrency": "2" } } }', 'queues.invoices.concurrency: must be a positive integer'],
    ['{ "queues": { "invoices": { "globalConcurrency": 1.5 } } }', 'queues.invoices.globalConcurrency: must be a positive integer'],
    ['{ "queues": { "invoices": { "rateLimit": { "limit": 0, "periodSeconds": 60 } } } }', 'queues.invoices.rateLimit.limit: must be a positive integer'],
    ['{ "queues": { "invoices": { "rateLimit": { "limit": 10 } } } }', 'queues.invoices.rateLimit.periodSeconds: is missing'],
    ['{ "queues": { "invoices": { "rateLimit": "10/60" } } }', 'queues.invoices.rateLimit: must be an object { "limit": N, "periodSeconds": S }'],
    ['{ "queues": { "invoices": { "rateLimit": { "limit": 1, "periodSeconds": 1, "burst": 2 } } } }', 'queues.invoices.rateLimit: unknown key "burst"'],
    ['{ "queues": { "invoices": { "pollIntervalSeconds": -0.5 } } }', 'queues.invoices.pollIntervalSeconds: must be a positive number of seconds'],
    ['{ "queues": { "": {} } }', 'queues[""]: a queue name must not be empty'],
    ['{ "queues": { "a.b": { "concurrency": -1 } } }', 'queues["a.b"].concurrency: must be a positive integer'],
  ])('%s is a usage error naming the file and the JSON path: %s', (text, message) => {
    const error = usageMessageOf(() => parseQueueConfig(text, 'queues.json'));
    expect(error).toMatch(/^--queue-config queues\.json: /);
    expect(error).toContain(message);
  });

  it('names every problem of the file at once', () => {
    const error = usageMessageOf(() => parseQueueConfig('{ "queues": { "a": { "concurrency": 0 }, "b": { "pollIntervalSeconds": "1" } } }', 'q.json'));
    expect(error).toContain('queues.a.concurrency: must be a positive integer');
    expect(error).toContain('queues.b.pollIntervalSeconds: must be a positive number of seconds');
  });
});

describe('loadQueueConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casare-queue-settings-'));
    await writeFile(join(dir, 'queues.json'), JSON.stringify(CONFIG));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file relative to the working directory', async () => {
    expect(await loadQueueConfigFile('queues.json', dir)).toEqual(CONFIG);
  });

  it('a missing or unreadable file is a usage error that names it', async () => {
    await expect(loadQueueConfigFile('missing.json', dir)).rejects.toThrow('--queue-config missing.json: cannot read it (no such file)');
    await expect(loadQueueConfigFile('.', dir)).rejects.toBeInstanceOf(UsageError);
    await expect(loadQueueConfigFile('.', dir)).rejects.toThrow(/^--queue-config \.: cannot read it/);
  });
});

describe('resolveQueueSettings', () => {
  it('no --queue and no file: the casare queue with DBOS defaults', () => {
    expect(resolveQueueSettings([], undefined, {})).toEqual([{ name: 'casare' }]);
    expect(resolveQueueSettings([], { queues: {} }, {})).toEqual([{ name: 'casare' }]);
  });

  it("no --queue: the file's queues with their settings", () => {
    expect(resolveQueueSettings([], CONFIG, {})).toEqual([
      { name: 'invoices', workerConcurrency: 2, concurrency: 4, rateLimit: { limitPerPeriod: 10, periodSec: 60 }, pollingIntervalMs: 500 },
      { name: 'reports', workerConcurrency: 1 },
    ]);
  });

  it('--queue names win over the file; a queue the file does not describe takes the flags and defaults', () => {
    expect(resolveQueueSettings(['reports', 'other', 'reports'], CONFIG, { pollIntervalSeconds: 0.1 })).toEqual([
      { name: 'reports', workerConcurrency: 1, pollingIntervalMs: 100 },
      { name: 'other', pollingIntervalMs: 100 },
    ]);
  });

  it('a flag overrides the file field by field, for every queue', () => {
    const [invoices] = resolveQueueSettings(['invoices'], CONFIG, { concurrency: 3, rateLimit: { limit: 2, periodSeconds: 2 } });
    expect(invoices).toEqual({
      name: 'invoices',
      workerConcurrency: 3,
      concurrency: 4,
      rateLimit: { limitPerPeriod: 2, periodSec: 2 },
      pollingIntervalMs: 500,
    });
  });

  it('a per-worker limit above the queue-wide one is lowered to it, wherever each comes from', () => {
    expect(resolveQueueSettings(['q'], undefined, { concurrency: 8, globalConcurrency: 2 })).toEqual([{ name: 'q', workerConcurrency: 2, concurrency: 2 }]);
    expect(resolveQueueSettings(['invoices'], CONFIG, { concurrency: 9 })[0]).toMatchObject({ workerConcurrency: 4, concurrency: 4 });
  });
});

describe('describeQueueSettings', () => {
  it('says every setting, defaults included', () => {
    expect(describeQueueSettings({ name: 'casare' })).toBe(
      'casare (concurrency unlimited per worker, unlimited per queue, no rate limit, polled every 1 s or more)',
    );
    expect(
      describeQueueSettings({
        name: 'invoices',
        workerConcurrency: 2,
        concurrency: 4,
        rateLimit: { limitPerPeriod: 10, periodSec: 60 },
        pollingIntervalMs: 500,
      }),
    ).toBe('invoices (concurrency 2 per worker, 4 per queue, at most 10 started per 60 s, polled every 0.5 s or more)');
  });
});
