import { connect } from 'node:net';
import { UsageError } from './errors.js';

/** Where a run's progress is made durable. */
export type Durability = 'dbos' | 'memory';

/** The durability a command uses and why, for the line the CLI prints about it. */
export interface DurabilityChoice {
  readonly durability: Durability;
  /** True when the user asked for it with `--durability`; false when it was chosen by default. */
  readonly explicit: boolean;
}

/**
 * Picks the durability of a run: the `--durability` flag when given; otherwise DBOS when
 * `CASARE_DATABASE_URL` is set or a PostgreSQL answers at `defaultDatabaseUrl`, else memory.
 */
export async function chooseDurability(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  defaultDatabaseUrl: string,
  command = 'run',
): Promise<DurabilityChoice> {
  if (flag !== undefined) {
    if (flag !== 'dbos' && flag !== 'memory') {
      throw new UsageError(`--durability must be "dbos" or "memory", not "${flag}"`, command);
    }
    return { durability: flag, explicit: true };
  }
  if (env['CASARE_DATABASE_URL']) return { durability: 'dbos', explicit: false };
  return { durability: (await isPostgresAnswering(defaultDatabaseUrl)) ? 'dbos' : 'memory', explicit: false };
}

/**
 * True when a PostgreSQL server answers at the URL's host and port. Sends the 8-byte SSLRequest
 * that every PostgreSQL answers with one byte ('S' or 'N'), so an unrelated service on the port
 * does not count, and no credentials or database are needed.
 */
export function isPostgresAnswering(databaseUrl: string, timeoutMs = 1000): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return Promise.resolve(false);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(url.port || 5432);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => {
      const sslRequest = Buffer.alloc(8);
      sslRequest.writeInt32BE(8, 0);
      sslRequest.writeInt32BE(80877103, 4);
      socket.write(sslRequest);
    });
    socket.once('data', (data) => finish(data[0] === 0x53 || data[0] === 0x4e));
  });
}
