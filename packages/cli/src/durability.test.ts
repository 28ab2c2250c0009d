import { describe, expect, it } from 'vitest';
import { chooseDurability } from './durability.js';
import { UsageError } from './errors.js';

describe('durability choice', () => {
  it('takes the flag when given and refuses anything but sqlite, dbos or memory', () => {
    expect(chooseDurability('memory', { CASARE_DATABASE_URL: 'postgres://x/y' })).toEqual({ durability: 'memory', explicit: true });
    expect(chooseDurability('dbos', {})).toEqual({ durability: 'dbos', explicit: true });
    expect(chooseDurability('sqlite', { CASARE_DATABASE_URL: 'postgres://x/y' })).toEqual({ durability: 'sqlite', explicit: true });
    expect(() => chooseDurability('postgres', {})).toThrow(UsageError);
  });

  it('uses DBOS when CASARE_DATABASE_URL is set', () => {
    expect(chooseDurability(undefined, { CASARE_DATABASE_URL: 'postgres://nowhere.invalid/db' })).toEqual({ durability: 'dbos', explicit: false });
  });

  it('defaults to SQLite otherwise, even with a PostgreSQL on localhost (it is not probed)', () => {
    expect(chooseDurability(undefined, {})).toEqual({ durability: 'sqlite', explicit: false });
    expect(chooseDurability(undefined, { CASARE_DATABASE_URL: '' })).toEqual({ durability: 'sqlite', explicit: false });
  });
});
