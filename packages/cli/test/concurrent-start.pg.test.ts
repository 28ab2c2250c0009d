import { requireExternalService } from '@casare-rpa/testkit';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, localPostgresAnswers, requireBuiltBinary, TestDatabase, Workspace, type CasareProcess } from './casare-process.js';

// Processes that start together on a system database that does not exist yet all come up: the
// creation of the database and DBOS's migrations are serialised under an advisory lock
// (issue 12). Without it, four `casare run` at once failed with `deadlock detected`, `tuple
// concurrently updated` or a duplicate key in `dbos_migrations_pkey` / `pg_database_datname_index`.

const hasPostgres = requireExternalService('PostgreSQL', localPostgresAnswers(), 'nothing answers at 127.0.0.1:5432 (npm run setup starts a local PostgreSQL)');

const PROCESSES = 4;
const ROUNDS = 2;

const tiny = () => workflowDoc().name('tiny').start().node('note', 'LogNode', { message: 'up' }).end().chain('start', 'note', 'end').build();

describe.skipIf(!hasPostgres)('processes starting together on a new database', () => {
  let workspace: Workspace;
  const databases: TestDatabase[] = [];
  const children: CasareProcess[] = [];

  beforeAll(async () => {
    requireBuiltBinary();
    workspace = await Workspace.create('concurrent-start');
    await workspace.write('tiny.json', tiny());
  });

  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(databases.map((database) => database.drop().catch(() => {})));
    await workspace?.dispose();
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: ${PROCESSES} casare run processes on a database with no schema all complete`, async () => {
      const database = new TestDatabase(`race${round}`);
      databases.push(database);
      const started = Array.from({ length: PROCESSES }, (_, index) => {
        const child = workspace.start(['run', 'tiny.json', '--json'], database.env({ CASARE_EXECUTOR_ID: `${database.executorId}-${index}` }), 60_000);
        children.push(child);
        return child;
      });
      const ended = await Promise.all(started.map((child) => child.ended));
      for (const end of ended) {
        expect(end.stderr, end.stderr).not.toMatch(/deadlock|concurrently updated|duplicate key|not available/);
        expect(end.code, end.stderr).toBe(0);
        expect(jsonOf<{ status: string }>(end).status).toBe('succeeded');
      }
    }, 90_000);
  }
});
