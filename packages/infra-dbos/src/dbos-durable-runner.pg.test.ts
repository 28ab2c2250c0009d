import { randomBytes } from 'node:crypto';
import { NondeterminismError, RunCancelledError, RunNotFoundError, type DurableContext, type StepAttempt } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import type { Json, JsonObject } from '@casare-rpa/domain';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { RunnerStateError, WorkflowNotRegisteredError } from '@casare-rpa/application';
import { isPostgresReachable, TestSystemDatabase } from './testing/test-database.js';

const database = new TestSystemDatabase('runner');
const available = requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL');

/** Side effects of step bodies, outside any checkpoint: what really ran. */
const ledger: { runId: string; name: string; index: number; attempt: number }[] = [];
const record = (ctx: DurableContext, name: string, attempt: StepAttempt): void => {
  ledger.push({ runId: ctx.runId, name, index: attempt.index, attempt: attempt.attempt });
};
/** A step body that records its run in the ledger and returns `value`. */
const effect =
  <T extends Json>(ctx: DurableContext, name: string, value: (attempt: StepAttempt) => T) =>
  (attempt: StepAttempt): Promise<T> => {
    record(ctx, name, attempt);
    return Promise.resolve(value(attempt));
  };
const ran = (runId: string): string[] => ledger.filter((entry) => entry.runId === runId).map((entry) => entry.name);

/** A coded failure as the application throws them: code and data must survive the journal. */
class CodedFailure extends Error {
  readonly code = 'NODE_FAILED';
  constructor(
    message: string,
    readonly nodeId: string,
    readonly details: JsonObject,
  ) {
    super(message);
    this.name = 'CodedFailure';
  }
}

let variant: 'a' | 'b' = 'a';
const gates = new Map<string, () => void>();
const waitAtGate = (runId: string): Promise<void> => new Promise((resolve) => gates.set(runId, resolve));

function registerBodies(runner: DbosDurableRunner): void {
  runner.register<{ nodes: string[] }, Json>('linear', async (ctx, input) => {
    const outputs: Json[] = [];
    for (const name of input.nodes) {
      outputs.push(
        await ctx.step(
          name,
          effect(ctx, name, (attempt) => ({ node: name, index: attempt.index })),
        ),
      );
    }
    return { outputs, recovering: ctx.recovering };
  });
  runner.register<{ failures: number; maxAttempts: number }, Json>('flaky', async (ctx, input) => {
    const attempts = await ctx.step(
      'flaky_node',
      effect(ctx, 'flaky_node', (attempt) => {
        if (attempt.attempt <= input.failures) throw new CodedFailure(`attempt ${attempt.attempt} failed`, 'flaky_node', { attempt: attempt.attempt });
        return attempt.attempt;
      }),
      { maxAttempts: input.maxAttempts, intervalMs: 10, backoffRate: 2 },
    );
    return { attempts };
  });
  runner.register<JsonObject, Json>('fails', async (ctx) => {
    try {
      await ctx.step(
        'broken',
        effect(ctx, 'broken', () => {
          throw new CodedFailure('the node broke', 'broken', { why: 'because', n: 3 });
        }),
      );
    } catch (error) {
      throw new CodedFailure(`run failed: ${(error as Error).message}`, (error as CodedFailure).nodeId, { stepCode: (error as CodedFailure).code });
    }
    return null;
  });
  runner.register<JsonObject, Json>('timed', async (ctx) => {
    const before = await ctx.now();
    await ctx.sleep(20);
    const after = await ctx.now();
    return { slept: after - before };
  });
  runner.register<{ gate: boolean }, Json>('gated', async (ctx, input) => {
    await ctx.step(
      'before_gate',
      effect(ctx, 'before_gate', () => 1),
    );
    if (input.gate && !ctx.recovering) await waitAtGate(ctx.runId);
    await ctx.step(
      'after_gate',
      effect(ctx, 'after_gate', () => 2),
    );
    return { recovering: ctx.recovering };
  });
  runner.register<JsonObject, Json>('variant', async (ctx) => {
    const names = variant === 'a' ? ['first', 'second', 'third'] : ['first', 'changed', 'third'];
    for (const name of names)
      await ctx.step(
        name,
        effect(ctx, name, () => name),
      );
    return names;
  });
}

describe.runIf(available)('DbosDurableRunner on PostgreSQL', () => {
  let runner: DbosDurableRunner;

  beforeAll(async () => {
    await database.create();
    runner = new DbosDurableRunner(dbosRunnerConfigFromEnv({}, { databaseUrl: database.url, executorId: 'runner-test', logLevel: 'error' }));
    registerBodies(runner);
    await runner.launch();
  });

  afterAll(async () => {
    await runner?.shutdown();
    await database.drop();
  });

  beforeEach(() => {
    variant = 'a';
  });

  it('runs each step as a DBOS step named by the node, with the DBOS function id as its index', async () => {
    const handle = await runner.start('linear', { nodes: ['start', 'set_x', 'end'] }, { runId: 'linear-1' });
    expect(await handle.result()).toEqual({
      outputs: [
        { node: 'start', index: 0 },
        { node: 'set_x', index: 1 },
        { node: 'end', index: 2 },
      ],
      recovering: false,
    });
    const steps = await runner.steps('linear-1');
    expect(steps.map((step) => [step.index, step.name, step.status])).toEqual([
      [0, 'start', 'completed'],
      [1, 'set_x', 'completed'],
      [2, 'end', 'completed'],
    ]);
    expect(steps[1]?.output).toEqual({ node: 'set_x', index: 1 });
    expect((await handle.status()).status).toBe('succeeded');
  });

  it('returns the existing run for a run id that exists, executing nothing', async () => {
    const first = await runner.start('linear', { nodes: ['only'] }, { runId: 'dup-1' });
    await first.result();
    const second = await runner.start('linear', { nodes: ['something', 'else'] }, { runId: 'dup-1' });
    expect(await second.result()).toEqual(await first.result());
    const otherWorkflow = await runner.start('timed', {}, { runId: 'dup-1' });
    expect(await otherWorkflow.result()).toEqual(await first.result());
    expect(ran('dup-1')).toEqual(['only']);
    expect((await runner.steps('dup-1')).map((step) => step.name)).toEqual(['only']);
  });

  it('retries a failing step with the policy and records one completed step', async () => {
    const handle = await runner.start('flaky', { failures: 2, maxAttempts: 3 }, { runId: 'flaky-1' });
    expect(await handle.result()).toEqual({ attempts: 3 });
    expect(ledger.filter((entry) => entry.runId === 'flaky-1').map((entry) => [entry.index, entry.attempt])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    expect((await runner.steps('flaky-1')).map((step) => step.status)).toEqual(['completed']);
  });

  it('throws the node error itself, code and data kept, after the last attempt', async () => {
    const handle = await runner.start('flaky', { failures: 5, maxAttempts: 2 }, { runId: 'flaky-2' });
    const error = (await handle.result().catch((caught: unknown) => caught)) as CodedFailure;
    expect(error).toMatchObject({ name: 'CodedFailure', code: 'NODE_FAILED', nodeId: 'flaky_node', details: { attempt: 2 }, message: 'attempt 2 failed' });
    const [step] = await runner.steps('flaky-2');
    expect(step).toMatchObject({ index: 0, name: 'flaky_node', status: 'failed', error: 'attempt 2 failed' });
  });

  it('keeps the code and data of the error a run failed with, live and read back', async () => {
    const handle = await runner.start('fails', {}, { runId: 'fails-1' });
    const live = await handle.result().catch((caught: unknown) => caught);
    const readBack = await runner
      .handle('fails-1')
      .result()
      .catch((caught: unknown) => caught);
    for (const error of [live, readBack]) {
      expect(error).toMatchObject({ name: 'CodedFailure', code: 'NODE_FAILED', nodeId: 'broken', details: { stepCode: 'NODE_FAILED' } });
    }
    expect(await runner.handle('fails-1').status()).toMatchObject({ status: 'failed', error: 'run failed: the node broke' });
  });

  it('records durable sleep and clock reads as DBOS operations, named and kinded as the port names them', async () => {
    const handle = await runner.start('timed', {}, { runId: 'timed-1' });
    const { slept } = (await handle.result()) as { slept: number };
    expect(slept).toBeGreaterThanOrEqual(20);
    expect((await runner.steps('timed-1')).map((step) => [step.index, step.kind, step.name])).toEqual([
      [0, 'now', 'now'],
      [1, 'sleep', 'sleep'],
      [2, 'now', 'now'],
    ]);
  });

  it('cancels a run before its next step and resumes it from the last completed step', async () => {
    const handle = await runner.start('gated', { gate: true }, { runId: 'gated-1' });
    await expect.poll(() => gates.has('gated-1')).toBe(true);
    await runner.cancel('gated-1');
    gates.get('gated-1')?.();
    await expect(handle.result()).rejects.toBeInstanceOf(RunCancelledError);
    expect((await handle.status()).status).toBe('cancelled');
    expect(ran('gated-1')).toEqual(['before_gate']);

    const resumed = await runner.resume('gated-1');
    expect(await resumed.result()).toEqual({ recovering: true });
    expect(ran('gated-1')).toEqual(['before_gate', 'after_gate']);
  });

  it('forks a run: the first steps are replayed, the rest executed again', async () => {
    await (await runner.start('linear', { nodes: ['a', 'b', 'c', 'd'] }, { runId: 'fork-src' })).result();
    const forked = await runner.fork('fork-src', 2, { runId: 'fork-dst' });
    expect(forked.runId).toBe('fork-dst');
    expect(await forked.result()).toMatchObject({ recovering: true });
    expect(ran('fork-dst')).toEqual(['c', 'd']);
    expect((await runner.steps('fork-dst')).map((step) => step.name)).toEqual(['a', 'b', 'c', 'd']);
    const again = await runner.fork('fork-src', 1, { runId: 'fork-dst' });
    expect(again.runId).toBe('fork-dst');
    expect(ran('fork-dst')).toEqual(['c', 'd']);
  });

  it('fails a replay that meets a different step with NondeterminismError', async () => {
    await (await runner.start('variant', {}, { runId: 'variant-1' })).result();
    variant = 'b';
    const forked = await runner.fork('variant-1', 2, { runId: 'variant-1-fork' });
    const error = await forked.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NondeterminismError);
    expect(error).toMatchObject({ code: 'NONDETERMINISM', runId: 'variant-1-fork', stepIndex: 1, expected: 'second', actual: 'changed' });
    expect(ran('variant-1-fork')).toEqual([]);
    expect(await runner.handle('variant-1-fork').status()).toMatchObject({ status: 'failed' });
  });

  it('lists runs most recent first, filtered by status and name', async () => {
    const failed = await runner.list({ status: 'failed' });
    expect(failed.map((run) => run.runId)).toEqual(expect.arrayContaining(['fails-1', 'flaky-2']));
    expect(failed.every((run) => run.status === 'failed')).toBe(true);
    const linear = await runner.list({ workflowName: 'linear', limit: 2 });
    expect(linear).toHaveLength(2);
    expect(linear[0]!.createdAt).toBeGreaterThanOrEqual(linear[1]!.createdAt);
    expect(linear.every((run) => run.workflowName === 'linear' && run.executorId === 'runner-test')).toBe(true);
  });

  it('names unknown runs and unregistered workflows with their own errors', async () => {
    await expect(runner.handle('nope').status()).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(runner.handle('nope').result()).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(runner.steps('nope')).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(runner.cancel('nope')).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(runner.start('unknown', {})).rejects.toBeInstanceOf(WorkflowNotRegisteredError);
  });

  it('refuses registration after launch and a second runner in the process', async () => {
    expect(() => runner.register('late', () => Promise.resolve(null))).toThrow(RunnerStateError);
    const second = new DbosDurableRunner(dbosRunnerConfigFromEnv({}, { databaseUrl: database.url }));
    await expect(second.launch()).rejects.toBeInstanceOf(RunnerStateError);
  });

  it('checkpoints step outputs only: bytes per step do not grow with a 1 MB input', async () => {
    const big = randomBytes(750_000).toString('base64');
    const bytesPerStep = async (runId: string, payload: string): Promise<number> => {
      await (await runner.start('linear', { nodes: ['n1', 'n2', 'n3', 'n4'], payload } as unknown as { nodes: string[] }, { runId })).result();
      const [row] = await database.query<{ bytes: string; steps: string }>(
        'SELECT sum(octet_length(output)) AS bytes, count(*) AS steps FROM dbos.operation_outputs WHERE workflow_uuid = $1',
        [runId],
      );
      return Number(row!.bytes) / Number(row!.steps);
    };
    const small = await bytesPerStep('bytes-small', 'x');
    const large = await bytesPerStep('bytes-large', big);
    expect(large).toBe(small);
    expect(large).toBeLessThan(200);
  });
});
