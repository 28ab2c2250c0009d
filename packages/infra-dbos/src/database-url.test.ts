import { describe, expect, it } from 'vitest';
import { databaseNameOf, redactDatabaseUrl, withDatabaseName } from './database-url.js';

describe('database URLs', () => {
  it('hides the password of the userinfo and of a password parameter', () => {
    expect(redactDatabaseUrl('postgres://casare:s3cr%40t@db.example:5433/casare')).toBe('postgres://casare:***@db.example:5433/casare');
    expect(redactDatabaseUrl('postgres://casare@db/casare?password=hunter2&sslmode=require')).toBe('postgres://casare@db/casare?password=***&sslmode=require');
    expect(redactDatabaseUrl('postgres://postgres@127.0.0.1:5432/casare')).toBe('postgres://postgres@127.0.0.1:5432/casare');
  });

  it('shows nothing of a URL it cannot parse', () => {
    expect(redactDatabaseUrl('user:pw@nowhere')).not.toContain('pw');
    expect(redactDatabaseUrl('not a url with secret')).toBe('<unparseable database URL>');
  });

  it('points a URL at another database of the same server', () => {
    expect(withDatabaseName('postgres://u:p@h:1/casare?sslmode=disable', 'postgres')).toBe('postgres://u:p@h:1/postgres?sslmode=disable');
    expect(databaseNameOf('postgres://h/casare_test')).toBe('casare_test');
    expect(() => databaseNameOf('postgres://h')).toThrow(/names no database/);
  });
});
