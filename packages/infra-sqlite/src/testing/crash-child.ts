/**
 * Child process of the recovery benchmark: a `SqliteDurableRunner` on `CASARE_SQLITE_PATH` runs a
 * straight line of steps, each appending `{ node, at, processStartedAt }` to a JSONL ledger; with a
 * kill position it SIGKILLs itself right after that step is recorded. `recover` launches (which
 * resumes the pending run) and waits for it. Run on built `dist/`:
 * `node dist/testing/crash-child.js start|recover <runId> <ledger> <node count> [kill after step]`.
 */
import { appendFileSync } from 'node:fs';
import type { DurableContext } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { SqliteDurableRunner } from '../sqlite-durable-runner.js';

const [mode, runId, ledger, countText, killText] = process.argv.slice(2);
const path = process.env['CASARE_SQLITE_PATH'];
if (path === undefined || runId === undefined || ledger === undefined)
  throw new Error('usage: CASARE_SQLITE_PATH=<file> crash-child.js start|recover <runId> <ledger> <count> [kill after]');
const processStartedAt = Math.round(performance.timeOrigin);
const killAfter = killText === undefined ? -1 : Number(killText);
const runner = new SqliteDurableRunner({ path, executorId: process.env['CASARE_EXECUTOR_ID'] ?? 'bench-recovery' });
runner.register('bench.line', async (ctx: DurableContext, input: Json) => {
  const count = Number((input as { count: number }).count);
  for (let node = 0; node < count; node++) {
    await ctx.step(`node_${node}`, () => {
      appendFileSync(ledger, `${JSON.stringify({ node, at: Date.now(), processStartedAt })}\n`);
      return Promise.resolve(node);
    });
    if (node === killAfter) process.kill(process.pid, 'SIGKILL');
  }
  return count;
});
await runner.launch();
const handle = mode === 'start' ? await runner.start('bench.line', { count: Number(countText) }, { runId }) : runner.handle(runId);
await handle.result();
await runner.shutdown();
