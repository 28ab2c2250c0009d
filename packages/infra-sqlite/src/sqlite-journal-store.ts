import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Json } from '@casare-rpa/domain';
import { waitOutputOf } from '@casare-rpa/application';
import type {
  JournalClaim,
  JournalEnding,
  JournalError,
  JournalRunRecord,
  JournalSignal,
  JournalSignalOutcome,
  JournalStep,
  JournalStore,
  JournalWait,
  JournalWaitEnd,
  NewJournalRun,
  RunFilter,
  RunStatus,
} from '@casare-rpa/application';
import { openErrorOf, SqliteJournalError } from './errors.js';
import { acquireSqliteOwner, isSqliteOwnerAlive, releaseSqliteOwner } from './sqlite-owner.js';

/** `PRAGMA application_id` of a casare journal ("CASR"): tells a casare file from any other SQLite file. */
export const SQLITE_APPLICATION_ID = 0x43415352;
/**
 * Schema version this code writes (`PRAGMA user_version`); a file with a higher one is refused, a
 * file with a lower one is migrated in place when opened (`MIGRATIONS`). 2: signals and open waits.
 */
export const SQLITE_SCHEMA_VERSION = 2;

/**
 * `synchronous` of the journal. `FULL` (default): every recorded step is on disk before the body
 * moves on, across a power cut. `NORMAL`: in WAL mode a commit survives a process kill, not
 * necessarily a power cut or an OS crash (the last steps may be lost and run again).
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Options of `SqliteJournalStore.open`. */
export interface SqliteJournalStoreOptions {
  /** `synchronous` pragma (default `FULL`). */
  readonly synchronous?: SqliteSynchronous;
  /** How long a write waits for another process's lock before failing, ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

const SCHEMA = `
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY NOT NULL,
  workflow_name TEXT NOT NULL,
  input TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  executor_id TEXT NOT NULL,
  owner TEXT,
  output TEXT,
  error TEXT,
  forked_from TEXT,
  resumed_at INTEGER
);
CREATE INDEX runs_by_executor ON runs (status, executor_id);
CREATE INDEX runs_by_creation ON runs (created_at);
CREATE TABLE steps (
  run_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  output TEXT,
  error TEXT,
  started_at INTEGER NOT NULL,
  completed_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
CREATE TABLE wal_reserve (filler BLOB);
`;

/** Signals kept until a wait consumes them, and the waits begun and not ended (schema version 2). */
// `seq` is the rowid: signals are never deleted, so it grows in the order they were kept (FIFO).
const SIGNALS_SCHEMA = `
CREATE TABLE signals (
  seq INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  signal_id TEXT,
  sent_at INTEGER NOT NULL,
  consumed_by INTEGER,
  UNIQUE (run_id, signal_id)
);
CREATE INDEX signals_kept ON signals (run_id, name, consumed_by, seq);
CREATE TABLE waits (
  run_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  name TEXT NOT NULL,
  deadline INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
`;

/** What brings a file of version `n - 1` to version `n`, by `n`: run in order, in one transaction, at open. */
const MIGRATIONS: Readonly<Record<number, string>> = { 2: SIGNALS_SCHEMA };

/**
 * Bytes of WAL written ahead at open, and the checkpoint interval in pages that keeps the WAL inside
 * them. A commit that extends the WAL file costs a metadata flush besides its fdatasync (about four
 * times the cost of one that overwrites WAL space already there, on this project's machines), so the
 * WAL is grown once, emptied by a checkpoint, and every step after overwrites it in place.
 */
const WAL_RESERVE_BYTES = 1024 * 1024;
const WAL_AUTOCHECKPOINT_PAGES = 200;

interface RunRow {
  readonly run_id: string;
  readonly workflow_name: string;
  readonly input: string;
  readonly status: RunStatus;
  readonly created_at: number;
  readonly updated_at: number;
  readonly executor_id: string;
  readonly owner: string | null;
  readonly output: string | null;
  readonly error: string | null;
  readonly forked_from: string | null;
  readonly resumed_at: number | null;
}

interface WaitRow {
  readonly idx: number;
  readonly name: string;
  readonly deadline: number;
  readonly started_at: number;
}

interface StepRow {
  readonly idx: number;
  readonly kind: JournalStep['kind'];
  readonly name: string;
  readonly status: JournalStep['status'];
  readonly output: string | null;
  readonly error: string | null;
  readonly started_at: number;
  readonly completed_at: number;
  readonly attempts: number;
}

const RUN_COLUMNS = 'run_id, workflow_name, input, status, created_at, updated_at, executor_id, owner, output, error, forked_from, resumed_at';
const ENDED = "('succeeded', 'failed', 'cancelled')";

/**
 * The SQLite `JournalStore` on better-sqlite3: one file, WAL mode, one transaction per recorded
 * step, prepared statements made once. Several processes may share the file: writes take the lock
 * with `BEGIN IMMEDIATE` and wait up to the busy timeout, and a run is held by one owner token at a
 * time. Opening checks the file before writing anything to it: a file that is not a casare journal,
 * is corrupt or has a newer schema is refused with a `SqliteJournalError` and left as it was.
 */
export class SqliteJournalStore implements JournalStore {
  private readonly statements;
  private readonly appendTransaction;
  private readonly createTransaction;
  private readonly claimTransaction;
  private readonly finishTransaction;
  private readonly cancelTransaction;
  private readonly signalTransaction;
  private readonly beginWaitTransaction;
  private readonly endWaitTransaction;
  private closed = false;

  private constructor(
    /** Absolute path of the file. */
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    const prepare = (sql: string) => db.prepare(sql);
    this.statements = {
      getRun: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`),
      statusOf: prepare('SELECT status FROM runs WHERE run_id = ?').pluck(),
      pending: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'pending' AND executor_id = ? ORDER BY rowid`),
      steps: prepare('SELECT idx, kind, name, status, output, error, started_at, completed_at, attempts FROM steps WHERE run_id = ? ORDER BY idx'),
      insertRun: prepare(
        `INSERT INTO runs (${RUN_COLUMNS}) VALUES (@runId, @workflowName, @input, @status, @createdAt, @updatedAt, @executorId, @owner, NULL, NULL, @forkedFrom, @resumedAt) ON CONFLICT (run_id) DO NOTHING`,
      ),
      insertStep: prepare(
        'INSERT INTO steps (run_id, idx, kind, name, status, output, error, started_at, completed_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      touchOwned: prepare('UPDATE runs SET updated_at = ? WHERE run_id = ? AND owner = ?'),
      claim: prepare("UPDATE runs SET status = 'pending', owner = ?, executor_id = ?, updated_at = ?, resumed_at = ? WHERE run_id = ?"),
      finish: prepare(
        `UPDATE runs SET status = ?, output = ?, error = ?, updated_at = ?, owner = NULL WHERE run_id = ? AND owner = ? AND status IN ('pending', 'enqueued')`,
      ),
      release: prepare('UPDATE runs SET owner = NULL WHERE run_id = ? AND owner = ?'),
      cancel: prepare(`UPDATE runs SET status = 'cancelled', updated_at = ? WHERE run_id = ? AND status NOT IN ${ENDED}`),
      ownerOf: prepare('SELECT owner FROM runs WHERE run_id = ?').pluck(),
      signalIdTaken: prepare('SELECT 1 FROM signals WHERE run_id = ? AND signal_id = ?').pluck(),
      insertSignal: prepare('INSERT INTO signals (run_id, name, value, signal_id, sent_at) VALUES (?, ?, ?, ?, ?)'),
      hasSignal: prepare('SELECT 1 FROM signals WHERE run_id = ? AND name = ? AND consumed_by IS NULL LIMIT 1').pluck(),
      firstSignal: prepare('SELECT seq, value FROM signals WHERE run_id = ? AND name = ? AND consumed_by IS NULL ORDER BY seq LIMIT 1'),
      consumeSignal: prepare('UPDATE signals SET consumed_by = ? WHERE seq = ?'),
      getWait: prepare('SELECT idx, name, deadline, started_at FROM waits WHERE run_id = ? AND idx = ?'),
      insertWait: prepare('INSERT INTO waits (run_id, idx, name, deadline, started_at) VALUES (?, ?, ?, ?, ?)'),
      deleteWait: prepare('DELETE FROM waits WHERE run_id = ? AND idx = ?'),
    };
    const s = this.statements;
    this.appendTransaction = db.transaction((runId: string, owner: string, step: JournalStep): boolean => {
      if (s.touchOwned.run(step.completedAt, runId, owner).changes === 0) return false;
      s.insertStep.run(
        runId,
        step.index,
        step.kind,
        step.name,
        step.status,
        jsonText(step.output),
        jsonText(step.error),
        step.startedAt,
        step.completedAt,
        step.attempts,
      );
      return true;
    });
    this.createTransaction = db.transaction((run: NewJournalRun, steps: readonly JournalStep[]): boolean => {
      const inserted = s.insertRun.run({
        runId: run.runId,
        workflowName: run.workflowName,
        input: JSON.stringify(run.input ?? null),
        status: run.status,
        createdAt: run.createdAt,
        updatedAt: run.updatedAt,
        executorId: run.executorId,
        owner: run.owner,
        forkedFrom: jsonText(run.forkedFrom),
        resumedAt: run.resumedAt ?? null,
      });
      if (inserted.changes === 0) return false;
      for (const step of steps) {
        s.insertStep.run(
          run.runId,
          step.index,
          step.kind,
          step.name,
          step.status,
          jsonText(step.output),
          jsonText(step.error),
          step.startedAt,
          step.completedAt,
          step.attempts,
        );
      }
      return true;
    });
    this.claimTransaction = db.transaction((runId: string, claim: JournalClaim): boolean => {
      const row = s.getRun.get(runId) as RunRow | undefined;
      if (!row || !claim.from.includes(row.status)) return false;
      if (row.owner !== null && row.owner !== claim.owner && isSqliteOwnerAlive(row.owner)) return false;
      s.claim.run(claim.owner, claim.executorId, claim.now, claim.now, runId);
      return true;
    });
    this.finishTransaction = db.transaction((runId: string, owner: string, ending: JournalEnding, now: number): boolean => {
      const output = ending.status === 'succeeded' ? JSON.stringify(ending.output ?? null) : null;
      const error = ending.status === 'failed' ? JSON.stringify(ending.error) : null;
      if (s.finish.run(ending.status, output, error, now, runId, owner).changes > 0) return true;
      s.release.run(runId, owner);
      return false;
    });
    this.signalTransaction = db.transaction((runId: string, signal: JournalSignal): JournalSignalOutcome => {
      const status = s.statusOf.get(runId) as RunStatus | undefined;
      if (status === undefined) return { outcome: 'no-run' };
      if (status === 'succeeded' || status === 'failed' || status === 'cancelled') return { outcome: 'ended', status };
      if (signal.signalId !== undefined && s.signalIdTaken.get(runId, signal.signalId) !== undefined) return { outcome: 'duplicate' };
      s.insertSignal.run(runId, signal.name, JSON.stringify(signal.value ?? null), signal.signalId ?? null, signal.sentAt);
      return { outcome: 'kept' };
    });
    this.beginWaitTransaction = db.transaction((runId: string, owner: string, wait: JournalWait): JournalWait | undefined => {
      if (s.ownerOf.get(runId) !== owner) return undefined;
      const open = s.getWait.get(runId, wait.index) as WaitRow | undefined;
      if (open) return waitOf(open);
      s.insertWait.run(runId, wait.index, wait.name, wait.deadline, wait.startedAt);
      return wait;
    });
    this.endWaitTransaction = db.transaction((runId: string, owner: string, index: number, now: number, timedOut: boolean): JournalWaitEnd => {
      if (s.ownerOf.get(runId) !== owner) return { outcome: 'lost' };
      const open = s.getWait.get(runId, index) as WaitRow | undefined;
      if (!open) throw new Error(`run ${runId} has no open wait at step ${index}`);
      const signal = s.firstSignal.get(runId, open.name) as { readonly seq: number; readonly value: string } | undefined;
      if (!signal && !timedOut) return { outcome: 'no-signal' };
      const output = waitOutputOf(signal ? { kind: 'received', value: JSON.parse(signal.value) as Json } : { kind: 'timeout' });
      const step: JournalStep = {
        index,
        name: open.name,
        kind: 'wait',
        status: 'completed',
        output,
        startedAt: open.started_at,
        completedAt: now,
        attempts: 1,
      };
      s.touchOwned.run(now, runId, owner);
      s.insertStep.run(runId, index, 'wait', open.name, 'completed', JSON.stringify(output), null, open.started_at, now, 1);
      if (signal) s.consumeSignal.run(index, signal.seq);
      s.deleteWait.run(runId, index);
      return { outcome: 'recorded', step };
    });
    this.cancelTransaction = db.transaction((runId: string, now: number): JournalRunRecord | undefined => {
      s.cancel.run(now, runId);
      const row = s.getRun.get(runId) as RunRow | undefined;
      return row && runOf(row);
    });
  }

  /**
   * Opens (creating when missing) the journal at `path`. Several processes opening a new file at the
   * same instant all succeed; the schema is created once. `SqliteJournalError` names the file and
   * the cause when it cannot be used; nothing in it is changed then.
   */
  static open(path: string, options: SqliteJournalStoreOptions = {}): SqliteJournalStore {
    const absolute = resolve(path);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
      throw new SqliteJournalError('SQLITE_UNWRITABLE', absolute, `synchronous must be FULL or NORMAL, not "${String(synchronous)}"`);
    }
    checkWritable(absolute);
    let db: Database.Database | undefined;
    try {
      db = new Database(absolute, { timeout: busyTimeoutMs });
      // One read transaction: another process may create the schema between two statements.
      const opened = db;
      checkHeader(absolute, opened.transaction(() => readHeader(opened)).deferred());
      // The first write to the file, after the checks: a foreign or newer file is never touched.
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      if (mode.toLowerCase() !== 'wal')
        throw new SqliteJournalError('SQLITE_UNWRITABLE', absolute, `cannot switch the journal to WAL mode (it stays "${mode}")`);
      db.pragma(`synchronous = ${synchronous}`);
      db.transaction(() => {
        // Checked again under the write lock: another process may have created the schema meanwhile.
        const now = readHeader(db as Database.Database);
        checkHeader(absolute, now);
        if (now.tables === 0) {
          (db as Database.Database).exec(SCHEMA);
          for (let version = 2; version <= SQLITE_SCHEMA_VERSION; version++) (db as Database.Database).exec(MIGRATIONS[version] ?? '');
          (db as Database.Database).pragma(`application_id = ${SQLITE_APPLICATION_ID}`);
          (db as Database.Database).pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
        } else if (now.version < SQLITE_SCHEMA_VERSION) {
          // An older casare's file: brought up to date in place, in this transaction, runs kept.
          for (let version = now.version + 1; version <= SQLITE_SCHEMA_VERSION; version++) (db as Database.Database).exec(MIGRATIONS[version] ?? '');
          (db as Database.Database).pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
        }
      }).immediate();
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      reserveWal(db, absolute, synchronous);
      return new SqliteJournalStore(absolute, db);
    } catch (error) {
      db?.close();
      throw openErrorOf(absolute, error, busyTimeoutMs);
    }
  }

  acquireOwner(): string {
    return acquireSqliteOwner();
  }

  releaseOwner(owner: string): void {
    releaseSqliteOwner(owner);
  }

  isOwnerAlive(owner: string): boolean {
    return isSqliteOwnerAlive(owner);
  }

  getRun(runId: string): JournalRunRecord | undefined {
    const row = this.statements.getRun.get(runId) as RunRow | undefined;
    return row && runOf(row);
  }

  statusOf(runId: string): RunStatus | undefined {
    return this.statements.statusOf.get(runId) as RunStatus | undefined;
  }

  listRuns(filter: RunFilter): readonly JournalRunRecord[] {
    const where: string[] = [];
    const values: Array<string | number> = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      values.push(filter.status);
    }
    if (filter.workflowName !== undefined) {
      where.push('workflow_name = ?');
      values.push(filter.workflowName);
    }
    const limit = filter.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const sql = `SELECT ${RUN_COLUMNS} FROM runs${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC${limit}`;
    return (this.db.prepare(sql).all(...values) as RunRow[]).map(runOf);
  }

  pendingRuns(executorId: string): readonly JournalRunRecord[] {
    return (this.statements.pending.all(executorId) as RunRow[]).map(runOf);
  }

  steps(runId: string): readonly JournalStep[] {
    return (this.statements.steps.all(runId) as StepRow[]).map(stepOf);
  }

  createRun(run: NewJournalRun, steps: readonly JournalStep[]): boolean {
    return this.createTransaction.immediate(run, steps);
  }

  claimRun(runId: string, claim: JournalClaim): boolean {
    return this.claimTransaction.immediate(runId, claim);
  }

  appendStep(runId: string, owner: string, step: JournalStep): boolean {
    return this.appendTransaction.immediate(runId, owner, step);
  }

  finishRun(runId: string, owner: string, ending: JournalEnding, now: number): boolean {
    return this.finishTransaction.immediate(runId, owner, ending, now);
  }

  cancelRun(runId: string, now: number): JournalRunRecord | undefined {
    return this.cancelTransaction.immediate(runId, now);
  }

  addSignal(runId: string, signal: JournalSignal): JournalSignalOutcome {
    return this.signalTransaction.immediate(runId, signal);
  }

  hasSignal(runId: string, name: string): boolean {
    return this.statements.hasSignal.get(runId, name) !== undefined;
  }

  beginWait(runId: string, owner: string, wait: JournalWait): JournalWait | undefined {
    return this.beginWaitTransaction.immediate(runId, owner, wait);
  }

  endWait(runId: string, owner: string, index: number, now: number, timedOut: boolean): JournalWaitEnd {
    return this.endWaitTransaction.immediate(runId, owner, index, now, timedOut);
  }

  /** Every byte recorded for a run (its row, its steps', signals' and open waits' rows) as text, for leak checks. */
  dump(runId: string): string {
    const rows = (table: string) => this.db.prepare(`SELECT * FROM ${table} WHERE run_id = ?`).all(runId);
    return JSON.stringify({ run: rows('runs'), steps: rows('steps'), signals: rows('signals'), waits: rows('waits') });
  }

  /** Closes the file; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Grows a short WAL to `WAL_RESERVE_BYTES` with a throw-away row (not synced), then checkpoints it empty. */
function reserveWal(db: Database.Database, path: string, synchronous: SqliteSynchronous): void {
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size >= WAL_RESERVE_BYTES) return;
  db.pragma('synchronous = OFF');
  try {
    db.transaction(() => db.prepare('INSERT INTO wal_reserve (filler) VALUES (zeroblob(?))').run(WAL_RESERVE_BYTES)).immediate();
    db.transaction(() => db.prepare('DELETE FROM wal_reserve').run()).immediate();
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Only speed is at stake (a nearly full disk, a busy file): the journal works without the reserve.
  } finally {
    db.pragma(`synchronous = ${synchronous}`);
  }
}

interface Header {
  readonly applicationId: number;
  readonly version: number;
  readonly tables: number;
}

function readHeader(db: Database.Database): Header {
  return {
    applicationId: Number(db.pragma('application_id', { simple: true })),
    version: Number(db.pragma('user_version', { simple: true })),
    tables: Number(db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get()),
  };
}

function checkHeader(path: string, header: Header): void {
  if (header.applicationId === 0 && header.tables === 0) return;
  if (header.applicationId !== SQLITE_APPLICATION_ID) {
    throw new SqliteJournalError(
      'SQLITE_NOT_CASARE',
      path,
      `not a casare journal: a SQLite database of another application (application_id ${header.applicationId}, ${header.tables} tables); choose another file with CASARE_SQLITE_PATH`,
    );
  }
  if (header.version > SQLITE_SCHEMA_VERSION) {
    throw new SqliteJournalError(
      'SQLITE_NEWER_SCHEMA',
      path,
      `written by a newer casare (schema version ${header.version}; this casare knows up to ${SQLITE_SCHEMA_VERSION}); upgrade casare to use it`,
    );
  }
  if (header.tables === 0 || header.version < 1) {
    throw new SqliteJournalError(
      'SQLITE_CORRUPT',
      path,
      `a casare journal without its schema (version ${header.version}, ${header.tables} tables); move it away to start a new journal`,
    );
  }
}

/** Fails clearly, before SQLite does vaguely, when the file or its directory cannot be written. */
function checkWritable(path: string): void {
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new SqliteJournalError('SQLITE_UNWRITABLE', path, `its directory ${directory} cannot be created (${(error as Error).message})`, error);
  }
  try {
    accessSync(directory, constants.W_OK);
  } catch (error) {
    throw new SqliteJournalError(
      'SQLITE_UNWRITABLE',
      path,
      `its directory ${directory} is not writable (SQLite needs to create the -wal and -shm files beside it)`,
      error,
    );
  }
  if (existsSync(path)) {
    if (!statSync(path).isFile()) throw new SqliteJournalError('SQLITE_NOT_CASARE', path, 'not a casare journal: it is not a regular file');
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new SqliteJournalError('SQLITE_UNWRITABLE', path, 'the file is not readable and writable by this user', error);
    }
  }
}

function jsonText(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parsed<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function runOf(row: RunRow): JournalRunRecord {
  const output = parsed<Json>(row.output);
  const error = parsed<JournalError>(row.error);
  const forkedFrom = parsed<{ runId: string; fromStep: number }>(row.forked_from);
  return {
    runId: row.run_id,
    workflowName: row.workflow_name,
    input: JSON.parse(row.input) as Json,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    executorId: row.executor_id,
    owner: row.owner ?? undefined,
    ...(output === undefined ? {} : { output }),
    ...(error === undefined ? {} : { error }),
    ...(forkedFrom === undefined ? {} : { forkedFrom }),
    ...(row.resumed_at === null ? {} : { resumedAt: row.resumed_at }),
  };
}

function waitOf(row: WaitRow): JournalWait {
  return { index: row.idx, name: row.name, deadline: row.deadline, startedAt: row.started_at };
}

function stepOf(row: StepRow): JournalStep {
  const output = parsed<Json>(row.output);
  const error = parsed<JournalError>(row.error);
  return {
    index: row.idx,
    kind: row.kind,
    name: row.name,
    status: row.status,
    ...(output === undefined ? {} : { output }),
    ...(error === undefined ? {} : { error }),
    startedAt: row.started_at,
    completedAt: row.completed_at,
    attempts: row.attempts,
  };
}
