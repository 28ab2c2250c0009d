import { describe, expect, it } from 'vitest';
import type { DurableContext } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { VirtualClock } from './clock.js';
import { InMemoryDurableRunner, type StepPhase, type StepPoint } from './in-memory-durable-runner.js';
import { InMemoryJournal } from './in-memory-journal.js';

// What the contract suite cannot see from outside: the crash hooks and the journal they leave.

/** A body of three steps counting how often each body ran. */
function threeSteps(counts: Record<string, number>) {
  return async (ctx: DurableContext): Promise<Json> => {
    const results: Json[] = [];
    for (const name of ['a', 'b', 'c']) results.push(await ctx.step(name, () => Promise.resolve((counts[name] = (counts[name] ?? 0) + 1))));
    return results;
  };
}

function crashingAt(phase: StepPhase, name: string): (point: StepPoint, runner: InMemoryDurableRunner) => void {
  return (point, runner) => {
    if (point.phase === phase && point.name === name) runner.crash();
  };
}

async function crashThenRecover(phase: StepPhase): Promise<{ counts: Record<string, number>; recordedAtCrash: string[]; result: Json }> {
  const journal = new InMemoryJournal();
  const counts: Record<string, number> = {};
  const first = new InMemoryDurableRunner({ journal, onStepPoint: crashingAt(phase, 'b') });
  first.register('three', threeSteps(counts));
  await first.launch();
  await first.start('three', {}, { runId: 'r' });
  await first.stopped;
  const recordedAtCrash = journal.get('r')?.steps.map((step) => step.name) ?? [];
  const second = new InMemoryDurableRunner({ journal });
  second.register('three', threeSteps(counts));
  await second.launch();
  return { counts, recordedAtCrash, result: await second.handle('r').result() };
}

describe('InMemoryDurableRunner crash hooks', () => {
  it('before-body: the step never ran; recovery runs it once', async () => {
    const { counts, recordedAtCrash, result } = await crashThenRecover('before-body');
    expect(recordedAtCrash).toEqual(['a']);
    expect(counts).toEqual({ a: 1, b: 1, c: 1 });
    expect(result).toEqual([1, 1, 1]);
  });

  it('after-body: the step ran but is not recorded; recovery runs it again', async () => {
    const { counts, recordedAtCrash, result } = await crashThenRecover('after-body');
    expect(recordedAtCrash).toEqual(['a']);
    expect(counts).toEqual({ a: 1, b: 2, c: 1 });
    expect(result).toEqual([1, 2, 1]);
  });

  it('after-record: the step is recorded; recovery replays it', async () => {
    const { counts, recordedAtCrash, result } = await crashThenRecover('after-record');
    expect(recordedAtCrash).toEqual(['a', 'b']);
    expect(counts).toEqual({ a: 1, b: 1, c: 1 });
    expect(result).toEqual([1, 1, 1]);
  });

  it('sleeping: the wake time is recorded once; recovery sleeps only the rest', async () => {
    const journal = new InMemoryJournal();
    const clock = new VirtualClock({ autoAdvance: false });
    const body = async (ctx: DurableContext): Promise<Json> => {
      await ctx.sleep(60_000);
      return ctx.now();
    };
    const first = new InMemoryDurableRunner({ journal, clock, onStepPoint: crashingAt('sleeping', 'sleep') });
    first.register('nap', body);
    await first.launch();
    const start = clock.now();
    await first.start('nap', {}, { runId: 'r' });
    await first.stopped;
    clock.advance(45_000);
    const second = new InMemoryDurableRunner({ journal, clock });
    second.register('nap', body);
    await second.launch();
    const result = second.handle('r').result();
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(15_000);
    expect(await result).toBe(start + 60_000);
  });

  it('a dead runner records nothing and settles nothing, even for steps already running', async () => {
    const journal = new InMemoryJournal();
    let release: (value: number) => void = () => undefined;
    const runner = new InMemoryDurableRunner({ journal });
    runner.register('slow', (ctx: DurableContext) => ctx.step('s', () => new Promise<number>((resolve) => (release = resolve))));
    await runner.launch();
    const handle = await runner.start('slow', {}, { runId: 'r' });
    let settled = false;
    void handle.result().finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    runner.crash();
    release(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    expect(journal.get('r')).toMatchObject({ status: 'pending', steps: [] });
    await expect(runner.start('slow', {}, { runId: 'other' })).rejects.toMatchObject({ code: 'RUNNER_STATE' });
  });
});

describe('InMemoryDurableRunner lifecycle', () => {
  it('refuses registrations after launch and starts before it', async () => {
    const runner = new InMemoryDurableRunner();
    await expect(runner.start('x', {})).rejects.toMatchObject({ code: 'RUNNER_STATE' });
    runner.register('x', () => Promise.resolve(1));
    expect(() => runner.register('x', () => Promise.resolve(2))).toThrow(/already registered/);
    await runner.launch();
    expect(() => runner.register('y', () => Promise.resolve(1))).toThrow(/after launch/);
    await expect(runner.start('unknown', {})).rejects.toMatchObject({ code: 'WORKFLOW_NOT_REGISTERED' });
  });

  it('launch recovers only the pending runs of its own executor', async () => {
    const journal = new InMemoryJournal();
    const ran: string[] = [];
    for (const executorId of ['one', 'two']) {
      const runner = new InMemoryDurableRunner({ journal, executorId, onStepPoint: (_point, self) => self.crash() });
      runner.register('w', (ctx: DurableContext) => ctx.step('s', () => Promise.resolve(0)));
      await runner.launch();
      await runner.start('w', {}, { runId: executorId });
      await runner.stopped;
    }
    const recovering = new InMemoryDurableRunner({ journal, executorId: 'two' });
    recovering.register('w', (ctx: DurableContext) => ctx.step('s', () => (ran.push(ctx.runId), Promise.resolve(0))));
    await recovering.launch();
    await recovering.handle('two').result();
    expect(ran).toEqual(['two']);
    expect(journal.get('one')?.status).toBe('pending');
  });

  it('shutdown rejects the callers still waiting; the run stays pending for a later launch', async () => {
    const journal = new InMemoryJournal();
    const runner = new InMemoryDurableRunner({ journal });
    runner.register('never', (ctx: DurableContext) => ctx.step('s', () => new Promise<number>(() => undefined)));
    await runner.launch();
    const handle = await runner.start('never', {}, { runId: 'r' });
    const result = handle.result();
    await runner.shutdown();
    await expect(result).rejects.toMatchObject({ code: 'RUNNER_STATE' });
    expect(journal.get('r')?.status).toBe('pending');
  });

  it('cancelling a run nobody executes ends it at once', async () => {
    const journal = new InMemoryJournal();
    const dead = new InMemoryDurableRunner({ journal, onStepPoint: (_point, self) => self.crash() });
    dead.register('w', (ctx: DurableContext) => ctx.step('s', () => Promise.resolve(0)));
    await dead.launch();
    await dead.start('w', {}, { runId: 'r' });
    const other = new InMemoryDurableRunner({ journal, executorId: 'elsewhere' });
    await other.launch();
    const result = other.handle('r').result();
    await other.cancel('r');
    await expect(result).rejects.toMatchObject({ code: 'RUN_CANCELLED' });
  });

  it('keeps the journal as plain JSON: a dump holds inputs, outputs and errors as text', async () => {
    const journal = new InMemoryJournal();
    const runner = new InMemoryDurableRunner({ journal });
    runner.register('w', async (ctx: DurableContext) => {
      await ctx.step('ok', () => Promise.resolve({ value: 'out' }));
      return ctx.step('bad', () => Promise.reject(Object.assign(new Error('boom'), { code: 'E_BOOM' })));
    });
    await runner.launch();
    await expect((await runner.start('w', { in: 'put' }, { runId: 'r' })).result()).rejects.toMatchObject({ message: 'boom', code: 'E_BOOM' });
    const dump = JSON.parse(journal.dump('r')) as unknown[];
    expect(dump).toHaveLength(1);
    expect(journal.dump('r')).toContain('"in":"put"');
    expect(journal.dump('r')).toContain('"value":"out"');
    expect(journal.dump('r')).toContain('E_BOOM');
  });
});

describe('VirtualClock', () => {
  it('jumps to each wake time by itself unless told not to', async () => {
    const auto = new VirtualClock({ start: 0 });
    await auto.sleep(5_000);
    expect(auto.now()).toBe(5_000);
    const manual = new VirtualClock({ start: 0, autoAdvance: false });
    let woke = false;
    void manual.sleep(100).then(() => (woke = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    expect(manual.nextWakeAt()).toBe(100);
    manual.advance(100);
    await Promise.resolve();
    expect(woke).toBe(true);
  });
});
