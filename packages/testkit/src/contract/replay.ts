import assert from 'node:assert/strict';
import type { DurableContext } from '@casare-rpa/application';
import type { DurableRunnerHarness } from '../harness.js';
import { deferred, unique, rejection, withSession, KINDS_SLEEP_MS, type Deferred, type TestApi } from './support.js';

/** Recovery replays recorded steps and re-runs only the one in flight with the same index; a replay that meets a different step or operation fails with a nondeterminism error (docs/architecture.md, rules 2, 3 and 6). */
export function replaySuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('replay after a crash', () => {
    test.it('recovery replays recorded steps and re-runs the one in flight with the same index', async () => {
      const name = unique('recover');
      const counts = { a: 0, b: 0, c: 0 };
      const indexes: number[] = [];
      let gate = deferred<string>();
      const reached: Array<Deferred<void>> = [deferred<void>()];
      let recoveredFlags: boolean[] = [];
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            recoveredFlags = [...recoveredFlags, ctx.recovering];
            const a = await ctx.step('a', () => Promise.resolve(++counts.a));
            const b = await ctx.step('b', ({ index }) => {
              counts.b += 1;
              indexes.push(index);
              reached.at(-1)?.resolve();
              return gate.promise;
            });
            const c = await ctx.step('c', () => Promise.resolve(++counts.c));
            return [a, b, c];
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle((reached[0] as Deferred<void>).promise);
          reached.push(deferred<void>());
          await session.restart();
          await session.settle((reached[1] as Deferred<void>).promise);
          gate.resolve('b');
          gate = deferred<string>();
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), [1, 'b', 1]);
          assert.deepEqual(counts, { a: 1, b: 2, c: 1 });
          assert.deepEqual(indexes, [1, 1]);
          assert.deepEqual(recoveredFlags, [false, true]);
          assert.deepEqual(
            (await session.runner.steps(runId)).map((step) => step.name),
            ['a', 'b', 'c'],
          );
        },
      );
    });

    test.it('steps started concurrently take indexes in call order, record as they finish and replay by index', async () => {
      const name = unique('concurrent');
      const counts = { x: 0, y: 0, z: 0, after: 0 };
      const indexes: Record<string, number[]> = { x: [], y: [], z: [] };
      const zDone = deferred<void>();
      let yGate = deferred<string>();
      const yReached: Array<Deferred<void>> = [deferred<void>()];
      const xRecorded = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            // Started in one turn, as parallel branches start theirs: z finishes first, then x, y last.
            const x = ctx.step('x', async ({ index }) => {
              counts.x += 1;
              indexes.x?.push(index);
              await zDone.promise;
              return 'x';
            });
            const y = ctx.step('y', ({ index }) => {
              counts.y += 1;
              indexes.y?.push(index);
              yReached.at(-1)?.resolve();
              return yGate.promise;
            });
            const z = ctx.step('z', ({ index }) => {
              counts.z += 1;
              indexes.z?.push(index);
              zDone.resolve();
              return Promise.resolve('z');
            });
            void x.then(() => xRecorded.resolve());
            const all = await Promise.all([x, y, z]);
            const after = await ctx.step('after', () => Promise.resolve(++counts.after));
            return [...all, after];
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle((yReached[0] as Deferred<void>).promise);
          await session.settle(xRecorded.promise);
          yReached.push(deferred<void>());
          await session.restart();
          await session.settle((yReached[1] as Deferred<void>).promise);
          yGate.resolve('y');
          yGate = deferred<string>();
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), ['x', 'y', 'z', 1]);
          // x and z completed before the crash: only y, in flight, ran again, under the same index.
          assert.deepEqual(counts, { x: 1, y: 2, z: 1, after: 1 });
          assert.deepEqual(indexes, { x: [0], y: [1, 1], z: [2] });
          assert.deepEqual(
            (await session.runner.steps(runId)).map((step) => [step.index, step.name]),
            [
              [0, 'x'],
              [1, 'y'],
              [2, 'z'],
              [3, 'after'],
            ],
          );
        },
      );
    });

    test.it('a replay that meets a different step fails with a nondeterminism error', async () => {
      const name = unique('nondet');
      let variant = 1;
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step(variant === 1 ? 'first' : 'renamed', () => Promise.resolve(1));
            return ctx.step('block', () => (reached.resolve(), new Promise<number>(() => undefined)));
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle(reached.promise);
          variant = 2;
          await session.restart();
          const error = await session.settle(rejection(session.runner.handle(runId).result()));
          assert.equal(error.code, 'NONDETERMINISM', `expected NONDETERMINISM, got ${String(error.code)}: ${error.message}`);
          assert.match(error.message, /first/);
          assert.match(error.message, /renamed/);
          assert.equal((await session.runner.handle(runId).status()).status, 'failed');
        },
      );
    });

    test.it('a replay that meets a sleep where a step was recorded names both as the port does', async () => {
      const name = unique('nondet-sleep');
      let variant = 1;
      const reached = deferred<void>();
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            if (variant === 1) await ctx.step('first', () => Promise.resolve(1));
            else await ctx.sleep(KINDS_SLEEP_MS);
            return ctx.step('block', () => (reached.resolve(), new Promise<number>(() => undefined)));
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle(reached.promise);
          variant = 2;
          await session.restart();
          const error = (await session.settle(rejection(session.runner.handle(runId).result()))) as {
            code?: unknown;
            expected?: unknown;
            actual?: unknown;
            message: string;
          };
          assert.equal(error.code, 'NONDETERMINISM', `expected NONDETERMINISM, got ${String(error.code)}: ${error.message}`);
          assert.deepEqual([error.expected, error.actual], ['first', 'sleep'], error.message);
        },
      );
    });
  });
}
