import assert from 'node:assert/strict';
import type { DurableContext } from '@casare-rpa/application';
import type { DurableRunnerHarness } from '../harness.js';
import { deferred, unique, withSession, KINDS_SLEEP_MS, until, type Deferred, type TestApi } from './support.js';

/** A durable sleep killed halfway wakes at the time first planned; `now()` is recorded once; step records name the operation (clock read, durable sleep, step). */
export function durableTimeSuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('durable time', () => {
    test.it('a durable sleep killed halfway wakes at the time first planned', async () => {
      const name = unique('sleep');
      const sleepMs = () => use().timing.sleepMs;
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const before = await ctx.now();
            await ctx.step('mark', () => (reached.resolve(), Promise.resolve(0)));
            await ctx.sleep(sleepMs());
            const after = await ctx.now();
            return { before, after };
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await reached.promise;
          // The sleep is recorded right after the step; wait for it before killing the runner.
          await until('the sleep to be recorded', async () => (await session.runner.steps(runId)).length >= 3);
          const diedAt = session.now();
          const downtimeMs = Math.floor(sleepMs() / 2);
          await session.restart({ downtimeMs });
          const { before, after } = (await session.settle(session.runner.handle(runId).result())) as { before: number; after: number };
          assert.ok(after - before >= sleepMs() - 2, `slept ${after - before} ms, expected >= ${sleepMs()}`);
          assert.ok(after < diedAt + downtimeMs + sleepMs(), `woke at +${after - before} ms: the sleep started over after the restart`);
        },
      );
    });

    test.it('now() is recorded once and replayed', async () => {
      const name = unique('now');
      const reached = [deferred<void>(), deferred<void>()];
      let gate = deferred<number>();
      let incarnation = 0;
      const seen: number[] = [];
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const mine = incarnation++;
            const time = await ctx.now();
            seen.push(time);
            await ctx.step('gate', () => (reached[mine]?.resolve(), gate.promise));
            return time;
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle((reached[0] as Deferred<void>).promise);
          await session.restart({ downtimeMs: 50 });
          await session.settle((reached[1] as Deferred<void>).promise);
          gate.resolve(0);
          gate = deferred<number>();
          const time = await session.settle(session.runner.handle(runId).result());
          assert.equal(seen.length, 2);
          assert.equal(seen[0], seen[1]);
          assert.equal(time, seen[0]);
        },
      );
    });

    test.it('records say which operation each step was: a clock read, a step named `sleep`, a durable sleep', async () => {
      const name = unique('kinds');
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.now();
            // A step may be called what the runner calls its sleeps: only the kind tells them apart.
            await ctx.step('sleep', () => Promise.resolve('node'));
            await ctx.sleep(KINDS_SLEEP_MS);
            return 'done';
          }),
        async (session) => {
          const runId = unique('run');
          const handle = await session.runner.start(name, {}, { runId });
          assert.equal(await session.settle(handle.result()), 'done');
          const steps = await session.runner.steps(runId);
          assert.deepEqual(
            steps.map((step) => [step.index, step.kind, step.name]),
            [
              [0, 'now', 'now'],
              [1, 'step', 'sleep'],
              [2, 'sleep', 'sleep'],
            ],
          );
        },
      );
    });
  });
}
