/**
 * One incarnation of a contract scenario in its own process, on a `DbosDurableRunner` configured
 * from the environment the harness sets, dying by SIGKILL at the scenario's crash point
 * (`runIncarnationChild` from the testkit). Run on built `dist/`:
 * `node dist/testing/contract-child.js <request.json> <output prefix>`.
 */
import { runIncarnationChild } from '@casare-rpa/testkit';
import { DbosDurableRunner } from '../dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from '../dbos-runner-config.js';

await runIncarnationChild(() => new DbosDurableRunner(dbosRunnerConfigFromEnv()));
