import { errorCodeOf, type HumanTask, type HumanTaskFilter, type HumanTaskRecord, type HumanTaskStatus, type TaskInbox } from '@casare-rpa/application';
import pg from 'pg';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { DatabaseUnavailableError } from './errors.js';

// A small table of ours in DBOS's system database, in a schema of its own (DBOS owns `dbos`):
// tasks are listed across runs; answers travel as DBOS messages of the runs, never through here.
const SETUP = `
CREATE SCHEMA IF NOT EXISTS casare;
CREATE TABLE IF NOT EXISTS casare.human_tasks (
  task_id    TEXT PRIMARY KEY,
  run_id     TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('open', 'answered', 'timed_out')),
  task       JSONB NOT NULL,
  created_at BIGINT NOT NULL,
  closed_at  BIGINT
);
CREATE INDEX IF NOT EXISTS human_tasks_by_status ON casare.human_tasks (status, created_at);
`;

/** PostgreSQL's "database does not exist": DBOS never created the system database, so it holds no tasks. */
const UNDEFINED_DATABASE = '3D000';

interface TaskRow {
  readonly task: HumanTask;
  readonly status: HumanTaskStatus;
  readonly closed_at: string | null;
}

/**
 * The DBOS `TaskInbox`: a `casare.human_tasks` table in the system database, created on first use.
 * Closing a task is one conditional update: of two answers at the same instant, one closes it.
 */
export class DbosTaskInbox implements TaskInbox {
  private ready: Promise<pg.Pool | undefined> | undefined;

  private constructor(private readonly databaseUrl: string) {}

  /** An inbox on the configured system database; it connects on first use. */
  static open(config: Pick<DbosRunnerConfig, 'databaseUrl'>): DbosTaskInbox {
    return new DbosTaskInbox(config.databaseUrl);
  }

  async openTask(task: HumanTask): Promise<void> {
    const pool = await this.pool();
    if (!pool) throw new DatabaseUnavailableError(this.databaseUrl, new Error('the system database does not exist'));
    await pool.query(
      'INSERT INTO casare.human_tasks (task_id, run_id, status, task, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (task_id) DO NOTHING',
      [task.taskId, task.runId, 'open', JSON.stringify(task), task.createdAt],
    );
  }

  async getTask(taskId: string): Promise<HumanTaskRecord | undefined> {
    const pool = await this.pool();
    if (!pool) return undefined;
    const result = await pool.query<TaskRow>('SELECT task, status, closed_at FROM casare.human_tasks WHERE task_id = $1', [taskId]);
    const row = result.rows[0];
    return row && recordOf(row);
  }

  async listTasks(filter: HumanTaskFilter = {}): Promise<readonly HumanTaskRecord[]> {
    const pool = await this.pool();
    if (!pool) return [];
    const where: string[] = [];
    const values: string[] = [];
    if (filter.status !== undefined) {
      values.push(filter.status);
      where.push(`status = $${values.length}`);
    }
    if (filter.runId !== undefined) {
      values.push(filter.runId);
      where.push(`run_id = $${values.length}`);
    }
    const sql = `SELECT task, status, closed_at FROM casare.human_tasks${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, task_id`;
    return (await pool.query<TaskRow>(sql, values)).rows.map(recordOf);
  }

  async closeTask(taskId: string, status: Exclude<HumanTaskStatus, 'open'>, at: number): Promise<boolean> {
    const pool = await this.pool();
    if (!pool) return false;
    const result = await pool.query("UPDATE casare.human_tasks SET status = $1, closed_at = $2 WHERE task_id = $3 AND status = 'open'", [status, at, taskId]);
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    const pool = await this.ready?.catch(() => undefined);
    this.ready = undefined;
    await pool?.end();
  }

  /** The pool, with the table created; undefined while the system database does not exist. */
  private pool(): Promise<pg.Pool | undefined> {
    this.ready ??= (async () => {
      const pool = new pg.Pool({ connectionString: this.databaseUrl, max: 2, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 1_000, allowExitOnIdle: true });
      pool.on('error', () => {});
      try {
        await pool.query(SETUP);
        return pool;
      } catch (error) {
        await pool.end().catch(() => {});
        if (errorCodeOf(error) === UNDEFINED_DATABASE) return undefined;
        throw new DatabaseUnavailableError(this.databaseUrl, error);
      }
    })();
    const ready = this.ready;
    // A database that did not exist may be created later (DBOS launches): ask again next time.
    return ready.then((pool) => {
      if (!pool && this.ready === ready) this.ready = undefined;
      return pool;
    });
  }
}

function recordOf(row: TaskRow): HumanTaskRecord {
  return { ...row.task, status: row.status, closedAt: row.closed_at === null ? null : Number(row.closed_at) };
}
