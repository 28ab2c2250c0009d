import { parseArgs } from 'node:util';
import { errorCodeOf } from '@casare-rpa/application';
import { UsageError } from './errors.js';

/** One option of a command, as `node:util` `parseArgs` declares it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The option may repeat (`--var a=1 --var b=2`). */
  readonly multiple?: boolean;
}

/** How many positional arguments a command takes, and their names for error messages. */
export interface PositionalSpec {
  /** Names in order, e.g. `['file']`; the first `required` of them must be given. */
  readonly names: readonly string[];
  /** How many of `names` are required. */
  readonly required: number;
}

/** The parsed arguments of one command, read through typed accessors. */
export class CommandArgs {
  constructor(
    /** Positional arguments in order. */
    readonly positionals: readonly string[],
    private readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>,
  ) {}

  /** True when `--help` or `-h` was given. */
  get help(): boolean {
    return this.flag('help');
  }

  /** Value of a boolean option. */
  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** Value of a string option, or undefined. */
  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Every value of a repeatable string option, in order. */
  strings(name: string): string[] {
    const value = this.values[name];
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }
}

/**
 * Parses the arguments of one command strictly: an unknown option, a missing option value or a
 * wrong number of positional arguments throws a `UsageError` that names the command's `--help`.
 * When `--help` is given the positional count is not checked, so `casare run --help` works alone.
 */
export function parseCommandArgs(
  command: string,
  argv: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
  positionals: PositionalSpec,
): CommandArgs {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw toUsageError(command, error);
  }
  const args = new CommandArgs(parsed.positionals, parsed.values);
  if (!args.help) {
    const given = args.positionals.length;
    if (given < positionals.required) {
      const missing = positionals.names.slice(given, positionals.required).map((name) => `<${name}>`);
      throw new UsageError(`"casare ${command}" needs ${missing.join(' ')}`, command);
    }
    if (given > positionals.names.length) {
      const extra = args.positionals.slice(positionals.names.length).join(' ');
      throw new UsageError(`"casare ${command}" does not take "${extra}"`, command);
    }
  }
  return args;
}

/** Rewrites `parseArgs`' errors (written for programmers) as usage errors written for users. */
function toUsageError(command: string, error: unknown): UsageError {
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(`unknown option ${option ?? message} for "casare ${command}"`, command);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--?[\w-]+/.exec(message)?.[0] ?? 'an option';
    const what = /does not take/.test(message) ? 'takes no value' : 'needs a value (--name value or --name=value)';
    return new UsageError(`${name} of "casare ${command}" ${what}`, command);
  }
  return new UsageError(`${message.split('.')[0] ?? message} ("casare ${command}")`, command);
}
