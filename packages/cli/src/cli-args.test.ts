import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from './cli-args.js';
import { UsageError } from './errors.js';

const options = { json: { type: 'boolean' }, 'run-id': { type: 'string' }, var: { type: 'string', multiple: true } } as const;
const one = { names: ['file'], required: 1 };

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandArgs', () => {
  it('reads positionals, flags, strings and repeated options', () => {
    const args = parseCommandArgs('run', ['flow.json', '--json', '--run-id', 'r1', '--var', 'a=1', '--var=b=2'], options, one);
    expect(args.positionals).toEqual(['flow.json']);
    expect(args.flag('json')).toBe(true);
    expect(args.string('run-id')).toBe('r1');
    expect(args.strings('var')).toEqual(['a=1', 'b=2']);
    expect(args.help).toBe(false);
  });

  it('turns an unknown option into a usage error that names it and the command', () => {
    const error = usageError(() => parseCommandArgs('run', ['flow.json', '--jsno'], options, one));
    expect(error.message).toBe('unknown option --jsno for "casare run"');
    expect(error.command).toBe('run');
  });

  it('says when an option misses its value or takes none', () => {
    expect(usageError(() => parseCommandArgs('run', ['flow.json', '--run-id'], options, one)).message).toMatch(/--run-id .* needs a value/);
    expect(usageError(() => parseCommandArgs('run', ['flow.json', '--json=yes'], options, one)).message).toMatch(/--json .* takes no value/);
  });

  it('names a missing positional argument and refuses extra ones', () => {
    expect(usageError(() => parseCommandArgs('run', [], options, one)).message).toBe('"casare run" needs <file>');
    expect(usageError(() => parseCommandArgs('run', ['a.json', 'b.json'], options, one)).message).toBe('"casare run" does not take "b.json"');
  });

  it('accepts --help and -h without the required positionals', () => {
    expect(parseCommandArgs('run', ['--help'], options, one).help).toBe(true);
    expect(parseCommandArgs('run', ['-h'], options, one).help).toBe(true);
  });
});
