import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseVariableAssignments, typedRunInputs } from './run-variables.js';

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
    // The example names the shipped example's real variable.
    expect(() => parseVariableAssignments(['novalue'])).toThrow('(e.g. --var wait_seconds=2)');
  });

  it('stores __proto__ as a plain key, never as a prototype', () => {
    const variables = parseVariableAssignments(['__proto__={"polluted":true}']);
    expect(Object.getPrototypeOf(variables)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(variables)).toEqual(['__proto__']);
  });
});

describe('typedRunInputs', () => {
  const declared = new Map([
    ['wait_seconds', { type: 'Float' }],
    ['count', { type: 'Integer' }],
    ['name', { type: 'String' }],
    ['flag', { type: 'Boolean' }],
    ['tags', { type: 'List' }],
    ['options', { type: 'Dict' }],
    ['anything', { type: 'Any' }],
  ]);

  it('reads each value as its declared type', () => {
    expect(typedRunInputs(['wait_seconds=2.5', 'count=3', 'name=007', 'flag=yes', 'tags=["a"]', 'options={"k":1}', 'anything=[1]'], declared)).toEqual({
      wait_seconds: 2.5,
      count: 3,
      name: '007',
      flag: true,
      tags: ['a'],
      options: { k: 1 },
      anything: [1],
    });
  });

  it('refuses a value that is not of the declared type, before anything runs, naming variable and type', () => {
    expect(() => typedRunInputs(['wait_seconds=abc'], declared)).toThrow(
      '--var wait_seconds=abc: wait_seconds is declared Float: expected a number, got "abc"',
    );
    expect(() => typedRunInputs(['wait_seconds='], declared)).toThrow('--var wait_seconds=: wait_seconds is declared Float: expected a number, got ""');
    expect(() => typedRunInputs(['count=1.5'], declared)).toThrow('count is declared Integer: expected a whole number');
    expect(() => typedRunInputs(['flag=maybe'], declared)).toThrow('flag is declared Boolean: expected true or false');
    expect(() => typedRunInputs(['tags=a,b'], declared)).toThrow('tags is declared List: expected a JSON list');
  });

  it('names every undeclared variable passed, and the declared ones', () => {
    expect(() => typedRunInputs(['wait_ms=5000', 'colour=red'], declared)).toThrow(
      /--var wait_ms, --var colour: the workflow declares no such variable \(declared: wait_seconds, count, name, flag, tags, options, anything\)/,
    );
    expect(() => typedRunInputs(['x=1'], new Map())).toThrow(/declares no such variable \(it declares none\)/);
  });

  it('reports every problem at once, as a UsageError of the command', () => {
    try {
      typedRunInputs(['wait_seconds=abc', 'nope=1'], declared, 'runs submit');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).command).toBe('runs submit');
      expect((error as Error).message).toContain('wait_seconds is declared Float');
      expect((error as Error).message).toContain('--var nope');
    }
  });
});
