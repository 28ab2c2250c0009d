import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { RunnerStateError } from '@casare-rpa/application';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { withSystemDatabaseSetupLock } from './system-database.js';

/** Settings of one DBOS queue a worker dequeues from; limits are DBOS's own, stored in the system database. */
export interface DbosQueueSettings {
  /** Queue name. */
  readonly name: string;
  /** Most runs of this queue one worker executes at once. */
  readonly workerConcurrency?: number;
  /** Most runs of this queue executing at once across the whole fleet. */
  readonly concurrency?: number;
  /** At most `limitPerPeriod` runs of this queue started per `periodSec` seconds, across the fleet. */
  readonly rateLimit?: { readonly limitPerPeriod: number; readonly periodSec: number };
  /** Shortest wait between two polls of this queue by one worker (DBOS `minPollingIntervalMs`, default 1000). */
  readonly pollingIntervalMs?: number;
}

/** One executor as the heartbeat table knows it. */
export interface WorkerRecord {
  readonly executorId: string;
  readonly applicationVersion: string;
  readonly queues: readonly string[];
  readonly host: string;
  readonly pid: number;
  /** Last heartbeat, ms since the epoch. */
  readonly lastHeartbeat: number;
  /** Executor that took over this one's runs, when one did since its last start. */
  readonly takenOverBy?: string;
  /** Runs recorded PENDING under this executor id now. */
  readonly runsInFlight: number;
  /** True when its heartbeat is younger than the staleness bound the caller gave. */
  readonly alive: boolean;
}

/** What one takeover did. */
export interface Takeover {
  /** The dead executor. */
  readonly executorId: string;
  /** Its last heartbeat, ms since the epoch. */
  readonly lastHeartbeat: number;
  /** Runs DBOS's recovery re-enqueued for the fleet. */
  readonly runIds: readonly string[];
}

/** Pending runs of an executor recorded under another application version: left alone, named in `workers list`. */
export interface ForeignVersionRuns {
  readonly executorId: string;
  readonly applicationVersion: string;
  readonly runs: number;
}

const SCHEMA = 'casare';

/**
 * The fleet side of a worker, next to a launched `DbosDurableRunner` in the same process: registers
 * its DBOS queues, records its heartbeat in the system database (`casare.workers`), and takes over
 * the pending runs of executors whose heartbeat is stale. A takeover is claimed by a conditional
 * update (exactly one worker's update matches a row whose claim is empty), then done by DBOS's own
 * recovery for that executor id, which re-enqueues its PENDING runs of this version: whoever
 * dequeues one resumes it after its last completed step.
 */
export class DbosWorkerFleet {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly config: DbosRunnerConfig,
  ) {}

  /** Opens the heartbeat table (created under the setup lock when missing). */
  static async open(config: DbosRunnerConfig): Promise<DbosWorkerFleet> {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
    // A lost connection must not take the worker down; the next heartbeat reconnects.
    pool.on('error', () => {});
    await withSystemDatabaseSetupLock(config.databaseUrl, async () => {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await pool.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.workers (
        executor_id text PRIMARY KEY,
        application_version text NOT NULL,
        queues text[] NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        last_heartbeat timestamptz NOT NULL DEFAULT now(),
        taken_over_by text,
        taken_over_at timestamptz)`);
    });
    return new DbosWorkerFleet(pool, config);
  }

  /** Registers (or updates) the queues in DBOS; call after the runner's `launch()`. */
  async registerQueues(queues: readonly DbosQueueSettings[]): Promise<void> {
    for (const queue of queues) {
      await DBOS.registerQueue(queue.name, {
        ...(queue.workerConcurrency === undefined ? {} : { workerConcurrency: queue.workerConcurrency }),
        ...(queue.concurrency === undefined ? {} : { globalConcurrency: queue.concurrency }),
        ...(queue.rateLimit === undefined ? {} : { rateLimit: { limitPerPeriod: queue.rateLimit.limitPerPeriod, periodSec: queue.rateLimit.periodSec } }),
        ...(queue.pollingIntervalMs === undefined ? {} : { minPollingIntervalMs: queue.pollingIntervalMs }),
        onConflict: 'always_update',
      });
    }
  }

  /** Records this executor's heartbeat; a worker coming back clears the takeover mark of its old life. */
  async beat(queues: readonly string[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${SCHEMA}.workers (executor_id, application_version, queues, host, pid)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (executor_id) DO UPDATE SET last_heartbeat = now(), application_version = $2, queues = $3, host = $4, pid = $5,
         taken_over_by = CASE WHEN ${SCHEMA}.workers.pid = $5 AND ${SCHEMA}.workers.host = $4 THEN ${SCHEMA}.workers.taken_over_by ELSE NULL END,
         started_at = CASE WHEN ${SCHEMA}.workers.pid = $5 AND ${SCHEMA}.workers.host = $4 THEN ${SCHEMA}.workers.started_at ELSE now() END`,
      [this.config.executorId, this.config.applicationVersion, [...queues], hostname(), process.pid],
    );
  }

  /**
   * Takes over every executor of this version whose heartbeat is older than `staleAfterMs` and
   * that nobody took over yet. The claim is one conditional UPDATE per row: under PostgreSQL's row
   * lock a second worker re-evaluates `taken_over_by IS NULL` after the first commits and matches
   * nothing, so each dead executor is taken over once across the fleet. A claim whose claimer died
   * too (maybe before its recovery call) may be claimed again: DBOS's recovery re-enqueues only runs
   * still PENDING under the dead id, so a second recovery after a completed one finds nothing.
   */
  async takeOverStale(staleAfterMs: number): Promise<readonly Takeover[]> {
    const claimed = await this.pool.query<{ executor_id: string; last_ms: string }>(
      `UPDATE ${SCHEMA}.workers AS dead SET taken_over_by = $1, taken_over_at = now()
       WHERE dead.executor_id <> $1 AND dead.application_version = $2
         AND dead.last_heartbeat < now() - make_interval(secs => $3::double precision / 1000)
         AND (dead.taken_over_by IS NULL OR NOT EXISTS (
           SELECT 1 FROM ${SCHEMA}.workers AS claimer
           WHERE claimer.executor_id = dead.taken_over_by AND claimer.last_heartbeat >= now() - make_interval(secs => $3::double precision / 1000)))
       RETURNING dead.executor_id, (extract(epoch FROM dead.last_heartbeat) * 1000)::bigint AS last_ms`,
      [this.config.executorId, this.config.applicationVersion, staleAfterMs],
    );
    const takeovers: Takeover[] = [];
    for (const row of claimed.rows) {
      const runIds = await recoverExecutorRuns(row.executor_id);
      takeovers.push({ executorId: row.executor_id, lastHeartbeat: Number(row.last_ms), runIds });
    }
    return takeovers;
  }

  /** Closes the heartbeat connections; the row stays, so a worker that exits is taken over like a dead one. */
  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  /** Every executor the heartbeat table knows, with its runs in flight; `alive` against `staleAfterMs`. */
  static async list(databaseUrl: string, staleAfterMs: number): Promise<{ workers: readonly WorkerRecord[]; foreignVersions: readonly ForeignVersionRuns[] }> {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('error', () => {});
    await client.connect();
    try {
      const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('${SCHEMA}.workers') IS NOT NULL AS ok`);
      if (exists.rows[0]?.ok !== true) return { workers: [], foreignVersions: [] };
      const rows = await client.query<{
        executor_id: string;
        application_version: string;
        queues: string[];
        host: string;
        pid: number;
        last_ms: string;
        taken_over_by: string | null;
        alive: boolean;
      }>(
        `SELECT executor_id, application_version, queues, host, pid, (extract(epoch FROM last_heartbeat) * 1000)::bigint AS last_ms, taken_over_by,
           last_heartbeat >= now() - make_interval(secs => $1::double precision / 1000) AS alive
         FROM ${SCHEMA}.workers ORDER BY executor_id`,
        [staleAfterMs],
      );
      const pending = await client.query<{ executor_id: string; application_version: string | null; runs: string }>(
        `SELECT executor_id, application_version, count(*) AS runs FROM dbos.workflow_status WHERE status = 'PENDING' GROUP BY executor_id, application_version`,
      );
      const versionOf = new Map(rows.rows.map((row) => [row.executor_id, row.application_version]));
      const inFlight = new Map<string, number>();
      const foreignVersions: ForeignVersionRuns[] = [];
      for (const row of pending.rows) {
        inFlight.set(row.executor_id, (inFlight.get(row.executor_id) ?? 0) + Number(row.runs));
        const version = versionOf.get(row.executor_id);
        if (version !== undefined && row.application_version !== null && row.application_version !== version) {
          foreignVersions.push({ executorId: row.executor_id, applicationVersion: row.application_version, runs: Number(row.runs) });
        }
      }
      return {
        workers: rows.rows.map((row) => ({
          executorId: row.executor_id,
          applicationVersion: row.application_version,
          queues: row.queues,
          host: row.host,
          pid: row.pid,
          lastHeartbeat: Number(row.last_ms),
          ...(row.taken_over_by === null ? {} : { takenOverBy: row.taken_over_by }),
          runsInFlight: inFlight.get(row.executor_id) ?? 0,
          alive: row.alive,
        })),
        foreignVersions,
      };
    } finally {
      await client.end().catch(() => {});
    }
  }
}

interface DbosExecutorModule {
  DBOSExecutor?: { globalInstance?: { recoverPendingWorkflows(ids: string[]): Promise<Array<{ workflowID: string }>> } };
}

/**
 * DBOS's own recovery for another executor id: `DBOSExecutor.recoverPendingWorkflows`, what DBOS's
 * recovery endpoint calls; the package exports it from no public entry point, so it is loaded from
 * the file beside the SDK's entry (the same CommonJS module instance DBOS itself uses).
 */
async function recoverExecutorRuns(executorId: string): Promise<readonly string[]> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@dbos-inc/dbos-sdk');
  const executor = (require(join(dirname(entry), 'dbos-executor.js')) as DbosExecutorModule).DBOSExecutor?.globalInstance;
  if (executor === undefined) throw new RunnerStateError('cannot take over runs: DBOS is not launched in this process');
  const handles = await executor.recoverPendingWorkflows([executorId]);
  return handles.map((handle) => handle.workflowID);
}
