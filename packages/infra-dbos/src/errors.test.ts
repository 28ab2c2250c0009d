import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './errors.js';

const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('DatabaseUnavailableError', () => {
  it('names the URL without its password, even when the cause quotes it', () => {
    const url = 'postgres://casare:hunter2@db.internal:5432/casare';
    const error = new DatabaseUnavailableError(url, pgError('28P01', 'password authentication failed for "hunter2"'));
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', url: 'postgres://casare:***@db.internal:5432/casare', reason: '28P01' });
    expect(error.message).toContain('postgres://casare:***@db.internal:5432/casare');
    expect(error.message).toContain('check the user and password');
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('hunter2');
  });

  it('says what to do when nothing listens', () => {
    const error = new DatabaseUnavailableError('postgres://h:1/x', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'));
    expect(error.message).toMatch(/is PostgreSQL running\? set CASARE_DATABASE_URL/);
  });

  it('tells connection failures from query errors, through causes', () => {
    expect(isDatabaseUnavailable(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('outer', { cause: pgError('ECONNREFUSED', 'refused') }))).toBe(true);
    expect(isDatabaseUnavailable(pgError('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
