import assert from 'node:assert/strict';
import type { DurableContext, DurableRunner, SignalWait } from '@casare-rpa/application';
import type { DurableRunnerHarness, RunnerSession } from '../harness.js';
import { deferred, rejection, unique, until, withSession, type Deferred, type TestApi } from './support.js';

/** Timeout of the waits that are meant to time out, ms: short, real time in real adapters. */
const SHORT_WAIT_MS = 300;
/** Timeout of the waits that are meant to get their signal, ms: a run that misses it fails the test slowly, not wrongly. */
const LONG_WAIT_MS = 60_000;
/**
 * How long a test lets a run that finished its `mark` step go on before it counts the wait as begun,
 * real ms: a journal runner begins it in the same turn; DBOS shows it sooner, by its timer record.
 */
const WAIT_BEGIN_MS = 150;

/** The steps of a run recorded after `index` (DBOS records a wait's timer when the wait begins). */
async function recordedAfter(runner: DurableRunner, runId: string, index: number): Promise<boolean> {
  return (await runner.steps(runId)).some((step) => step.index > index);
}

/**
 * Waits until the run's wait that follows its step at `markIndex` has begun: the adapter shows it
 * (a record after the mark), or the run had `WAIT_BEGIN_MS` of real time to begin it.
 */
async function waitBegun(session: RunnerSession, runId: string, markIndex: number): Promise<void> {
  const since = Date.now();
  await until('the wait to begin', async () => Date.now() - since >= WAIT_BEGIN_MS || (await recordedAfter(session.runner, runId, markIndex)));
}

/**
 * Durable waits for signals (`ctx.waitForSignal`, `runner.signal`): a signal sent before the wait is
 * kept, each is consumed once and in order, a run killed while waiting waits for the time left,
 * timeouts and received values replay as recorded, a `signalId` is delivered once, a cancel wakes
 * a waiting run, and signals to unknown or ended runs fail clearly.
 */
export function signalSuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('signals', () => {
    test.it('a signal sent before the wait starts is kept, and the wait is recorded as a step of kind wait', async () => {
      const name = unique('signal-kept');
      const reached = deferred<void>();
      const gate = deferred<number>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('gate', () => (reached.resolve(), gate.promise));
            return await ctx.waitForSignal('approval', { timeoutMs: LONG_WAIT_MS });
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          assert.deepEqual(await session.runner.signal(runId, 'approval', { approved: true, by: 'ana' }), { delivered: true });
          gate.resolve(1);
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), { kind: 'received', value: { approved: true, by: 'ana' } });
          const wait = (await session.runner.steps(runId)).find((step) => step.kind === 'wait');
          assert.ok(wait, 'the wait has a step record of kind wait');
          assert.equal(wait.index, 1);
          assert.equal(wait.name, 'approval');
          assert.equal(wait.status, 'completed');
          assert.deepEqual(wait.output, { kind: 'received', value: { approved: true, by: 'ana' } });
        },
      );
    });

    test.it('a signal sent while the run waits wakes it', async () => {
      const name = unique('signal-wakes');
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('mark', () => (reached.resolve(), Promise.resolve(0)));
            const before = await ctx.now();
            const wait = await ctx.waitForSignal('approval', { timeoutMs: LONG_WAIT_MS });
            return { wait, waitedMs: (await ctx.now()) - before };
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          await waitBegun(session, runId, 1);
          await session.runner.signal(runId, 'approval', 'yes');
          const { wait, waitedMs } = (await session.settle(session.runner.handle(runId).result())) as { wait: SignalWait; waitedMs: number };
          assert.deepEqual(wait, { kind: 'received', value: 'yes' });
          assert.ok(waitedMs < LONG_WAIT_MS, `waited ${waitedMs} ms: the signal did not wake the wait`);
        },
      );
    });

    test.it('each signal is consumed by exactly one wait, first sent first, and only by a wait of its name', async () => {
      const name = unique('signal-once');
      const reached = deferred<void>();
      const gate = deferred<number>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('gate', () => (reached.resolve(), gate.promise));
            const waits: SignalWait[] = [];
            for (let i = 0; i < 3; i++) waits.push(await ctx.waitForSignal('answer', { timeoutMs: SHORT_WAIT_MS }));
            return waits;
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          await session.runner.signal(runId, 'answer', 'first');
          await session.runner.signal(runId, 'other', 'not for these waits');
          await session.runner.signal(runId, 'answer', 'second');
          gate.resolve(1);
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), [
            { kind: 'received', value: 'first' },
            { kind: 'received', value: 'second' },
            { kind: 'timeout' },
          ]);
        },
      );
    });

    test.it('a run killed while waiting resumes waiting for the time left', async () => {
      const name = unique('signal-killed');
      const waitMs = () => use().timing.sleepMs;
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const before = await ctx.now();
            await ctx.step('mark', () => (reached.resolve(), Promise.resolve(0)));
            const wait = await ctx.waitForSignal('approval', { timeoutMs: waitMs() });
            const after = await ctx.now();
            return { wait, before, after };
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          await waitBegun(session, runId, 1);
          const diedAt = session.now();
          const downtimeMs = Math.floor(waitMs() / 2);
          await session.restart({ downtimeMs });
          const { wait, before, after } = (await session.settle(session.runner.handle(runId).result())) as { wait: SignalWait; before: number; after: number };
          assert.deepEqual(wait, { kind: 'timeout' });
          assert.ok(after - before >= waitMs() - 2, `waited ${after - before} ms, expected >= ${waitMs()}`);
          assert.ok(after < diedAt + downtimeMs + waitMs(), `timed out at +${after - before} ms: the wait started over after the restart`);
        },
      );
    });

    test.it('a run killed while waiting takes a signal sent after its recovery', async () => {
      const name = unique('signal-recovered');
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('mark', () => (reached.resolve(), Promise.resolve(0)));
            return await ctx.waitForSignal('approval', { timeoutMs: LONG_WAIT_MS });
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          await waitBegun(session, runId, 0);
          await session.restart({ downtimeMs: 10 });
          assert.deepEqual(await session.runner.signal(runId, 'approval', 42), { delivered: true });
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), { kind: 'received', value: 42 });
        },
      );
    });

    test.it('a timeout is recorded and replays as a timeout, even with a signal there by then', async () => {
      const name = unique('signal-timeout');
      const reached = [deferred<void>(), deferred<void>()];
      const gate = deferred<number>();
      let incarnation = 0;
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const mine = incarnation++;
            const wait = await ctx.waitForSignal('approval', { timeoutMs: SHORT_WAIT_MS });
            await ctx.step('gate', () => (reached[mine]?.resolve(), gate.promise));
            return wait;
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle((reached[0] as Deferred<void>).promise);
          await session.runner.signal(runId, 'approval', 'too late');
          await session.restart({ downtimeMs: 10 });
          await session.settle((reached[1] as Deferred<void>).promise);
          gate.resolve(1);
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), { kind: 'timeout' });
          const wait = (await session.runner.steps(runId)).find((step) => step.kind === 'wait');
          assert.deepEqual(wait?.output, { kind: 'timeout' });
        },
      );
    });

    test.it('a received value replays as received without consuming another signal', async () => {
      const name = unique('signal-replay');
      const reached = [deferred<void>(), deferred<void>()];
      const gate = deferred<number>();
      let incarnation = 0;
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const mine = incarnation++;
            const first = await ctx.waitForSignal('answer', { timeoutMs: LONG_WAIT_MS });
            await ctx.step('gate', () => (reached[mine]?.resolve(), gate.promise));
            const second = await ctx.waitForSignal('answer', { timeoutMs: LONG_WAIT_MS });
            return [first, second];
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.runner.signal(runId, 'answer', 1);
          await session.settle((reached[0] as Deferred<void>).promise);
          await session.runner.signal(runId, 'answer', 2);
          await session.restart({ downtimeMs: 10 });
          await session.settle((reached[1] as Deferred<void>).promise);
          gate.resolve(1);
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), [
            { kind: 'received', value: 1 },
            { kind: 'received', value: 2 },
          ]);
        },
      );
    });

    test.it('a signal sent twice with one signalId is delivered once', async () => {
      const name = unique('signal-duplicate');
      const reached = deferred<void>();
      const gate = deferred<number>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('gate', () => (reached.resolve(), gate.promise));
            const first = await ctx.waitForSignal('answer', { timeoutMs: SHORT_WAIT_MS });
            const second = await ctx.waitForSignal('answer', { timeoutMs: SHORT_WAIT_MS });
            return [first, second];
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          assert.deepEqual(await session.runner.signal(runId, 'answer', 'once', { signalId: 'task-1:answer' }), { delivered: true });
          assert.deepEqual(await session.runner.signal(runId, 'answer', 'twice', { signalId: 'task-1:answer' }), { delivered: false, reason: 'duplicate' });
          gate.resolve(1);
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), [{ kind: 'received', value: 'once' }, { kind: 'timeout' }]);
          // Consumed or not, the id stays taken.
          const other = unique('run');
          await session.runner.start(name, {}, { runId: other });
          assert.deepEqual(await session.runner.signal(other, 'answer', 'same id, other run', { signalId: 'task-1:answer' }), { delivered: true });
          await session.settle(session.runner.handle(other).result());
        },
      );
    });

    test.it('a cancel wakes a waiting run, which ends cancelled', async () => {
      const name = unique('signal-cancel');
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('mark', () => (reached.resolve(), Promise.resolve(0)));
            return await ctx.waitForSignal('approval', { timeoutMs: LONG_WAIT_MS });
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          await waitBegun(session, runId, 0);
          const startedAt = Date.now();
          await session.runner.cancel(runId);
          const error = await rejection(session.settle(session.runner.handle(runId).result()));
          assert.equal(error.code, 'RUN_CANCELLED');
          assert.ok(Date.now() - startedAt < LONG_WAIT_MS / 2, 'the cancel did not wake the wait');
          assert.equal((await session.runner.handle(runId).status()).status, 'cancelled');
        },
      );
    });

    test.it('a wait whose timeout is not a finite number of ms >= 0 fails the run with SIGNAL_WAIT_INVALID', async () => {
      const name = unique('signal-invalid');
      await withSession(
        use,
        (runner) => runner.register(name, async (ctx: DurableContext) => await ctx.waitForSignal('approval', { timeoutMs: Number.NaN })),
        async (session) => {
          const handle = await session.runner.start(name, {}, { runId: unique('run') });
          const error = await rejection(session.settle(handle.result()));
          assert.equal(error.code, 'SIGNAL_WAIT_INVALID');
          assert.match(error.message, /approval/);
        },
      );
    });

    test.it('a signal to an unknown run fails with RUN_NOT_FOUND, to a run that ended with RUN_ENDED', async () => {
      const name = unique('signal-ended');
      await withSession(
        use,
        (runner) => runner.register(name, () => Promise.resolve('done')),
        async (session) => {
          const missing = await rejection(session.runner.signal(unique('no-such-run'), 'approval', 1));
          assert.equal(missing.code, 'RUN_NOT_FOUND');
          const runId = unique('run');
          const handle = await session.runner.start(name, {}, { runId });
          assert.equal(await session.settle(handle.result()), 'done');
          const ended = await rejection(session.runner.signal(runId, 'approval', 1));
          assert.equal(ended.code, 'RUN_ENDED');
          assert.match(ended.message, new RegExp(runId));
        },
      );
    });
  });
}
