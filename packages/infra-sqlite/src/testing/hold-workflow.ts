import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { DurableContext } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import { SqliteDurableRunner } from '../sqlite-durable-runner.js';

/** Name of the workflow the multi-process tests run. */
export const holdWorkflow = 'hold';

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
  await runner.launch();
  return runner;
}
