import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorCodeOf } from '@casare-rpa/application';
import type { DbosQueueSettings } from '@casare-rpa/infra-dbos';
import { z } from 'zod';
import { UsageError } from '../errors.js';

// The queue settings of `casare worker`: its flags and its `--queue-config` file give the same
// four settings, all DBOS's own (docs/scaling.md); a flag overrides the file for every queue.

/** Queue a worker dequeues from and `casare submit` enqueues on when none is named. */
export const DEFAULT_QUEUE = 'casare';

/** At most `limit` runs of a queue started per `periodSeconds`, across the fleet. */
export interface QueueRateLimit {
  readonly limit: number;
  readonly periodSeconds: number;
}

/** Settings of one queue as the flags or the file give them; an absent one is DBOS's default. */
export interface QueueOptions {
  /** Most runs of the queue one worker executes at once (`--concurrency`). */
  readonly concurrency?: number;
  /** Most runs of the queue executing at once across the fleet (`--global-concurrency`). */
  readonly globalConcurrency?: number;
  /** DBOS's rate limiter (`--rate-limit N/S`). */
  readonly rateLimit?: QueueRateLimit;
  /** Shortest wait between two polls of the queue, in seconds (`--poll-interval`). */
  readonly pollIntervalSeconds?: number;
}

/** The `--queue-config` file: the settings of each queue it names. */
export interface QueueConfig {
  readonly queues: Readonly<Record<string, QueueOptions>>;
}

/** The raw values of the worker's queue flags, as the command line gives them. */
export interface QueueFlagValues {
  readonly concurrency?: string | undefined;
  readonly globalConcurrency?: string | undefined;
  readonly rateLimit?: string | undefined;
  readonly pollInterval?: string | undefined;
}

const POSITIVE_INTEGER = 'must be a positive integer';
const POSITIVE_SECONDS = 'must be a positive number of seconds';

/** A zod error message that says "is missing" for an absent required value, else `message`. */
const unlessMissing = (message: string) => (issue: { readonly input?: unknown }) => (issue.input === undefined ? 'is missing' : message);

const positiveInteger = z
  .number({ error: unlessMissing(POSITIVE_INTEGER) })
  .int({ error: POSITIVE_INTEGER })
  .positive({ error: POSITIVE_INTEGER });
const positiveSeconds = z.number({ error: unlessMissing(POSITIVE_SECONDS) }).positive({ error: POSITIVE_SECONDS });

const QUEUE_OPTIONS = z.strictObject(
  {
    concurrency: positiveInteger.optional(),
    globalConcurrency: positiveInteger.optional(),
    rateLimit: z
      .strictObject(
        { limit: positiveInteger, periodSeconds: positiveSeconds },
        { error: unlessMissing('must be an object { "limit": N, "periodSeconds": S }') },
      )
      .optional(),
    pollIntervalSeconds: positiveSeconds.optional(),
  },
  { error: 'must be an object of queue settings' },
);

const QUEUE_CONFIG = z.strictObject(
  {
    queues: z.record(z.string().trim().min(1, { error: 'a queue name must not be empty' }), QUEUE_OPTIONS, {
      error: unlessMissing('must be an object with one entry per queue name'),
    }),
  },
  { error: 'must be an object { "queues": { "<name>": { ... } } }' },
);

/** Parses the worker's queue flags; a bad value is a `UsageError` that names the flag. */
export function parseQueueFlags(values: QueueFlagValues): QueueOptions {
  const concurrency = integerFlag(values.concurrency, '--concurrency');
  const globalConcurrency = integerFlag(values.globalConcurrency, '--global-concurrency');
  const rateLimit = rateLimitFlag(values.rateLimit);
  const pollIntervalSeconds = secondsFlag(values.pollInterval, '--poll-interval');
  return {
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(globalConcurrency === undefined ? {} : { globalConcurrency }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(pollIntervalSeconds === undefined ? {} : { pollIntervalSeconds }),
  };
}

/**
 * Parses the text of a `--queue-config` file; `label` names it in errors. A bad file is a
 * `UsageError` giving the JSON path of each problem (`queues.invoices.rateLimit.limit: ...`).
 */
export function parseQueueConfig(text: string, label: string): QueueConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--queue-config ${label}: not JSON (${error instanceof Error ? error.message : String(error)})`, 'worker');
  }
  const parsed = QUEUE_CONFIG.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issuePath(issue.path)}: ${issueMessage(issue)}`);
    throw new UsageError(`--queue-config ${label}: ${problems.join('; ')}`, 'worker');
  }
  return parsed.data;
}

/** Reads and parses a `--queue-config` file, relative to `cwd`; an unreadable file is a `UsageError`. */
export async function loadQueueConfigFile(file: string, cwd: string): Promise<QueueConfig> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = errorCodeOf(error) === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    throw new UsageError(`--queue-config ${file}: cannot read it (${reason})`, 'worker');
  }
  return parseQueueConfig(text, file);
}

/**
 * The queues a worker dequeues and their DBOS settings: the `--queue` names, else the file's
 * queues, else `casare`; each queue takes the file's settings for it, overridden by the flags. A
 * per-worker limit above the queue-wide one is lowered to it (DBOS refuses it; the queue-wide
 * one binds anyway).
 */
export function resolveQueueSettings(names: readonly string[], config: QueueConfig | undefined, flags: QueueOptions): DbosQueueSettings[] {
  const fileNames = Object.keys(config?.queues ?? {});
  const chosen = names.length > 0 ? [...new Set(names)] : fileNames.length > 0 ? fileNames : [DEFAULT_QUEUE];
  return chosen.map((name) => {
    const options: QueueOptions = { ...config?.queues[name], ...flags };
    const concurrency = options.globalConcurrency;
    const workerConcurrency = options.concurrency === undefined || concurrency === undefined ? options.concurrency : Math.min(options.concurrency, concurrency);
    return {
      name,
      ...(workerConcurrency === undefined ? {} : { workerConcurrency }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(options.rateLimit === undefined ? {} : { rateLimit: { limitPerPeriod: options.rateLimit.limit, periodSec: options.rateLimit.periodSeconds } }),
      ...(options.pollIntervalSeconds === undefined ? {} : { pollingIntervalMs: options.pollIntervalSeconds * 1000 }),
    };
  });
}

/** One queue's settings for the worker's start line, e.g. `invoices (concurrency 2 per worker, ...)`. */
export function describeQueueSettings(queue: DbosQueueSettings): string {
  const rate = queue.rateLimit === undefined ? 'no rate limit' : `at most ${queue.rateLimit.limitPerPeriod} started per ${queue.rateLimit.periodSec} s`;
  return (
    `${queue.name} (concurrency ${queue.workerConcurrency ?? 'unlimited'} per worker, ${queue.concurrency ?? 'unlimited'} per queue, ` +
    `${rate}, polled every ${(queue.pollingIntervalMs ?? 1000) / 1000} s or more)`
  );
}

function integerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 1) throw new UsageError(`${flag} ${POSITIVE_INTEGER}, not "${value}"`, 'worker');
  return number;
}

/** A flag's value as a positive number of seconds; a bad one is a `UsageError` that names the flag. */
export function secondsFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new UsageError(`${flag} ${POSITIVE_SECONDS}, not "${value}"`, 'worker');
  return number;
}

function rateLimitFlag(value: string | undefined): QueueRateLimit | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  if (parts.length !== 2) throw new UsageError(`--rate-limit must be N/S (at most N runs started per S seconds, e.g. 10/60), not "${value}"`, 'worker');
  const [limit, period] = parts as [string, string];
  const number = Number(limit);
  if (limit.trim() === '' || !Number.isInteger(number) || number < 1) throw new UsageError(`--rate-limit N/S: N ${POSITIVE_INTEGER}, not "${value}"`, 'worker');
  const seconds = Number(period);
  if (period.trim() === '' || !Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--rate-limit N/S: S ${POSITIVE_SECONDS}, not "${value}"`, 'worker');
  return { limit: number, periodSeconds: seconds };
}

/** `queues.invoices.rateLimit.limit`; a key that would read ambiguously is quoted: `queues["a.b"]`. */
function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the file)';
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (/^[\w$-]+$/.test(name)) return index === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join('');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  if (issue.code === 'invalid_key') return issue.issues.map((inner) => inner.message).join('; ');
  return issue.message;
}
