import { describe, expect, it } from 'vitest';
import { checkDatabaseUrlEnv } from './database-url-check.js';
import { UsageError } from './errors.js';

describe('checkDatabaseUrlEnv', () => {
  it('accepts no URL and PostgreSQL URLs', () => {
    expect(() => checkDatabaseUrlEnv({})).not.toThrow();
    expect(() => checkDatabaseUrlEnv({ CASARE_DATABASE_URL: 'postgres://u:p@db:5432/casare' })).not.toThrow();
    expect(() => checkDatabaseUrlEnv({ CASARE_DATABASE_URL: 'postgresql://db/casare' })).not.toThrow();
  });

  it('names the variable and what a URL looks like, without echoing its value', () => {
    expect(() => checkDatabaseUrlEnv({ CASARE_DATABASE_URL: 'not-a-url' })).toThrow(UsageError);
    expect(() => checkDatabaseUrlEnv({ CASARE_DATABASE_URL: 'not-a-url' })).toThrow(
      'CASARE_DATABASE_URL is not a PostgreSQL URL (it does not parse as a URL): expected postgres://user:password@host:5432/database',
    );
    expect(() => checkDatabaseUrlEnv({ CASARE_DATABASE_URL: 'mysql://root:pw@db/x' })).toThrow('(its scheme is mysql:, not postgres:)');
    expect(() => checkDatabaseUrlEnv({ CASARE_DATABASE_URL: 'mysql://root:pw@db/x' })).not.toThrow(/pw/);
  });
});
