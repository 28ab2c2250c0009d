import { CasareError, errorCodeOf } from '@casare-rpa/application';
import { redactDatabaseUrl } from './database-url.js';

/**
 * PostgreSQL cannot be reached or refuses the connection (down, wrong host or port, bad credentials,
 * unknown database). Names the URL without its password so the message can be logged as is.
 */
export class DatabaseUnavailableError extends CasareError {
  /** Stable code. */
  readonly code = 'DATABASE_UNAVAILABLE' as const;
  /** The database URL, password replaced by `***`. */
  readonly url: string;
  /** PostgreSQL SQLSTATE or Node errno of the cause (`28P01`, `ECONNREFUSED`, ...), when known. */
  readonly reason: string | undefined;

  constructor(databaseUrl: string, cause: unknown) {
    const url = redactDatabaseUrl(databaseUrl);
    const reason = reasonOf(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`PostgreSQL at ${url} is not available: ${redactPasswordIn(detail, databaseUrl)}${hintFor(reason)}`, { cause });
    this.name = 'DatabaseUnavailableError';
    this.url = url;
    this.reason = reason;
  }
}

/**
 * PostgreSQL answered but DBOS could not set up or launch on the system database (a migration
 * failed, a conflicting schema, a lock wait that never ended): says what failed, not "not available".
 */
export class SystemDatabaseSetupError extends CasareError {
  /** Stable code. */
  readonly code = 'SYSTEM_DATABASE_SETUP' as const;
  /** The database URL, password replaced by `***`. */
  readonly url: string;
  /** PostgreSQL SQLSTATE of the cause, when known. */
  readonly reason: string | undefined;

  constructor(databaseUrl: string, cause: unknown) {
    const url = redactDatabaseUrl(databaseUrl);
    const reason = reasonOf(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`DBOS could not set up its system database at ${url}: ${redactPasswordIn(detail, databaseUrl)}${reason ? ` (SQLSTATE ${reason})` : ''}`, { cause });
    this.name = 'SystemDatabaseSetupError';
    this.url = url;
    this.reason = reason;
  }
}

/** SQLSTATEs and errnos that mean "the database is not there for us", as opposed to a bug in a query. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification (unknown role, no pg_hba entry)
  '3D000', // invalid_catalog_name (database does not exist)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** True when `error` (or its cause chain) says the database is unreachable or refuses us. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = errorCodeOf(current);
    if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
    if (/ECONNREFUSED|Connection terminated|connection timeout|timeout expired/i.test(current.message)) return true;
  }
  return false;
}

function reasonOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = errorCodeOf(current);
    if (code !== undefined) return code;
  }
  return undefined;
}

function hintFor(reason: string | undefined): string {
  switch (reason) {
    case '28P01':
    case '28000':
      return ' (check the user and password in CASARE_DATABASE_URL)';
    case '3D000':
      return ' (the database does not exist and could not be created)';
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return ' (is PostgreSQL running? set CASARE_DATABASE_URL to point at it)';
    default:
      return '';
  }
}

/** Driver messages may quote the URL; never let its password through. */
function redactPasswordIn(text: string, databaseUrl: string): string {
  const password = passwordOf(databaseUrl);
  return password ? text.split(password).join('***') : text;
}

function passwordOf(databaseUrl: string): string | undefined {
  try {
    const password = new URL(databaseUrl).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
