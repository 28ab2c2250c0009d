import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { HumanTask, HumanTaskFilter, HumanTaskRecord, HumanTaskStatus, TaskInbox } from '@casare-rpa/application';
import { openErrorOf } from './errors.js';
import { SqliteJournalStore, type SqliteJournalStoreOptions } from './sqlite-journal-store.js';

// The inbox lives in the journal's file, in a table of its own created on first use: tasks are
// listed across runs, answers travel as signals of the runs (the journal's), never through here.
const TASKS_TABLE = `
CREATE TABLE IF NOT EXISTS human_tasks (
  task_id    TEXT PRIMARY KEY,
  run_id     TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('open', 'answered', 'timed_out')),
  task       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  closed_at  INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS human_tasks_by_status ON human_tasks (status, created_at);
`;

interface TaskRow {
  readonly task: string;
  readonly status: HumanTaskStatus;
  readonly closed_at: number | null;
}

/**
 * The SQLite `TaskInbox`: a `human_tasks` table in the journal file (`.casare/casare.db`), so a
 * `casare tasks` process finds the tasks every `casare run` process opened. Closing a task is one
 * conditional update: of two answers at the same instant, one closes it.
 */
export class SqliteTaskInbox implements TaskInbox {
  private readonly statements;

  private constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO human_tasks (task_id, run_id, status, task, created_at, closed_at) VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (task_id) DO NOTHING',
      ),
      get: db.prepare('SELECT task, status, closed_at FROM human_tasks WHERE task_id = ?'),
      close: db.prepare("UPDATE human_tasks SET status = ?, closed_at = ? WHERE task_id = ? AND status = 'open'"),
    };
  }

  /** Opens the inbox of the journal at `path` (created, with the journal, when missing); `SqliteJournalError` when the file cannot be used. */
  static open(path: string, options: SqliteJournalStoreOptions = {}): SqliteTaskInbox {
    // The journal store checks the file (a casare journal, a schema this code knows) and creates it.
    SqliteJournalStore.open(path, options).close();
    const absolute = resolve(path);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    let db: Database.Database | undefined;
    try {
      db = new Database(absolute, { timeout: busyTimeoutMs });
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      db.exec(TASKS_TABLE);
      return new SqliteTaskInbox(db);
    } catch (error) {
      db?.close();
      throw openErrorOf(absolute, error, busyTimeoutMs);
    }
  }

  openTask(task: HumanTask): Promise<void> {
    this.statements.insert.run(task.taskId, task.runId, 'open', JSON.stringify(task), task.createdAt);
    return Promise.resolve();
  }

  getTask(taskId: string): Promise<HumanTaskRecord | undefined> {
    const row = this.statements.get.get(taskId) as TaskRow | undefined;
    return Promise.resolve(row && recordOf(row));
  }

  listTasks(filter: HumanTaskFilter = {}): Promise<readonly HumanTaskRecord[]> {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      values.push(filter.status);
    }
    if (filter.runId !== undefined) {
      where.push('run_id = ?');
      values.push(filter.runId);
    }
    const sql = `SELECT task, status, closed_at FROM human_tasks${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid`;
    return Promise.resolve((this.db.prepare(sql).all(...values) as TaskRow[]).map(recordOf));
  }

  closeTask(taskId: string, status: Exclude<HumanTaskStatus, 'open'>, at: number): Promise<boolean> {
    return Promise.resolve(this.statements.close.run(status, at, taskId).changes === 1);
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

function recordOf(row: TaskRow): HumanTaskRecord {
  return { ...(JSON.parse(row.task) as HumanTask), status: row.status, closedAt: row.closed_at };
}
