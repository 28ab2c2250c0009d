import { DBOSClient } from '@dbos-inc/dbos-sdk';
import { RunEndedError, RunNotFoundError, type SignalDelivery, type SignalOptions, type SignalWait } from '@casare-rpa/application';
import type { Json } from '@casare-rpa/domain';
import pg from 'pg';
import type { DbosStderrLogger } from './dbos-logger.js';
import { DBOS_STATUSES } from './dbos-records.js';
import type { DbosRunnerConfig } from './dbos-runner-config.js';
import { CASARE_DBOS_SERIALIZER } from './dbos-serializer.js';

// How a casare signal travels through DBOS's messages: shared by the runner, the inspector and the submitter.

/**
 * What a signal carries as a DBOS message (topic: the signal name): the value in an envelope, since
 * `DBOS.recv` returns `null` for a timeout and a signal may carry `null`; the name too, because
 * DBOS records a received message without its topic and `steps()` names the wait by it.
 */
export interface DbosSignalEnvelope {
  readonly signal: string;
  readonly value: Json;
}

/** How often a DBOS wait looks at its run's status besides being woken by a message, ms: a cancel ends it within this. */
export const DBOS_WAIT_POLL_MS = 1000;

/** DBOS's message id for a signal id: what `DBOS.send` makes of an idempotency key, scoped to the destination run. */
function messageIdOf(signalId: string, runId: string): string {
  return `${signalId}::${runId}`;
}

/** How a run whose DBOS status is `status` ended, or undefined while it has not. */
function endingOf(status: string): 'succeeded' | 'failed' | 'cancelled' | undefined {
  return (['succeeded', 'failed', 'cancelled'] as const).find((ending) => (DBOS_STATUSES[ending] as readonly string[]).includes(status));
}

/**
 * `DurableRunner.signal` on DBOS: `DBOSClient.sendInTransaction` (DBOS's own message, idempotency
 * key from `signalId`) in one transaction with the checks DBOS does not report: the run exists and
 * has not ended (its status row locked, so concurrent sends of one `signalId` queue up), and no
 * message with that id was sent to it before (`DBOS.send` silently drops a duplicate).
 */
export async function sendDbosSignal(
  pool: pg.Pool,
  client: DBOSClient,
  runId: string,
  name: string,
  value: Json,
  options: SignalOptions | undefined,
): Promise<SignalDelivery> {
  const connection = await pool.connect();
  try {
    await connection.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const status = (await connection.query<{ status: string }>('SELECT status FROM dbos.workflow_status WHERE workflow_uuid = $1 FOR UPDATE', [runId])).rows[0]
      ?.status;
    if (status === undefined) throw new RunNotFoundError(runId);
    const ended = endingOf(status);
    if (ended !== undefined) throw new RunEndedError(runId, ended, `signal "${name}"`);
    const signalId = options?.signalId;
    if (signalId !== undefined) {
      const taken = await connection.query('SELECT 1 FROM dbos.notifications WHERE message_uuid = $1', [messageIdOf(signalId, runId)]);
      if (taken.rowCount !== 0) {
        await connection.query('ROLLBACK');
        return { delivered: false, reason: 'duplicate' };
      }
    }
    const envelope: DbosSignalEnvelope = { signal: name, value: value ?? null };
    await client.sendInTransaction(connection, runId, envelope, name, signalId);
    await connection.query('COMMIT');
    return { delivered: true };
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

/** A pool and a `DBOSClient` on a system database: what a process that executes no workflow signals through. */
export interface SignalSender {
  readonly pool: pg.Pool;
  readonly client: DBOSClient;
}

/** The connections signals are sent in (two at most: a signal holds one for a few statements). */
export function newSignalPool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  return pool;
}

/** Opens a `SignalSender` for the configured system database. */
export async function openSignalSender(config: DbosRunnerConfig, logger: DbosStderrLogger): Promise<SignalSender> {
  const pool = newSignalPool(config.databaseUrl);
  try {
    const client = await DBOSClient.create({
      systemDatabaseUrl: config.databaseUrl,
      applicationName: config.applicationName,
      logger,
      serializer: CASARE_DBOS_SERIALIZER,
    });
    return { pool, client };
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}

/** Closes what `openSignalSender` opened. */
export async function closeSignalSender(sender: SignalSender): Promise<void> {
  await Promise.allSettled([sender.client.destroy(), sender.pool.end()]);
}

/** What `DBOS.recv` returned, as the port's `SignalWait`: `null` is DBOS's timeout. */
export function signalWaitOfMessage(message: unknown): SignalWait {
  if (message === null || message === undefined) return { kind: 'timeout' };
  return { kind: 'received', value: (message as Partial<DbosSignalEnvelope>).value ?? null };
}
