import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Json } from '@casare-rpa/domain';
import type { DurableContext } from '../ports/durable-context.js';
import type { DurableRunner, RunHandle } from '../ports/durable-runner.js';
import type { DurableRunnerHarness, HarnessFactory, RunnerSession } from './harness.js';
import { describeObservation, observeScenario, PROPERTIES, type Observation } from './scenario.js';
import { regressionScenarios } from './regressions.js';
import { DEFAULT_SCALE, scenarioArbitrary, type GeneratedScenario, type ProgramScale } from './workflow-arbitrary.js';

/**
 * The part of a test framework the contract needs (vitest's `describe`, `it`, `beforeAll`,
 * `afterAll` fit; pass `import * as vitest from 'vitest'`). Keeps the testkit free of any test
 * framework so child processes can import it.
 */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  beforeAll(body: () => Promise<void>, timeoutMs?: number): void;
  afterAll(body: () => Promise<void>, timeoutMs?: number): void;
}

/** Options of `durableRunnerContract`. */
export interface ContractOptions {
  /** Size of generated workflows (smaller for adapters that spawn a process per incarnation). */
  readonly scale?: ProgramScale;
  /** Runs only the plain tests or only the properties. */
  readonly only?: 'plain' | 'properties';
  /** Timeout of each property test, ms (default 10 minutes). */
  readonly propertyTimeoutMs?: number;
}

/**
 * The durable-runner contract: plain tests of each `DurableRunner` operation and the five crash
 * properties on generated workflows. An adapter runs it from a two-line test file:
 *
 * @example
 * import * as vitest from 'vitest';
 * durableRunnerContract(vitest, 'InMemoryDurableRunner', () => new InMemoryHarness());
 */
export function durableRunnerContract(test: TestApi, name: string, makeHarness: HarnessFactory, options: ContractOptions = {}): void {
  test.describe(`DurableRunner contract: ${name}`, () => {
    let harness: DurableRunnerHarness | undefined;
    const use = (): DurableRunnerHarness => {
      if (!harness) throw new Error('harness not built');
      return harness;
    };
    test.beforeAll(async () => {
      harness = await makeHarness();
    }, 120_000);
    test.afterAll(async () => {
      await harness?.dispose?.();
    }, 120_000);
    if (options.only !== 'properties') plainTests(test, use);
    if (options.only !== 'plain') {
      regressionTests(test, use);
      propertyTests(test, use, options.scale ?? DEFAULT_SCALE, options.propertyTimeoutMs ?? 600_000);
    }
  });
}

/** Generated cases per property: `FC_NUM_RUNS`, else the harness's default. */
export function numRunsFor(harness: DurableRunnerHarness): number {
  const fromEnv = Number(process.env['FC_NUM_RUNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : harness.defaultNumRuns;
}

function regressionTests(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('regressions (named crash scenarios, all five properties)', () => {
    for (const scenario of regressionScenarios()) {
      test.it(
        scenario.name,
        async () => {
          const observation = await observeScenario(use(), scenario);
          const problems = Object.entries(PROPERTIES).flatMap(([property, check]) => check(observation).map((problem) => `${property}: ${problem}`));
          const crashed = observation.incarnations.filter((report) => report.crashed).length;
          if (crashed !== scenario.crashes.length) problems.push(`expected ${scenario.crashes.length} crashes, ${crashed} happened`);
          if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${describeObservation(observation)}`);
        },
        300_000,
      );
    }
  });
}

function propertyTests(test: TestApi, use: () => DurableRunnerHarness, scale: ProgramScale, timeoutMs: number): void {
  // Every property replays the same seed, so each generated case runs once and is checked five
  // times: an adapter that spawns processes pays for the scenarios, not for the properties.
  const seed = Number(process.env['FC_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  const observations = new Map<string, Promise<Observation>>();
  const observe = (scenario: GeneratedScenario): Promise<Observation> => {
    let observation = observations.get(scenario.runId);
    if (!observation) {
      observation = observeScenario(use(), scenario);
      observations.set(scenario.runId, observation);
    }
    return observation;
  };
  test.describe('crash properties (generated workflows, crashes at arbitrary points)', () => {
    test.afterAll(() => {
      observations.clear();
      return Promise.resolve();
    });
    for (const [property, check] of Object.entries(PROPERTIES)) {
      test.it(
        property,
        async () => {
          const harness = use();
          await fc.assert(
            fc.asyncProperty(scenarioArbitrary(scale), async (scenario) => {
              const observation = await observe(scenario);
              const problems = check(observation);
              if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${describeObservation(observation)}`);
            }),
            { numRuns: numRunsFor(harness), seed },
          );
        },
        timeoutMs,
      );
    }
  });
}

/** A promise with its resolver, for gates inside step bodies. */
interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const SALT = Math.floor(Math.random() * 36 ** 6).toString(36);
let nameCounter = 0;
/** A workflow name (and run id prefix) no other test of the suite uses, even on a shared store. */
function unique(label: string): string {
  nameCounter += 1;
  return `${label}-${SALT}-${nameCounter}`;
}

/** The error a promise rejects with (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<{ readonly code?: unknown; readonly name?: unknown; readonly message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { readonly code?: unknown; readonly name?: unknown; readonly message: string };
  }
  assert.fail('expected a rejection');
}

async function withSession(
  use: () => DurableRunnerHarness,
  setup: (runner: DurableRunner) => void,
  body: (session: RunnerSession) => Promise<void>,
): Promise<void> {
  const session = await use().openSession(setup);
  try {
    await body(session);
  } finally {
    await session.close();
  }
}

/** Durable sleep of the tests about sleep records, ms: short, since only the record matters there. */
const KINDS_SLEEP_MS = 10;

/** Per-attempt timeout of the timeout tests, ms; real time in every adapter (attempt bodies work in real time). */
const STEP_TIMEOUT_MS = 50;

/** What a step body saw of its signal: step, attempt, and the code of the abort reason. */
type AbortSeen = readonly [step: string, attempt: number, code: unknown];

/** Records into `seen` when `signal` aborts, with the reason's `code`. */
function watchAbort(signal: AbortSignal, step: string, attempt: number, seen: AbortSeen[]): void {
  signal.addEventListener('abort', () => seen.push([step, attempt, (signal.reason as { code?: unknown } | undefined)?.code]), { once: true });
}

/** A body that stops as a well-behaved one does: it rejects with the reason once its signal aborts. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}

/** Polls `condition` in real time without moving a virtual clock (a sleeping run stays asleep). */
async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 2000; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function plainTests(test: TestApi, use: () => DurableRunnerHarness): void {
  test.describe('operations', () => {
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
