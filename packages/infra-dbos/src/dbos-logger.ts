import type { ContextualMetadata, DLogger, StackTrace } from '@dbos-inc/dbos-sdk';
import { redactDatabaseUrl } from './database-url.js';
import type { DbosLogLevel } from './dbos-runner-config.js';

const RANK: Record<DbosLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * What DBOS's loops say when PostgreSQL goes away or restarts: every loop (queues, scheduler,
 * notifications, timeouts) warns on each tick, a few lines a second per process.
 */
const CONNECTION_LOST =
  /Database connection failed|ECONNREFUSED|ECONNRESET|terminating connection due to administrator command|Connection terminated|the database system is (shutting down|starting up|in recovery mode)|connection error and is not queryable/;
/** At most one "not reachable" line per this many ms while the outage lasts. */
const OUTAGE_LINE_EVERY_MS = 10_000;

/**
 * Where DBOS's own log lines go: stderr, from `level` up. Two kinds of lines are dropped because the
 * application reports them itself as execution events: a step attempt that will be retried, and
 * the error a workflow body failed with (a failed run is an outcome, not a fault of the runtime).
 * Lines about a lost connection to PostgreSQL become one "not reachable" line every 10 s.
 */
export class DbosStderrLogger implements DLogger {
  readonly #rank: number;
  readonly #bodyErrors = new WeakSet<object>();
  readonly #databaseUrl: string;
  #outageLineAt = -Infinity;

  constructor(level: DbosLogLevel, databaseUrl: string) {
    this.#rank = RANK[level];
    this.#databaseUrl = redactDatabaseUrl(databaseUrl);
  }

  /** Marks an error a workflow body threw, so DBOS's "workflow failed" line about it is not printed. */
  markBodyError(error: unknown): void {
    if (typeof error === 'object' && error !== null) this.#bodyErrors.add(error);
  }

  debug(entry: unknown): void {
    this.#write('debug', entry);
  }

  info(entry: unknown): void {
    this.#write('info', entry);
  }

  warn(entry: unknown): void {
    if (typeof entry === 'string' && /^(Error in step being automatically retried|Non-retryable error in step)/.test(entry)) return;
    if (typeof entry === 'string' && CONNECTION_LOST.test(entry)) {
      // DBOS holds every run's next step and retries until PostgreSQL is back: say it once in a
      // while, naming the database, instead of once per DBOS loop and tick.
      const now = Date.now();
      if (now - this.#outageLineAt < OUTAGE_LINE_EVERY_MS) return;
      this.#outageLineAt = now;
      this.#write('warn', `PostgreSQL at ${this.#databaseUrl} is not reachable; runs are paused and resume when it is back (${entry})`);
      return;
    }
    this.#write('warn', entry);
  }

  error(entry: unknown, metadata?: ContextualMetadata & StackTrace & { readonly error?: unknown }): void {
    // DBOS passes an Error's message as the entry and the Error itself in the metadata.
    const error = metadata?.error ?? entry;
    if (typeof error === 'object' && error !== null && this.#bodyErrors.has(error)) return;
    this.#write('error', error instanceof Error ? error : (metadata?.stack ?? entry));
  }

  #write(level: DbosLogLevel, entry: unknown): void {
    if (RANK[level] < this.#rank) return;
    const text = entry instanceof Error ? (entry.stack ?? entry.message) : typeof entry === 'string' ? entry : JSON.stringify(entry);
    process.stderr.write(`[dbos ${level}] ${text}\n`);
  }
}
