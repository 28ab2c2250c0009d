/**
 * A process on a shared journal file, for the multi-process tests. Run on built `dist/`:
 * - `node dist/testing/process-child.js open <file> <at ms>`: waits until the clock reads `at`, opens
 *   the journal (so several processes open a new file at the same instant) and exits 0;
 * - `node dist/testing/process-child.js run <file> <runId> <ledger> <hold ms>`: starts run `runId` of
 *   the `hold` workflow (or waits for it when it exists) with executor `shared` and exits when it ended.
 * - `node dist/testing/process-child.js await <file> <runId> <ledger> <timeout ms>`: starts run `runId`
 *   of the `await-signal` workflow, prints how its wait ended (JSON) on stdout and exits.
 * The `hold` workflow's one step appends `<label> <pid>` to the ledger, then holds for `hold ms`.
 */
import { SqliteJournalStore } from '../sqlite-journal-store.js';
import { awaitSignalWorkflow, holdWorkflow, openHoldRunner } from './hold-workflow.js';

const [mode, file, ...rest] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: process-child.js open|run <file> ...');
if (mode === 'open') {
  const at = Number(rest[0]);
  while (Date.now() < at) await new Promise((resolve) => setImmediate(resolve));
  SqliteJournalStore.open(file).close();
} else if (mode === 'run') {
  const [runId, ledger, hold] = rest;
  if (runId === undefined || ledger === undefined) throw new Error('usage: process-child.js run <file> <runId> <ledger> <hold ms>');
  const runner = await openHoldRunner(file, ledger, 'child');
  const handle = await runner.start(holdWorkflow, { holdMs: Number(hold ?? 0) }, { runId });
  process.stderr.write(`started ${runId}\n`);
  await handle.result();
  await runner.shutdown();
} else if (mode === 'await') {
  const [runId, ledger, timeoutMs] = rest;
  if (runId === undefined || ledger === undefined) throw new Error('usage: process-child.js await <file> <runId> <ledger> <timeout ms>');
  const runner = await openHoldRunner(file, ledger, 'child');
  const handle = await runner.start(awaitSignalWorkflow, { timeoutMs: Number(timeoutMs ?? 0) }, { runId });
  process.stdout.write(`${JSON.stringify(await handle.result())}\n`);
  await runner.shutdown();
}
