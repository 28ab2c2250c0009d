import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ExecutionEvent, ExecutionEvents } from '@casare-rpa/application';
import { DbosDurableRunner, DbosWorkerFleet, redactDatabaseUrl } from '@casare-rpa/infra-dbos';
import { parseCommandArgs } from '../cli-args.js';
import { dbosConfigOf, openServices } from '../container.js';
import { ExitCode, UsageError } from '../errors.js';
import { HELP } from '../help.js';
import type { CliEnvironment } from '../cli-environment.js';
import { describeQueueSettings, loadQueueConfigFile, parseQueueFlags, resolveQueueSettings, secondsFlag } from './queue-settings.js';

const OPTIONS = {
  queue: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  'global-concurrency': { type: 'string' },
  'rate-limit': { type: 'string' },
  'poll-interval': { type: 'string' },
  'queue-config': { type: 'string' },
  'executor-id': { type: 'string' },
  'takeover-after': { type: 'string' },
  heartbeat: { type: 'string' },
} as const;

const DEFAULT_TAKEOVER_AFTER_S = 30;
/**
 * How long steps in flight get to finish after SIGTERM: the CLI's entry point exits 2 s after the
 * first signal whatever the command does, so the drain must end before that.
 */
const DRAIN_BOUND_MS = 1_500;

/**
 * `casare worker`: a long-lived DBOS executor that dequeues runs from its queues, records a
 * heartbeat, and takes over the pending runs of executors whose heartbeat is stale. SIGTERM stops
 * dequeuing, lets steps in flight finish (bounded), exits 0; its runs stay pending and are taken over.
 */
export async function workerCommand(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode> {
  const args = parseCommandArgs('worker', argv, OPTIONS, { names: [], required: 0 });
  if (args.help) {
    cli.stdout.write(HELP.worker);
    return ExitCode.success;
  }
  const flags = parseQueueFlags({
    concurrency: args.string('concurrency'),
    globalConcurrency: args.string('global-concurrency'),
    rateLimit: args.string('rate-limit'),
    pollInterval: args.string('poll-interval'),
  });
  const configFile = args.string('queue-config');
  const queueConfig = configFile === undefined ? undefined : await loadQueueConfigFile(configFile, cli.cwd);
  const takeoverAfterMs = (secondsFlag(args.string('takeover-after'), '--takeover-after') ?? DEFAULT_TAKEOVER_AFTER_S) * 1000;
  const heartbeatMs = (secondsFlag(args.string('heartbeat'), '--heartbeat') ?? Math.min(5, takeoverAfterMs / 3000)) * 1000;
  if (heartbeatMs >= takeoverAfterMs) throw new UsageError('--heartbeat must be shorter than --takeover-after', 'worker');
  const executorId = args.string('executor-id')?.trim() || `worker-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const queues = resolveQueueSettings(args.strings('queue'), queueConfig, flags);
  const queueNames = queues.map((queue) => queue.name);

  const env = { ...cli.env, CASARE_EXECUTOR_ID: executorId, CASARE_LISTEN_QUEUES: queueNames.join(',') };
  const config = dbosConfigOf(env);
  const services = await openServices({ durability: 'dbos', events: new RunEndLines(cli), env });
  const runner = services.runner;
  if (!(runner instanceof DbosDurableRunner)) throw new Error('casare worker needs the DBOS runner');
  let fleet: DbosWorkerFleet | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await runner.launch();
    fleet = await DbosWorkerFleet.open(config);
    await fleet.registerQueues(queues);
    await fleet.beat(queueNames);
    cli.stdout.write(
      `Worker ${executorId} on ${redactDatabaseUrl(config.databaseUrl)}: queues ${queues.map(describeQueueSettings).join(', ')}, ` +
        `version ${config.applicationVersion}, takeover after ${takeoverAfterMs / 1000} s\n`,
    );
    const active = fleet;
    const database = redactDatabaseUrl(config.databaseUrl);
    let ticking = false;
    /** When this worker's heartbeat first failed in the current outage; undefined while it beats. */
    let failingSince: number | undefined;
    /** No takeover before this instant: set when the worker's own heartbeat comes back from an outage. */
    let judgeFrom = 0;
    const tick = async (): Promise<void> => {
      if (ticking) return;
      ticking = true;
      try {
        await active.beat(queueNames);
        if (failingSince !== undefined) {
          // The outage stopped every worker's heartbeat, not only this one's: the others need a
          // takeover period to beat again before a stale row means a dead worker.
          judgeFrom = Date.now() + takeoverAfterMs;
          cli.stderr.write(
            `casare worker: heartbeat recorded again after ${((Date.now() - failingSince) / 1000).toFixed(1)} s; ` +
              `no takeover for ${takeoverAfterMs / 1000} s while the other workers reconnect\n`,
          );
          failingSince = undefined;
        }
        if (Date.now() < judgeFrom) return;
        for (const takeover of await active.takeOverStale(takeoverAfterMs)) {
          cli.stdout.write(
            `Took over executor ${takeover.executorId} (last heartbeat ${((Date.now() - takeover.lastHeartbeat) / 1000).toFixed(1)} s ago): ` +
              `${takeover.runIds.length} run(s) re-enqueued${takeover.runIds.length > 0 ? `: ${takeover.runIds.join(', ')}` : ''}\n`,
          );
        }
      } catch (error) {
        // The database may be restarting: DBOS holds the runs' steps until it is back, the next tick beats again.
        if (failingSince === undefined) {
          failingSince = Date.now();
          cli.stderr.write(
            `casare worker: heartbeat failed on PostgreSQL at ${database}: ${error instanceof Error ? error.message : String(error)}; ` +
              `retrying every ${heartbeatMs / 1000} s (runs in flight wait for the database)\n`,
          );
        }
      } finally {
        ticking = false;
      }
    };
    timer = setInterval(() => void tick(), heartbeatMs);
    await cli.interrupted;
    clearInterval(timer);
    timer = undefined;
    cli.stdout.write(`Worker ${executorId}: stopping, steps in flight get ${DRAIN_BOUND_MS} ms; its unfinished runs stay pending for takeover\n`);
    await runner.drain(DRAIN_BOUND_MS);
    return ExitCode.success;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    await fleet?.close();
    await services.close();
  }
}

/** One line per run that ends in this worker: a fleet prints no per-node progress. */
class RunEndLines implements ExecutionEvents {
  constructor(private readonly cli: CliEnvironment) {}
  emit(event: ExecutionEvent): void {
    if (event.type === 'run.completed' || event.type === 'run.failed') this.cli.stdout.write(`${event.type} ${event.runId}\n`);
  }
}
