import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { DurableContext } from '@casare-rpa/application';
import { requireExternalService } from '@casare-rpa/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteJournalError } from './errors.js';
import { SqliteDurableRunner } from './sqlite-durable-runner.js';
import { SQLITE_SCHEMA_VERSION, SqliteJournalStore } from './sqlite-journal-store.js';
import { SqliteRunInspector } from './sqlite-run-inspector.js';
import { builtTestingScript, runNodeScript } from './testing/child-process.js';
import { openHoldRunner } from './testing/hold-workflow.js';

const dir = mkdtempSync(join(tmpdir(), 'casare-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = (): string => join(dir, `journal-${files++}.db`);

/** Hash of a file and its WAL, to show that a refused open changed nothing. */
function fingerprint(path: string): string {
  const hash = createHash('sha256');
  for (const suffix of ['', '-wal']) if (existsSync(`${path}${suffix}`)) hash.update(readFileSync(`${path}${suffix}`));
  return hash.digest('hex');
}

/** The error `open` throws (fails when it opens). */
function openError(path: string, options: { busyTimeoutMs?: number } = {}): SqliteJournalError {
  try {
    SqliteJournalStore.open(path, options).close();
  } catch (error) {
    expect(error).toBeInstanceOf(SqliteJournalError);
    return error as SqliteJournalError;
  }
  throw new Error(`${path} opened`);
}

function casareJournal(): string {
  const path = newFile();
  SqliteJournalStore.open(path).close();
  return path;
}

describe('SqliteJournalStore: bad files are refused with their path and cause, and left as they were', () => {
  it('a directory that cannot be created or written', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const below = openError(join(blocker, 'casare.db'));
    expect(below.code).toBe('SQLITE_UNWRITABLE');
    expect(below.message).toContain(join(blocker, 'casare.db'));
    if (process.getuid?.() !== 0) {
      // Root writes anywhere; a read-only mount shows the same below (disk faults).
      const locked = join(dir, 'read-only');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      const error = openError(join(locked, 'casare.db'));
      expect(error.code).toBe('SQLITE_UNWRITABLE');
      expect(error.message).toContain('is not writable');
    }
  });

  it('a file that is not a SQLite database', () => {
    const path = newFile();
    writeFileSync(path, 'hello, I am a text file that happens to end in .db\n'.repeat(200));
    const before = fingerprint(path);
    const error = openError(path);
    expect(error.code).toBe('SQLITE_NOT_CASARE');
    expect(error.message).toContain(path);
    expect(fingerprint(path)).toBe(before);
  });

  it("another application's SQLite database", () => {
    const path = newFile();
    const other = new Database(path);
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5);');
    other.close();
    const before = fingerprint(path);
    const error = openError(path);
    expect(error.code).toBe('SQLITE_NOT_CASARE');
    expect(error.message).toMatch(/not a casare journal: a SQLite database of another application/);
    expect(fingerprint(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('a corrupt casare journal', () => {
    const path = casareJournal();
    const bytes = readFileSync(path);
    // Page 1 past the 100-byte file header holds the schema b-tree: scribble over it.
    bytes.fill(0xa5, 100, 4096);
    writeFileSync(path, bytes);
    const before = fingerprint(path);
    const error = openError(path);
    expect(error.code).toBe('SQLITE_CORRUPT');
    expect(error.message).toContain(path);
    expect(fingerprint(path)).toBe(before);
  });

  it('a journal written by a newer casare', () => {
    const path = casareJournal();
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    const before = fingerprint(path);
    const error = openError(path);
    expect(error.code).toBe('SQLITE_NEWER_SCHEMA');
    expect(error.message).toContain(`schema version ${SQLITE_SCHEMA_VERSION + 1}`);
    expect(fingerprint(path)).toBe(before);
  });

  it('a file another process keeps locked past the busy timeout', () => {
    const path = newFile();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const started = performance.now();
      const error = openError(path, { busyTimeoutMs: 200 });
      expect(error.code).toBe('SQLITE_LOCKED');
      expect(error.message).toContain(path);
      expect(error.message).toContain('busy timeout (200 ms)');
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // Once released, the same file opens as a new journal.
    SqliteJournalStore.open(path).close();
  });
});

describe('SqliteJournalStore: several processes on one file', { timeout: 60_000 }, () => {
  const script = builtTestingScript('process-child.js');

  it('processes opening a new file at the same instant all start, and the schema is created once', async () => {
    const path = newFile();
    const at = Date.now() + 1500;
    const exits = await Promise.all(Array.from({ length: 6 }, () => runNodeScript(script, ['open', path, String(at)], {})));
    for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual([
      'runs',
      'signals',
      'steps',
      'waits',
      'wal_reserve',
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
  });

  it('a run another live process executes is not taken over; once that process is killed, launch recovers it', async () => {
    const path = casareJournal();
    const ledger = join(dir, `ledger-${files++}.txt`);
    const lines = (): string[] => (existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n') : []);
    const until = async (condition: () => boolean): Promise<void> => {
      for (let tries = 0; !condition(); tries++) {
        if (tries > 1000) throw new Error('timed out');
        await delay(10);
      }
    };

    // 1. A child holds run `shared-1` for 1.2 s; a second runner with the same executor id launches
    //    meanwhile and must neither run it nor steal it, but sees its result once the child ends it.
    const child = spawn(process.execPath, [script, 'run', path, 'shared-1', ledger, '1200'], { stdio: 'ignore' });
    const childEnded = new Promise((resolve) => child.on('close', resolve));
    await until(() => lines().length === 1);
    const second = await openHoldRunner(path, ledger, 'second');
    expect(await second.handle('shared-1').result()).toBe('child');
    await childEnded;
    expect(lines().map((line) => line.split(' ')[0])).toEqual(['child']);
    await second.shutdown();

    // 2. The child is SIGKILLed in the middle of the step: the run stays pending, and a launch recovers it.
    const doomed = spawn(process.execPath, [script, 'run', path, 'shared-2', ledger, '30000'], { stdio: 'ignore' });
    const doomedEnded = new Promise((resolve) => doomed.on('close', (_code, signal) => resolve(signal)));
    await until(() => lines().length === 2);
    doomed.kill('SIGKILL');
    expect(await doomedEnded).toBe('SIGKILL');
    const recovering = await openHoldRunner(path, ledger, 'recovered');
    expect(await recovering.handle('shared-2').result()).toBe('recovered');
    expect((await recovering.handle('shared-2').status()).resumedAt).toBeTypeOf('number');
    await recovering.shutdown();
    expect(lines().map((line) => line.split(' ')[0])).toEqual(['child', 'child', 'recovered']);
  });
});

describe('SqliteJournalStore: schema migrations', () => {
  it('a journal of schema version 1 (before signals) is migrated in place when opened: its runs are kept and take signals', () => {
    const path = casareJournal();
    const store = SqliteJournalStore.open(path);
    const run = {
      runId: 'old-1',
      workflowName: 'w',
      input: { a: 1 },
      status: 'pending' as const,
      createdAt: 1,
      updatedAt: 1,
      executorId: 'e',
      owner: 'nobody',
    };
    expect(store.createRun(run, [])).toBe(true);
    store.close();
    // What casare wrote before schema version 2: the same tables without signals and waits.
    const db = new Database(path);
    db.exec('DROP TABLE signals; DROP TABLE waits;');
    db.pragma('user_version = 1');
    db.close();

    const migrated = SqliteJournalStore.open(path);
    expect(migrated.getRun('old-1')?.input).toEqual({ a: 1 });
    expect(migrated.addSignal('old-1', { name: 'approval', value: true, sentAt: 2 })).toEqual({ outcome: 'kept' });
    expect(migrated.hasSignal('old-1', 'approval')).toBe(true);
    migrated.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    check.close();
  });
});

describe('SqliteDurableRunner: signals between processes', { timeout: 60_000 }, () => {
  const script = builtTestingScript('process-child.js');
  const linesOf = (ledger: string): string[] => (existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n') : []);
  const until = async (condition: () => boolean): Promise<void> => {
    for (let tries = 0; !condition(); tries++) {
      if (tries > 1000) throw new Error('timed out');
      await delay(10);
    }
  };

  it('a run waiting in another process takes a signal sent from an inspector within its poll interval', async () => {
    const path = casareJournal();
    const ledger = join(dir, `ledger-${files++}.txt`);
    const child = spawn(process.execPath, [script, 'await', path, 'waiting-1', ledger, '30000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const childEnded = new Promise((resolve) => child.on('close', resolve));
    await until(() => linesOf(ledger).length === 1);
    const inspector = await SqliteRunInspector.open(path);
    const sentAt = Date.now();
    expect(await inspector.signal('waiting-1', 'approval', { ok: 1 }, { signalId: 'answer-1' })).toEqual({ delivered: true });
    expect(await inspector.signal('waiting-1', 'approval', { ok: 2 }, { signalId: 'answer-1' })).toEqual({ delivered: false, reason: 'duplicate' });
    await childEnded;
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(JSON.parse(stdout)).toEqual({ kind: 'received', value: { ok: 1 } });
    const ended = await inspector.signal('waiting-1', 'approval', 3).then(
      () => undefined,
      (error: unknown) => error as { code?: unknown },
    );
    expect(ended?.code).toBe('RUN_ENDED');
    await inspector.close();
  });

  it('a signal sent while no process runs the waiting run is kept and consumed when it recovers', async () => {
    const path = casareJournal();
    const ledger = join(dir, `ledger-${files++}.txt`);
    const doomed = spawn(process.execPath, [script, 'await', path, 'waiting-2', ledger, '30000'], { stdio: 'ignore' });
    const doomedEnded = new Promise((resolve) => doomed.on('close', (_code, signal) => resolve(signal)));
    await until(() => linesOf(ledger).length === 1);
    // The wait begins right after the step is recorded; give it that moment before the kill.
    await delay(100);
    doomed.kill('SIGKILL');
    expect(await doomedEnded).toBe('SIGKILL');
    const inspector = await SqliteRunInspector.open(path);
    expect(await inspector.signal('waiting-2', 'approval', 'while down')).toEqual({ delivered: true });
    await inspector.close();
    const recovering = await openHoldRunner(path, ledger, 'recovered');
    expect(await recovering.handle('waiting-2').result()).toEqual({ kind: 'received', value: 'while down' });
    expect((await recovering.steps('waiting-2')).map((step) => [step.kind, step.name])).toEqual([
      ['step', 'mark'],
      ['wait', 'approval'],
    ]);
    await recovering.shutdown();
    // The recovered run replayed its recorded step: the ledger has the child's line only.
    expect(linesOf(ledger).map((line) => line.split(' ')[0])).toEqual(['child']);
  });
});

/** Mounts a tmpfs of `sizeKb` at a new directory; undefined when this process may not mount. */
function mountSmallDisk(sizeKb: number): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const mountPoint = mkdtempSync(join(tmpdir(), 'casare-small-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', mountPoint]);
  if (mounted.status !== 0) {
    rmSync(mountPoint, { recursive: true, force: true });
    return undefined;
  }
  return mountPoint;
}

const smallDisk = mountSmallDisk(4096);
const canMount = requireExternalService('a small tmpfs disk', smallDisk !== undefined, 'mounting a tmpfs needs root on Linux');
afterAll(() => {
  if (smallDisk === undefined) return;
  spawnSync('umount', ['-l', smallDisk]);
  rmSync(smallDisk, { recursive: true, force: true });
});

describe.skipIf(!canMount)('SqliteDurableRunner on a full disk', { timeout: 60_000 }, () => {
  it('a step that cannot be recorded is not recorded: the run stays pending and recovers once there is room', async () => {
    const disk = smallDisk as string;
    const path = join(disk, 'casare.db');
    const filler = join(disk, 'filler');
    let bodies = 0;
    const register = (runner: SqliteDurableRunner): SqliteDurableRunner => {
      runner.register('big', async (ctx: DurableContext) => {
        await ctx.step('small', () => Promise.resolve('fits'));
        // 1.5 MB of output: more than the WAL reserve and the disk's free space hold once the filler is written.
        const big = await ctx.step('big', () => (bodies++, Promise.resolve('x'.repeat(1_500_000))));
        return big.length;
      });
      return runner;
    };
    const first = register(new SqliteDurableRunner({ path, pollIntervalMs: 20 }));
    await first.launch();
    // Leave about 100 KB free: the first step fits, the big one does not.
    const free = statfsSync(disk);
    writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - 100 * 1024)));
    const handle = await first.start('big', {}, { runId: 'full' });
    const error = await handle.result().then(
      () => undefined,
      (caught: unknown) => caught as { code?: unknown; message: string },
    );
    expect(error?.code, error?.message).toBe('JOURNAL_WRITE_FAILED');
    expect(error?.message).toContain('step 1 (big)');
    expect(error?.message).toContain('the run stays pending');
    expect(bodies).toBe(1);
    await first.shutdown();

    const inspect = SqliteJournalStore.open(path);
    expect(inspect.getRun('full')?.status).toBe('pending');
    expect(inspect.steps('full').map((step) => step.name)).toEqual(['small']);
    inspect.close();

    rmSync(filler);
    const second = register(new SqliteDurableRunner({ path, pollIntervalMs: 20 }));
    await second.launch();
    expect(await second.handle('full').result()).toBe(1_500_000);
    expect(bodies).toBe(2);
    expect((await second.steps('full')).map((step) => step.name)).toEqual(['small', 'big']);
    await second.shutdown();
  });
});
