import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { DurableContext } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { SqliteDurableRunner } from '../sqlite-durable-runner.js';

/** Name of the workflow the multi-process tests run. */
export const holdWorkflow = 'hold';
/** Name of the workflow that waits for a signal `approval` (multi-process signal tests). */
export const awaitSignalWorkflow = 'await-signal';

/**
 * A launched runner (executor `shared`) with the `hold` workflow: one step that appends
 * `<label> <pid>` to `ledger` (the side effect the tests count), then holds for `input.holdMs` in
 * the process labelled `child` (a recovering runner finishes at once).
 */
export async function openHoldRunner(file: string, ledger: string, label: string): Promise<SqliteDurableRunner> {
  const runner = new SqliteDurableRunner({ path: file, executorId: 'shared', pollIntervalMs: 20 });
  runner.register(holdWorkflow, async (ctx: DurableContext, input: Json) => {
    const holdMs = Number((input as { holdMs?: number }).holdMs ?? 0);
    return ctx.step('hold', async () => {
      appendFileSync(ledger, `${label} ${process.pid}\n`);
      await delay(label === 'child' ? holdMs : 0);
      return label;
    });
  });
  // One step that appends `<label> <pid>` to the ledger, then a wait for `approval` of `input.timeoutMs`.
  runner.register(awaitSignalWorkflow, async (ctx: DurableContext, input: Json) => {
    await ctx.step('mark', () => (appendFileSync(ledger, `${label} ${process.pid}\n`), Promise.resolve(label)));
    return await ctx.waitForSignal('approval', { timeoutMs: Number((input as { timeoutMs?: number }).timeoutMs ?? 0) });
  });
  await runner.launch();
  return runner;
}
