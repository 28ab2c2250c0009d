import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { StepAttempt } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redactDatabaseUrl } from './database-url.js';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { isPostgresReachable, TestSystemDatabase } from './testing/test-database.js';

// Restarts the machine's PostgreSQL cluster (other test files may be using it): this is the only
// test that does, and the restart is a fast one of a second or two.
const run = promisify(execFile);
const database = new TestSystemDatabase('pg_restart');
const cluster = (process.env['CASARE_PG_CLUSTER'] ?? (await firstCluster()) ?? '').split(' ');
const canRestart = cluster.length === 2 && existsSync('/usr/bin/pg_ctlcluster') && process.getuid?.() === 0;
const available =
  requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL') &&
  requireExternalService('PostgreSQL restart', canRestart, 'restarting needs pg_ctlcluster, a local cluster and root');

async function firstCluster(): Promise<string | undefined> {
  try {
    const { stdout } = await run('pg_lsclusters', ['--no-header']);
    const [version, name] = stdout.trim().split(/\s+/);
    return version && name ? `${version} ${name}` : undefined;
  } catch {
    return undefined;
  }
}

async function pgCtl(action: 'restart' | 'start'): Promise<void> {
  const [version, name] = cluster as [string, string];
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action, ...(action === 'restart' ? ['--mode', 'fast'] : [])]);
}

const NODES = Array.from({ length: 16 }, (_, index) => `node_${index}`);
const effects: { key: string; attempt: number; at: number }[] = [];

describe.runIf(available)('a PostgreSQL restart during a DBOS run', { timeout: 120_000 }, () => {
  let runner: DbosDurableRunner;

  beforeAll(async () => {
    await database.create();
    runner = new DbosDurableRunner(dbosRunnerConfigFromEnv({}, { databaseUrl: database.url, executorId: 'pg-restart-test', logLevel: 'warn' }));
    runner.register<{ nodes: string[] }, number[]>('slow', async (ctx, input) => {
      const outputs: number[] = [];
      for (const node of input.nodes) {
        outputs.push(
          await ctx.step(node, async (attempt: StepAttempt) => {
            effects.push({ key: `${ctx.runId}:${attempt.index}`, attempt: attempt.attempt, at: Date.now() });
            await delay(150);
            return attempt.index * 10;
          }),
        );
      }
      return outputs;
    });
    await runner.launch();
  });

  afterAll(async () => {
    // Whatever happened above, leave the cluster running for everyone else.
    if (!(await isPostgresReachable())) await pgCtl('start').catch(() => {});
    await runner?.shutdown();
    await database.drop();
  });

  it('pauses while the server is down and completes the run correctly once it is back', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const handle = await runner.start('slow', { nodes: NODES }, { runId: 'through-restart' });
    await expect.poll(() => effects.length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(4);
    const serverStartedAt = async (): Promise<number> =>
      (await database.query<{ started: Date }>('SELECT pg_postmaster_start_time() AS started'))[0]!.started.getTime();
    const before = await serverStartedAt();
    await pgCtl('restart');

    expect(await handle.result()).toEqual(NODES.map((_node, index) => index * 10));
    // The server really restarted, in the middle of the run: steps ran before and after it.
    const restartedAt = await serverStartedAt();
    expect(restartedAt).toBeGreaterThan(before);
    expect(effects[0]!.at).toBeLessThan(restartedAt);
    expect(effects.at(-1)!.at).toBeGreaterThan(restartedAt);
    // While the server was away the runner said so, naming the database (never a password).
    const lines = stderr.mock.calls.map(([chunk]) => String(chunk));
    stderr.mockRestore();
    expect(lines.some((line) => line.includes(`PostgreSQL at ${redactDatabaseUrl(database.url)} is not reachable; runs are paused`))).toBe(true);
    const steps = await runner.steps('through-restart');
    expect(steps.map((step) => [step.index, step.name, step.status])).toEqual(NODES.map((node, index) => [index, node, 'completed']));
    // Every node ran; none ran more than twice (at-least-once for the step caught mid-record).
    const counts = new Map<string, number>();
    for (const { key } of effects) counts.set(key, (counts.get(key) ?? 0) + 1);
    expect([...counts.keys()]).toEqual(NODES.map((_node, index) => `through-restart:${index}`));
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    console.info(`nodes run twice across the restart: ${[...counts.values()].filter((count) => count > 1).length}`);
  });
});
