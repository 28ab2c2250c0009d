/** What a URL we cannot parse is shown as: nothing of it, since any part may be a secret. */
const UNPARSEABLE = '<unparseable database URL>';

/** The URL with its password (userinfo or `password=` parameter) replaced by `***`, safe to log. */
export function redactDatabaseUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return UNPARSEABLE;
  }
  // `user:pw@host` parses as scheme `user:` with the secret in its path: accept real server URLs only.
  if (!/^postgres(ql)?:$/.test(url.protocol) || url.host === '') return UNPARSEABLE;
  if (url.password) url.password = '***';
  if (url.searchParams.has('password')) url.searchParams.set('password', '***');
  return url.toString().replace('%2A%2A%2A', '***');
}

/** The URL of another database on the same server (e.g. `postgres`, to create or drop one). */
export function withDatabaseName(databaseUrl: string, databaseName: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(databaseName)}`;
  return url.toString();
}

/** The database name a URL points at. */
export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`the database URL ${redactDatabaseUrl(databaseUrl)} names no database`);
  return name;
}
