import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseVariableAssignments } from './run-variables.js';

describe('parseVariableAssignments', () => {
  it('keeps the JSON type of JSON values and reads anything else as a string', () => {
    expect(parseVariableAssignments(['n=3', 'ok=true', 'tags=["a","b"]', 'obj={"k":1}', 'none=null', 'name=Alice', 'quoted="7"'])).toEqual({
      n: 3,
      ok: true,
      tags: ['a', 'b'],
      obj: { k: 1 },
      none: null,
      name: 'Alice',
      quoted: '7',
    });
  });

  it('splits at the first = only, so values may contain =', () => {
    expect(parseVariableAssignments(['query=a=b&c=d', 'empty='])).toEqual({ query: 'a=b&c=d', empty: '' });
  });

  it('lets a later assignment of the same name win', () => {
    expect(parseVariableAssignments(['x=1', 'x=2'])).toEqual({ x: 2 });
  });

  it('refuses an assignment without a name', () => {
    expect(() => parseVariableAssignments(['novalue'])).toThrow(UsageError);
    expect(() => parseVariableAssignments(['=5'])).toThrow(/is not name=value/);
  });

  it('stores __proto__ as a plain key, never as a prototype', () => {
    const variables = parseVariableAssignments(['__proto__={"polluted":true}']);
    expect(Object.getPrototypeOf(variables)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(variables)).toEqual(['__proto__']);
  });
});
