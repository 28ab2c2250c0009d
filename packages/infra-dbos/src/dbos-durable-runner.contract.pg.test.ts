import { durableRunnerContract, requireExternalService } from '@casare-rpa/testkit';
import * as vitest from 'vitest';
import { createDbosContractHarness } from './testing/dbos-contract-harness.js';
import { isPostgresReachable } from './testing/test-database.js';

// The testkit's contract against DBOS; every crash scenario incarnation is a child process killed with SIGKILL.
if (requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL')) {
  durableRunnerContract(vitest, 'DbosDurableRunner', () => createDbosContractHarness({ label: 'contract', defaultNumRuns: 25 }), {
    scale: { maxStatements: 4, maxDepth: 2, maxLoopCount: 3, maxCrashes: 2 },
  });
} else {
  vitest.it.skip('DurableRunner contract: DbosDurableRunner (no PostgreSQL)', () => {});
}
