import assert from 'node:assert/strict';
import type { DurableContext } from '@casare-rpa/application';
import type { DurableRunnerHarness } from '../harness.js';
import { deferred, unique, withSession, STEP_TIMEOUT_MS, watchAbort, untilAborted, type Deferred, type AbortSeen, type TestApi } from './support.js';

/** Retries with backoff keep the step index; a last failed attempt throws, and throws again on replay; an attempt past `timeoutMs` fails with `STEP_TIMEOUT` and aborts its signal. (docs/architecture.md, rule 8) */
export function stepPolicySuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('step retries and timeouts', () => {
    test.it('retries a failing step with backoff, with the same index on every attempt', async () => {
      const name = unique('retry');
      const attempts: Array<{ index: number; attempt: number; at: number }> = [];
      let clock: () => number = () => 0;
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            await ctx.step('before', () => Promise.resolve(0));
            return ctx.step(
              'flaky',
              ({ index, attempt }) => {
                attempts.push({ index, attempt, at: clock() });
                return attempt < 3 ? Promise.reject(new Error(`attempt ${attempt} failed`)) : Promise.resolve(attempt);
              },
              { maxAttempts: 4, intervalMs: use().timing.retryIntervalMs, backoffRate: 2 },
            );
          }),
        async (session) => {
          clock = () => session.now();
          const runId = unique('run');
          const handle = await session.runner.start(name, {}, { runId });
          assert.equal(await session.settle(handle.result()), 3);
          assert.deepEqual(
            attempts.map(({ index, attempt }) => [index, attempt]),
            [
              [1, 1],
              [1, 2],
              [1, 3],
            ],
          );
          const interval = use().timing.retryIntervalMs;
          const [first, second, third] = attempts as [(typeof attempts)[0], (typeof attempts)[0], (typeof attempts)[0]];
          assert.ok(second.at - first.at >= interval - 2, `first retry after ${second.at - first.at} ms, expected >= ${interval}`);
          assert.ok(third.at - second.at >= 2 * interval - 2, `second retry after ${third.at - second.at} ms, expected >= ${2 * interval}`);
          const steps = await session.runner.steps(runId);
          assert.deepEqual(
            steps.map((step) => [step.name, step.status]),
            [
              ['before', 'completed'],
              ['flaky', 'completed'],
            ],
          );
        },
      );
    });

    test.it('a step whose last attempt fails throws its error, and throws it again on replay', async () => {
      const name = unique('exhausted');
      let calls = 0;
      let gate = deferred<number>();
      const reached = [deferred<void>(), deferred<void>()];
      let incarnation = 0;
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const mine = incarnation++;
            let message = '';
            try {
              await ctx.step('doomed', () => (calls++, Promise.reject(new Error('the cause'))), {
                maxAttempts: 2,
                intervalMs: use().timing.retryIntervalMs,
                backoffRate: 1,
              });
            } catch (error) {
              message = (error as Error).message;
            }
            await ctx.step('gate', () => (reached[mine]?.resolve(), gate.promise));
            return message;
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle((reached[0] as Deferred<void>).promise);
          assert.equal(calls, 2);
          await session.restart();
          await session.settle((reached[1] as Deferred<void>).promise);
          gate.resolve(0);
          gate = deferred<number>();
          const message = await session.settle(session.runner.handle(runId).result());
          assert.equal(calls, 2, 'a failed step must not run again on replay');
          assert.match(JSON.stringify(message), /the cause/);
          const steps = await session.runner.steps(runId);
          assert.equal(steps[0]?.name, 'doomed');
          assert.equal(steps[0]?.status, 'failed');
          assert.match(steps[0]?.error ?? '', /the cause/);
        },
      );
    });

    test.it('an attempt past timeoutMs fails with STEP_TIMEOUT and aborts its signal; retried per policy; replay throws it again', async () => {
      const name = unique('timeout');
      const aborts: AbortSeen[] = [];
      const started: Array<readonly [string, number]> = [];
      const reached = [deferred<void>(), deferred<void>()];
      let gate = deferred<number>();
      let incarnation = 0;
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            const mine = incarnation++;
            const policy = { intervalMs: use().timing.retryIntervalMs, backoffRate: 1, timeoutMs: STEP_TIMEOUT_MS };
            // Attempt 1 stops when told; attempt 2 is quick.
            const flaky = await ctx.step(
              'flaky',
              ({ attempt, signal }) => {
                started.push(['flaky', attempt]);
                watchAbort(signal, 'flaky', attempt, aborts);
                return attempt === 1 ? untilAborted(signal) : Promise.resolve(attempt);
              },
              { ...policy, maxAttempts: 2 },
            );
            // Ignores its signal: the runner fails the attempt all the same.
            let stuck: unknown;
            try {
              await ctx.step(
                'stuck',
                ({ attempt, signal }) => {
                  started.push(['stuck', attempt]);
                  watchAbort(signal, 'stuck', attempt, aborts);
                  return new Promise<number>(() => undefined);
                },
                { ...policy, maxAttempts: 1 },
              );
            } catch (error) {
              stuck = (error as { code?: unknown }).code;
            }
            await ctx.step('gate', () => (reached[mine]?.resolve(), gate.promise));
            return { flaky, stuck: String(stuck) };
          }),
        async (session) => {
          const runId = unique('run');
          await session.runner.start(name, {}, { runId });
          await session.settle((reached[0] as Deferred<void>).promise);
          assert.deepEqual(started, [
            ['flaky', 1],
            ['flaky', 2],
            ['stuck', 1],
          ]);
          assert.deepEqual(aborts, [
            ['flaky', 1, 'STEP_TIMEOUT'],
            ['stuck', 1, 'STEP_TIMEOUT'],
          ]);
          await session.restart();
          await session.settle((reached[1] as Deferred<void>).promise);
          gate.resolve(0);
          gate = deferred<number>();
          assert.deepEqual(await session.settle(session.runner.handle(runId).result()), { flaky: 2, stuck: 'STEP_TIMEOUT' });
          assert.equal(started.length, 3, 'a replay must not run a recorded step again');
          const steps = await session.runner.steps(runId);
          assert.deepEqual(
            steps.map((step) => [step.name, step.status]),
            [
              ['flaky', 'completed'],
              ['stuck', 'failed'],
              ['gate', 'completed'],
            ],
          );
        },
      );
    });
  });
}
