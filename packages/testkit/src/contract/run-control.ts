import assert from 'node:assert/strict';
import type { DurableContext, RunHandle } from '@casare-rpa/application';
import type { DurableRunnerHarness } from '../harness.js';
import { deferred, unique, rejection, withSession, watchAbort, untilAborted, until, type AbortSeen, type TestApi } from './support.js';

/** `cancel` aborts the attempt in flight without recording it and stops the run before its next step; `resume` finishes it without re-running completed steps; `fork` replays the steps before `fromStep` and executes the rest. */
export function runControlSuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('cancel, resume and fork', () => {
    test.it('cancel aborts the signal of the attempt in flight; the attempt it stops is not recorded', async () => {
      const name = unique('cancel-signal');
      const aborts: AbortSeen[] = [];
      const reached = deferred<void>();
      let runs = 0;
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('a', () => Promise.resolve(1));
            return ctx.step('b', ({ attempt, signal }) => {
              runs += 1;
              if (runs > 1) return Promise.resolve('resumed');
              watchAbort(signal, 'b', attempt, aborts);
              reached.resolve();
              return untilAborted(signal);
            });
          }),
        async (session) => {
          const runId = unique('run');
          const handle = await session.runner.start(name, {}, { runId });
          await session.settle(reached.promise);
          await session.runner.cancel(runId);
          const error = await session.settle(rejection(handle.result()));
          assert.equal(error.code, 'RUN_CANCELLED', `expected RUN_CANCELLED, got ${String(error.code)}: ${error.message}`);
          // A runner may report the cancel before the attempt hears of it (DBOS polls for cancels).
          await until('the attempt in flight to see its signal abort', () => aborts.length === 1);
          assert.deepEqual(
            (await session.runner.steps(runId)).map((step) => step.name),
            ['a'],
          );
          assert.equal(await session.settle((await session.runner.resume(runId)).result()), 'resumed');
        },
      );
    });

    test.it('cancel stops a run before its next step; resume finishes it without re-running completed steps', async () => {
      const name = unique('cancel');
      const counts = { a: 0, b: 0, c: 0 };
      const gate = deferred<number>();
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('a', () => Promise.resolve(++counts.a));
            await ctx.step('b', () => (counts.b++, reached.resolve(), gate.promise));
            await ctx.step('c', () => Promise.resolve(++counts.c));
            return 'done';
          }),
        async (session) => {
          const runId = unique('run');
          const handle = await session.runner.start(name, {}, { runId });
          await session.settle(reached.promise);
          await session.runner.cancel(runId);
          gate.resolve(2);
          const error = await session.settle(rejection(handle.result()));
          assert.equal(error.code, 'RUN_CANCELLED', `expected RUN_CANCELLED, got ${String(error.code)}: ${error.message}`);
          assert.equal((await handle.status()).status, 'cancelled');
          assert.equal(counts.c, 0);
          const resumed: RunHandle = await session.runner.resume(runId);
          assert.equal(await session.settle(resumed.result()), 'done');
          // The step in flight when the cancel came may run again on resume (DBOS does not record a
          // step that finishes after its run was cancelled); completed steps never do.
          assert.equal(counts.a, 1);
          assert.ok(counts.b === 1 || counts.b === 2, `step b ran ${counts.b} times`);
          assert.equal(counts.c, 1);
          assert.equal((await session.runner.handle(runId).status()).status, 'succeeded');
        },
      );
    });

    test.it('fork starts a new run that replays the steps before `fromStep` and executes the rest', async () => {
      const name = unique('fork');
      const counts = { a: 0, b: 0, c: 0 };
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const a = await ctx.step('a', () => Promise.resolve(++counts.a));
            const b = await ctx.step('b', () => Promise.resolve(++counts.b));
            const c = await ctx.step('c', () => Promise.resolve(++counts.c));
            return [a, b, c];
          }),
        async (session) => {
          const runId = unique('run');
          assert.deepEqual(await session.settle((await session.runner.start(name, {}, { runId })).result()), [1, 1, 1]);
          const forkId = unique('fork-run');
          const fork = await session.runner.fork(runId, 1, { runId: forkId });
          assert.equal(fork.runId, forkId);
          assert.deepEqual(await session.settle(fork.result()), [1, 2, 2]);
          assert.deepEqual(counts, { a: 1, b: 2, c: 2 });
          assert.deepEqual(
            (await session.runner.steps(forkId)).map((step) => [step.index, step.name, step.output]),
            [
              [0, 'a', 1],
              [1, 'b', 2],
              [2, 'c', 2],
            ],
          );
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), [1, 1, 1]);
        },
      );
    });
  });
}
