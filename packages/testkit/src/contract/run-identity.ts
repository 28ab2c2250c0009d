import assert from 'node:assert/strict';
import type { Json } from '@casare-rpa/domain';
import type { DurableContext } from '@casare-rpa/application';
import type { DurableRunnerHarness } from '../harness.js';
import { deferred, unique, rejection, withSession, type TestApi } from './support.js';

/** Run ids are idempotent (an existing id executes nothing, a second start while running executes once), steps are recorded by index, `list` filters and orders, unknown ids are `RUN_NOT_FOUND`. (docs/architecture.md, rule 5) */
export function runIdentitySuite(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('run ids, queries and unknown runs', () => {
    test.it('runs a body to its result and records each step by index', async () => {
      const name = unique('basic');
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext, input: Json) => {
            const a = await ctx.step('a', ({ index }) => Promise.resolve({ index, input }));
            const b = await ctx.step('b', ({ index }) => Promise.resolve(index * 10));
            return { a, b, runId: ctx.runId, recovering: ctx.recovering };
          }),
        async (session) => {
          const runId = unique('run');
          const handle = await session.runner.start(name, { x: 1 }, { runId });
          assert.equal(handle.runId, runId);
          assert.deepEqual(await session.settle(handle.result()), { a: { index: 0, input: { x: 1 } }, b: 10, runId, recovering: false });
          const steps = await session.runner.steps(runId);
          assert.deepEqual(
            steps.map((step) => [step.index, step.name, step.status, step.output]),
            [
              [0, 'a', 'completed', { index: 0, input: { x: 1 } }],
              [1, 'b', 'completed', 10],
            ],
          );
          const status = await handle.status();
          assert.equal(status.status, 'succeeded');
          assert.equal(status.workflowName, name);
        },
      );
    });

    test.it('starting an existing run id returns that run and executes nothing', async () => {
      const name = unique('dup');
      let bodies = 0;
      let effects = 0;
      await withSession(
        use,
        (runner) =>
          runner.register(name, async (ctx: DurableContext) => {
            bodies += 1;
            return ctx.step('effect', () => Promise.resolve(++effects));
          }),
        async (session) => {
          const runId = unique('run');
          const first = await session.runner.start(name, {}, { runId });
          assert.equal(await session.settle(first.result()), 1);
          const again = await session.runner.start(name, { other: true }, { runId });
          assert.equal(await session.settle(again.result()), 1);
          assert.equal(bodies, 1);
          assert.equal(effects, 1);
          assert.equal((await session.runner.steps(runId)).length, 1);
        },
      );
    });

    test.it('a run started twice while it runs executes once', async () => {
      const name = unique('dup-running');
      const gate = deferred<number>();
      let effects = 0;
      await withSession(
        use,
        (runner) => runner.register(name, (ctx: DurableContext) => ctx.step('slow', () => (effects++, gate.promise))),
        async (session) => {
          const runId = unique('run');
          const first = await session.runner.start(name, {}, { runId });
          const second = await session.runner.start(name, {}, { runId });
          gate.resolve(7);
          assert.equal(await session.settle(first.result()), 7);
          assert.equal(await session.settle(second.result()), 7);
          assert.equal(effects, 1);
        },
      );
    });

    test.it('list filters by status and name, most recent first', async () => {
      const ok = unique('list-ok');
      const bad = unique('list-bad');
      await withSession(
        use,
        (runner) => {
          runner.register(ok, (ctx: DurableContext) => ctx.step('s', () => Promise.resolve(1)));
          runner.register(bad, (ctx: DurableContext) => ctx.step('s', () => Promise.reject(new Error('broken'))));
        },
        async (session) => {
          const ids: string[] = [];
          for (const workflow of [ok, bad, ok]) {
            const runId = unique('run');
            ids.push(runId);
            const handle = await session.runner.start(workflow, {}, { runId });
            await session.settle(handle.result().catch(() => undefined));
            // Distinct creation times make "most recent first" observable on any clock.
            await session.settle(new Promise((resolve) => setTimeout(resolve, 5)));
          }
          const oks = await session.runner.list({ workflowName: ok });
          assert.deepEqual(
            oks.map((run) => run.runId),
            [ids[2], ids[0]],
          );
          assert.ok(oks.every((run) => run.status === 'succeeded'));
          const failed = await session.runner.list({ workflowName: bad, status: 'failed' });
          assert.deepEqual(
            failed.map((run) => run.runId),
            [ids[1]],
          );
          assert.match(failed[0]?.error ?? '', /broken/);
          const latest = await session.runner.list({ workflowName: ok, limit: 1 });
          assert.deepEqual(
            latest.map((run) => run.runId),
            [ids[2]],
          );
          assert.deepEqual(await session.runner.list({ workflowName: ok, status: 'failed' }), []);
        },
      );
    });

    test.it('unknown run ids are reported as RUN_NOT_FOUND', async () => {
      await withSession(
        use,
        () => undefined,
        async (session) => {
          const missing = unique('missing');
          const calls: Array<() => Promise<unknown>> = [
            () => session.runner.steps(missing),
            () => session.runner.cancel(missing),
            () => session.runner.fork(missing, 0),
            () => session.runner.handle(missing).status(),
          ];
          for (const call of calls) {
            const error = await session.settle(rejection(call()));
            assert.equal(error.code, 'RUN_NOT_FOUND', `expected RUN_NOT_FOUND, got ${String(error.code)}: ${error.message}`);
          }
        },
      );
    });
  });
}
