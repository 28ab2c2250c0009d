import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbosDurableRunner } from './dbos-durable-runner.js';
import { dbosRunnerConfigFromEnv } from './dbos-runner-config.js';
import { builtTestingScript, runNodeScript, type ChildExit } from './testing/child-process.js';
import type { CrashChildRequest, CrashChildResult } from './testing/crash-child.js';
import type { ScriptedKill, ScriptedLedgerEntry, ScriptedState } from './testing/scripted-workflow.js';
import { isPostgresReachable, TestSystemDatabase } from './testing/test-database.js';

// Real crashes: every incarnation is a child process on built dist/, killed with SIGKILL.
const database = new TestSystemDatabase('crash');
const available = requireExternalService('PostgreSQL', await isPostgresReachable(), 'no PostgreSQL answers at the test URL');
const NODES = ['start', 'read_rows', 'transform', 'submit', 'end'];
const workDir = mkdtempSync(join(tmpdir(), 'casare-crash-'));
const ledgerPath = join(workDir, 'ledger.jsonl');

interface Incarnation {
  readonly exit: ChildExit;
  readonly result: CrashChildResult | undefined;
}

let incarnations = 0;
async function incarnation(request: Omit<CrashChildRequest, 'ledgerPath' | 'resultPath' | 'input'> & { readonly nodes?: string[] }): Promise<Incarnation> {
  const resultPath = join(workDir, `result-${incarnations++}.json`);
  const { nodes = NODES, ...rest } = request;
  const childRequest: CrashChildRequest = { ...rest, input: { nodes }, ledgerPath, resultPath };
  const exit = await runNodeScript(builtTestingScript('crash-child.js'), [JSON.stringify(childRequest)], {
    CASARE_DATABASE_URL: database.url,
    CASARE_EXECUTOR_ID: 'crash-test',
    CASARE_APP_VERSION: 'crash-test-1',
    CASARE_DBOS_LOG_LEVEL: 'error',
  });
  let result: CrashChildResult | undefined;
  try {
    result = JSON.parse(readFileSync(resultPath, 'utf8')) as CrashChildResult;
  } catch {
    result = undefined;
  }
  return { exit, result };
}

function ledgerOf(runId: string): ScriptedLedgerEntry[] {
  let text = '';
  try {
    text = readFileSync(ledgerPath, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ScriptedLedgerEntry)
    .filter((entry) => entry.key.startsWith(`${runId}:`));
}

function countsByKey(entries: readonly ScriptedLedgerEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.key, (counts.get(entry.key) ?? 0) + 1);
  return counts;
}

/** The state an uninterrupted run of NODES ends in, for run `runId`. */
function expectedState(runId: string, nodes: readonly string[] = NODES): ScriptedState {
  return {
    visited: nodes,
    total: nodes.reduce((sum, _node, position) => sum + position + 1, 0),
    keys: nodes.map((_node, index) => `${runId}:${index}`),
    payloadLength: 0,
  };
}

describe.runIf(available)('crash recovery of DBOS runs killed with SIGKILL', { timeout: 180_000 }, () => {
  // Reads the store only: another version and executor, so it never claims the children's runs.
  let inspector: DbosDurableRunner;

  beforeAll(async () => {
    await database.create();
    inspector = new DbosDurableRunner(
      dbosRunnerConfigFromEnv({}, { databaseUrl: database.url, executorId: 'inspector', applicationVersion: 'inspector', logLevel: 'error' }),
    );
    await inspector.launch();
  });

  afterAll(async () => {
    await inspector?.shutdown();
    await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('runs to completion without a crash and ends its process by itself', async () => {
    const { exit, result } = await incarnation({ mode: 'start', runId: 'clean' });
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(result).toMatchObject({ ok: true, result: expectedState('clean') });
    expect([...countsByKey(ledgerOf('clean')).values()]).toEqual([1, 1, 1, 1, 1]);
  });

  const phases: ScriptedKill['phase'][] = ['before-step', 'after-effect', 'after-step'];
  for (const phase of phases) {
    for (const node of [0, 2]) {
      it(`resumes from the checkpoint after a kill ${phase} of node ${node}`, async () => {
        const runId = `kill-${phase}-${node}`;
        const crashed = await incarnation({ mode: 'start', runId, kill: { node, phase } });
        expect(crashed.exit.signal).toBe('SIGKILL');
        expect(crashed.result).toBeUndefined();
        expect((await inspector.handle(runId).status()).status).toBe('pending');

        const completedBeforeCrash = node + (phase === 'after-step' ? 1 : 0);
        const checkpoint = await inspector.steps(runId);
        expect(checkpoint.map((step) => step.name)).toEqual(NODES.slice(0, completedBeforeCrash));
        const effectsBeforeCrash = ledgerOf(runId);

        const recovered = await incarnation({ mode: 'recover', runId });
        expect(recovered.exit).toMatchObject({ code: 0, signal: null });
        // State restored exactly: the same state an uninterrupted run ends in.
        expect(recovered.result).toMatchObject({ ok: true, result: expectedState(runId) });

        const effects = ledgerOf(runId);
        const counts = countsByKey(effects);
        // Completed nodes never re-run; only the one in flight at the kill runs again, same key.
        const inFlightKey = `${runId}:${node}`;
        for (const [key, count] of counts) expect([key, count]).toEqual([key, phase === 'after-effect' && key === inFlightKey ? 2 : 1]);
        expect(counts.size).toBe(NODES.length);
        const recoveryPid = effects.at(-1)!.pid;
        expect(effects.filter((entry) => entry.pid === recoveryPid).map((entry) => entry.node)).toEqual(NODES.slice(completedBeforeCrash));
        expect(effects.slice(0, effectsBeforeCrash.length)).toEqual(effectsBeforeCrash);

        // A second launch runs nothing twice.
        const again = await incarnation({ mode: 'recover', runId });
        expect(again.result).toMatchObject({ ok: true, result: expectedState(runId) });
        expect(ledgerOf(runId)).toEqual(effects);
        expect((await inspector.steps(runId)).map((step) => [step.index, step.name])).toEqual(NODES.map((name, index) => [index, name]));
      });
    }
  }

  it('survives repeated crashes, including one during recovery', async () => {
    const runId = 'repeated';
    expect((await incarnation({ mode: 'start', runId, kill: { node: 1, phase: 'after-effect' } })).exit.signal).toBe('SIGKILL');
    expect((await incarnation({ mode: 'recover', runId, kill: { node: 3, phase: 'after-effect' } })).exit.signal).toBe('SIGKILL');
    expect((await incarnation({ mode: 'recover', runId, kill: { node: 3, phase: 'before-step' } })).exit.signal).toBe('SIGKILL');
    const recovered = await incarnation({ mode: 'recover', runId });
    expect(recovered.result).toMatchObject({ ok: true, result: expectedState(runId) });
    expect(Object.fromEntries(countsByKey(ledgerOf(runId)))).toEqual({
      [`${runId}:0`]: 1,
      [`${runId}:1`]: 2,
      [`${runId}:2`]: 1,
      [`${runId}:3`]: 2,
      [`${runId}:4`]: 1,
    });
  });

  it('starting a finished run id in a new process executes nothing and returns its result', async () => {
    const again = await incarnation({ mode: 'start', runId: 'clean', nodes: ['other', 'nodes'] });
    expect(again.result).toMatchObject({ ok: true, result: expectedState('clean') });
    expect(ledgerOf('clean')).toHaveLength(NODES.length);
  });

  it('fails the recovery of a run whose workflow changed with the nondeterminism error', async () => {
    const runId = 'changed';
    expect((await incarnation({ mode: 'start', runId, kill: { node: 3, phase: 'before-step' } })).exit.signal).toBe('SIGKILL');
    const effectsBefore = ledgerOf(runId);
    const recovered = await incarnation({ mode: 'recover', runId, renameSecondNodeTo: 'read_rows_v2' });
    expect(recovered.result).toMatchObject({ ok: false, name: 'NondeterminismError', code: 'NONDETERMINISM' });
    expect(recovered.result?.ok === false && recovered.result.message).toContain('"read_rows" but the workflow now runs "read_rows_v2"');
    expect(ledgerOf(runId)).toEqual(effectsBefore);
    expect(await inspector.handle(runId).status()).toMatchObject({ status: 'failed' });
  });
});
