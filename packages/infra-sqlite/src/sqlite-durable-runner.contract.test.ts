import { durableRunnerContract } from '@casare-rpa/testkit';
import * as vitest from 'vitest';
import { createSqliteContractHarness } from './testing/sqlite-contract-harness.js';

// The testkit's contract against SQLite; every crash scenario incarnation is a child process killed with SIGKILL.
durableRunnerContract(vitest, 'SqliteDurableRunner', () => createSqliteContractHarness({ defaultNumRuns: 25 }), {
  scale: { maxStatements: 4, maxDepth: 2, maxLoopCount: 3, maxCrashes: 2 },
});
