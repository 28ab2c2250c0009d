import { UsageError } from './errors.js';

/** Where a run's progress is made durable. */
export type Durability = 'dbos' | 'sqlite' | 'memory';

/** Every durability, in the order help texts list them. */
export const DURABILITIES: readonly Durability[] = ['sqlite', 'dbos', 'memory'];

/** The durability a command uses and why, for the line the CLI prints about it. */
export interface DurabilityChoice {
  readonly durability: Durability;
  /** True when the user asked for it with `--durability`; false when it was chosen by default. */
  readonly explicit: boolean;
}

/**
 * Picks the durability of a command: the `--durability` flag when given; otherwise DBOS when
 * `CASARE_DATABASE_URL` is set, else SQLite (`.casare/casare.db`, or `CASARE_SQLITE_PATH`). A
 * PostgreSQL that merely answers on localhost is not used unasked; memory only when asked for.
 */
export function chooseDurability(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, command = 'run'): DurabilityChoice {
  if (flag !== undefined) {
    if (!DURABILITIES.includes(flag as Durability)) {
      throw new UsageError(`--durability must be "sqlite", "dbos" or "memory", not "${flag}"`, command);
    }
    return { durability: flag as Durability, explicit: true };
  }
  return { durability: env['CASARE_DATABASE_URL'] ? 'dbos' : 'sqlite', explicit: false };
}
