import { UsageError } from './errors.js';

/**
 * Refuses a `CASARE_DATABASE_URL` that is no PostgreSQL URL before anything tries to connect with
 * it: the driver would read it as a host name and fail with a DNS error about part of it. The value
 * is not echoed: a malformed URL may still hold a password.
 */
export function checkDatabaseUrlEnv(env: Readonly<Record<string, string | undefined>>, command?: string): void {
  const value = env['CASARE_DATABASE_URL'];
  if (value === undefined || value === '') return;
  let problem: string | undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') problem = `its scheme is ${url.protocol}, not postgres:`;
    else if (url.hostname === '' && !url.searchParams.has('host')) problem = 'it names no host';
  } catch {
    problem = 'it does not parse as a URL';
  }
  if (problem !== undefined) {
    throw new UsageError(`CASARE_DATABASE_URL is not a PostgreSQL URL (${problem}): expected postgres://user:password@host:5432/database`, command);
  }
}
