/**
 * One incarnation of a contract scenario in its own process, on a `SqliteDurableRunner` over the
 * file `CASARE_SQLITE_PATH`, dying by SIGKILL at the scenario's crash point (`runIncarnationChild`
 * from the testkit). Run on built `dist/`: `node dist/testing/contract-child.js <request.json> <output prefix>`.
 */
import { runIncarnationChild } from '@casare-rpa/testkit';
import { SqliteDurableRunner } from '../sqlite-durable-runner.js';

const path = process.env['CASARE_SQLITE_PATH'];
if (path === undefined) throw new Error('usage: CASARE_SQLITE_PATH=<file> contract-child.js <request.json> <output prefix>');
await runIncarnationChild(() => new SqliteDurableRunner({ path, executorId: process.env['CASARE_EXECUTOR_ID'] ?? 'contract' }));
