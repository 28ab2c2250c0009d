// What the contract suites share: unique names on a shared store, sessions, rejections, gates.
import assert from 'node:assert/strict';
import type { DurableRunner } from '@casare-rpa/application';
import type { DurableRunnerHarness, RunnerSession } from '../harness.js';

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

/** A contract suite: registers its tests with `test`, reading the adapter's harness through `use`. */
export type ContractSuite = (test: TestApi, use: () => DurableRunnerHarness) => void;

/** A promise with its resolver, for gates inside step bodies. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const SALT = Math.floor(Math.random() * 36 ** 6).toString(36);
let nameCounter = 0;
/** A workflow name (and run id prefix) no other test of the suite uses, even on a shared store. */
export function unique(label: string): string {
  nameCounter += 1;
  return `${label}-${SALT}-${nameCounter}`;
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<{ readonly code?: unknown; readonly name?: unknown; readonly message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { readonly code?: unknown; readonly name?: unknown; readonly message: string };
  }
  assert.fail('expected a rejection');
}

export async function withSession(
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
export const KINDS_SLEEP_MS = 10;

/** Per-attempt timeout of the timeout tests, ms; real time in every adapter (attempt bodies work in real time). */
export const STEP_TIMEOUT_MS = 50;

/** What a step body saw of its signal: step, attempt, and the code of the abort reason. */
export type AbortSeen = readonly [step: string, attempt: number, code: unknown];

/** Records into `seen` when `signal` aborts, with the reason's `code`. */
export function watchAbort(signal: AbortSignal, step: string, attempt: number, seen: AbortSeen[]): void {
  signal.addEventListener('abort', () => seen.push([step, attempt, (signal.reason as { code?: unknown } | undefined)?.code]), { once: true });
}

/** A body that stops as a well-behaved one does: it rejects with the reason once its signal aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}

/** Polls `condition` in real time without moving a virtual clock (a sleeping run stays asleep). */
export async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 2000; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}
