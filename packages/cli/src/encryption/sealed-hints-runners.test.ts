import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecodingRunInspector,
  ENCRYPTED_MARKER,
  ExecuteWorkflowUseCase,
  hasErrorCode,
  recordedNodesOf,
  settleRun,
  type NodeCatalog,
  type RunResult,
} from '@casare-rpa/application';
import type { JsonObject } from '@casare-rpa/domain';
import { workflowDoc } from '@casare-rpa/domain/testing';
import { InMemoryDurableRunner, InMemoryJournal } from '@casare-rpa/infra-memory';
import { SqliteDurableRunner, SqliteRunInspector } from '@casare-rpa/infra-sqlite';
import { createTestNodeCatalog, MapSecretProvider, MemoryLedger } from '@casare-rpa/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDefaultPayloadCodec, createProcessPayloadCodec } from './default-payload-codec.js';

// The codec under the real SQLite runner (and the in-memory twin): a node records a page hint with a session cookie, the
// file on disk never holds the cookie's value, and a recovery decrypts the hint for the next node;
// with another key the recovery fails with PAYLOAD_DECRYPT_FAILED and runs no node.

const COOKIE_VALUE = `session-${randomBytes(12).toString('hex')}`;

/** The test catalog, where `login` records a page hint with the cookie and `check` reports whether its state has it. */
function catalogWithCookies(ledger: MemoryLedger): NodeCatalog {
  const inner = createTestNodeCatalog({ ledger });
  return {
    ...inner,
    knownTypes: () => inner.knownTypes(),
    validate: (nodes, dataInputsOf) => inner.validate(nodes, dataInputsOf),
    effectOf: (node) => inner.effectOf(node),
    releaseRun: (runId) => inner.releaseRun(runId),
    execute: async (execution) => {
      const outcome = await inner.execute(execution);
      if (execution.node.id === 'login') {
        const cookie = { name: 'sid', value: COOKIE_VALUE, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' };
        return { ...outcome, resources: { 'browser:default': { url: 'http://127.0.0.1/home', actions: [], cookies: [cookie] } } };
      }
      if (execution.node.id === 'check') {
        const hint = execution.resources['browser:default'] as JsonObject | undefined;
        const cookies = (hint?.['cookies'] ?? []) as JsonObject[];
        return { ...outcome, variables: { ...outcome.variables, cookie_restored: cookies.some((cookie) => cookie['value'] === COOKIE_VALUE) } };
      }
      return outcome;
    },
  };
}

const document = workflowDoc()
  .variable('a', 0)
  .variable('cookie_restored', false)
  .node('login', 'TestAddNode', { variable: 'a', add: 1 })
  .node('check', 'TestAddNode', { variable: 'a', add: 10 })
  .chain('login', 'check')
  .settings({ checkpoint: 'every-node' })
  .build() as unknown as JsonObject;

describe('SealedHintsCodec on the SQLite runner', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casare-sealed-'));
    path = join(dir, 'casare.db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Every byte of the journal: the file, its WAL and shared memory (a crash leaves the last writes in the WAL). */
  async function journalBytes(): Promise<Buffer> {
    const files = (await readdir(dir)).filter((name) => name.startsWith('casare.db'));
    return Buffer.concat(await Promise.all(files.map((name) => readFile(join(dir, name)))));
  }

  function engine(env: Record<string, string>, ledger: MemoryLedger, crashAfter?: string) {
    const codec = createDefaultPayloadCodec({ env, defaultKeyFile: join(dir, 'encryption.key'), create: true });
    const useCase = new ExecuteWorkflowUseCase(catalogWithCookies(ledger), { emit: () => undefined }, new MapSecretProvider({}), codec);
    const runner = new SqliteDurableRunner({
      path,
      ...(crashAfter === undefined ? {} : { onStepPoint: (point, self) => point.name === crashAfter && point.phase === 'after-record' && self.halt() }),
    });
    useCase.registerWith(runner);
    return { useCase, runner, codec };
  }

  async function crashAfterLogin(env: Record<string, string>, runId: string): Promise<MemoryLedger> {
    const ledger = new MemoryLedger();
    const first = engine(env, ledger, 'login');
    await first.runner.launch();
    await first.useCase.start(first.runner, { document }, { runId });
    await first.runner.stopped;
    expect(ledger.entries.map((entry) => entry.nodeId)).toEqual(['login']);
    return ledger;
  }

  it('never writes the cookie value to the file; recovery restores the cookie to the next node', async () => {
    const env = { CASARE_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    await crashAfterLogin(env, 'run-sealed');
    const raw = await journalBytes();
    expect(raw.includes(Buffer.from(COOKIE_VALUE))).toBe(false);
    expect(raw.includes(Buffer.from('casare:v1:'))).toBe(true);

    const ledger = new MemoryLedger();
    const second = engine(env, ledger);
    await second.runner.launch();
    const result: RunResult = await settleRun(second.runner.handle<RunResult>('run-sealed'));
    await second.runner.shutdown();
    expect(result.status).toBe('completed');
    expect(result.variables).toMatchObject({ a: 11, cookie_restored: true });
    expect(ledger.entries.map((entry) => entry.nodeId)).toEqual(['check']);
    // The WAL is checkpointed into the file at close: still no cookie value in it.
    expect((await journalBytes()).includes(Buffer.from(COOKIE_VALUE))).toBe(false);

    // Readers decode through the same codec: with the key the hint is back, without it `[encrypted]`.
    const inspector = await SqliteRunInspector.open(path);
    try {
      const withKey = await new DecodingRunInspector(inspector, second.codec).steps('run-sealed');
      expect(JSON.stringify(withKey)).toContain(COOKIE_VALUE);
      const otherKey = createDefaultPayloadCodec({
        env: { CASARE_ENCRYPTION_KEY: randomBytes(32).toString('hex') },
        defaultKeyFile: join(dir, 'x'),
        create: false,
      });
      const masked = await new DecodingRunInspector(inspector, otherKey).steps('run-sealed');
      const login = recordedNodesOf(masked[0]!)[0];
      expect(login?.outcome.resources).toEqual({ 'browser:default': { url: 'http://127.0.0.1/home', actions: [], cookies: ENCRYPTED_MARKER } });
      expect(recordedNodesOf(masked[1]!).map((node) => node.nodeId)).toEqual(['check']);
    } finally {
      await inspector.close();
    }
  });

  it('with another key, recovery fails with PAYLOAD_DECRYPT_FAILED naming the run, and runs no node', async () => {
    await crashAfterLogin({ CASARE_ENCRYPTION_KEY: randomBytes(32).toString('base64') }, 'run-wrong-key');
    const ledger = new MemoryLedger();
    const second = engine({ CASARE_ENCRYPTION_KEY: randomBytes(32).toString('base64') }, ledger);
    await second.runner.launch();
    const error = await second.runner
      .handle<RunResult>('run-wrong-key')
      .result()
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(hasErrorCode(error, 'PAYLOAD_DECRYPT_FAILED')).toBe(true);
    expect((error as Error).message).toContain('run run-wrong-key');
    expect((error as Error).message).toContain('step "login"');
    expect(ledger.entries).toEqual([]);
    expect((await second.runner.list()).find((run) => run.runId === 'run-wrong-key')?.status).toBe('failed');
    await second.runner.shutdown();
  });

  it('creates the key file on first use when no key is set, and recovers with it', async () => {
    await crashAfterLogin({}, 'run-key-file');
    const ledger = new MemoryLedger();
    const second = engine({}, ledger);
    await second.runner.launch();
    const result: RunResult = await settleRun(second.runner.handle<RunResult>('run-key-file'));
    await second.runner.shutdown();
    expect(result.variables).toMatchObject({ cookie_restored: true });
    expect((await readFile(join(dir, 'encryption.key'), 'utf8')).trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe('SealedHintsCodec on the in-memory runner', () => {
  it('keeps no cookie value in the journal; recovery in the same process restores the cookie', async () => {
    const journal = new InMemoryJournal();
    const codec = createProcessPayloadCodec();
    const engine = (ledger: MemoryLedger, crash: boolean) => {
      const useCase = new ExecuteWorkflowUseCase(catalogWithCookies(ledger), { emit: () => undefined }, new MapSecretProvider({}), codec);
      const runner = new InMemoryDurableRunner({
        journal,
        ...(crash ? { onStepPoint: (point, self) => point.name === 'login' && point.phase === 'after-record' && self.crash() } : {}),
      });
      useCase.registerWith(runner);
      return { useCase, runner };
    };
    const first = engine(new MemoryLedger(), true);
    await first.runner.launch();
    await first.useCase.start(first.runner, { document }, { runId: 'run-memory' });
    await first.runner.stopped;
    expect(journal.dump('run-memory')).not.toContain(COOKIE_VALUE);
    expect(journal.dump('run-memory')).toContain('casare:v1:');

    const ledger = new MemoryLedger();
    const second = engine(ledger, false);
    await second.runner.launch();
    const result: RunResult = await settleRun(second.runner.handle<RunResult>('run-memory'));
    await second.runner.shutdown();
    expect(result.variables).toMatchObject({ a: 11, cookie_restored: true });
    expect(ledger.entries.map((entry) => entry.nodeId)).toEqual(['check']);
  });
});
