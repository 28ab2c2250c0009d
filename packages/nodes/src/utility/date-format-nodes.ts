import type { Json } from '@casare-rpa/domain';
import { isValid } from 'date-fns/isValid';
import { parse } from 'date-fns/parse';
import { z } from 'zod';
import { anyValue, optionalText, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { instantOf, strftime } from './datetime-nodes.js';

// Format, parse and compare dates given to the node: no clock reading, so these are pure.
// Python `strptime` patterns are translated to date-fns tokens and parsed by date-fns (local time
// unless the pattern has a zone, as in v1).

const DIRECTIVES: Readonly<Record<string, string>> = {
  Y: 'yyyy',
  y: 'yy',
  m: 'MM',
  d: 'dd',
  H: 'HH',
  I: 'hh',
  p: 'a',
  M: 'mm',
  S: 'ss',
  f: 'SSSSSS',
  j: 'DDD',
  a: 'EEE',
  A: 'EEEE',
  b: 'MMM',
  B: 'MMMM',
  z: 'xx',
  '%': "'%'",
};

/** Translates a Python `strptime` pattern to a date-fns `parse` pattern (text outside directives quoted). */
export function dateFnsPattern(pattern: string, field: string): string {
  let result = '';
  let literal = '';
  const flush = () => {
    if (literal !== '') result += `'${literal.replace(/'/g, "''")}'`;
    literal = '';
  };
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char !== '%') {
      literal += char;
      continue;
    }
    const directive = pattern[index + 1];
    const token = directive === undefined ? undefined : DIRECTIVES[directive];
    if (token === undefined) throw new ConfigFieldError(field, `unsupported directive %${directive ?? ''} in ${JSON.stringify(pattern)}`);
    flush();
    result += token;
    index++;
  }
  flush();
  return result;
}

/** Reads `value` with a Python pattern, or (no pattern) as ISO text, a timestamp or a common layout. */
function readDate(value: Json, pattern: string | undefined, field: string): Date {
  if (pattern && typeof value === 'string') {
    const date = parse(value.trim(), dateFnsPattern(pattern, 'format'), new Date(0));
    if (!isValid(date)) throw new ConfigFieldError(field, `${JSON.stringify(value)} does not match the format ${JSON.stringify(pattern)}`);
    return date;
  }
  if (typeof value === 'string') {
    for (const layout of ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y', '%d-%m-%Y', '%Y/%m/%d']) {
      const date = parse(value.trim(), dateFnsPattern(layout, 'format'), new Date(0));
      if (isValid(date)) return date;
    }
  }
  return instantOf(value, field);
}

/** Local ISO 8601 text without zone, as Python's `datetime.isoformat()` of a naive date. */
function localIso(date: Date): string {
  const offset = date.getTimezoneOffset() * 60_000;
  return new Date(date.getTime() - offset)
    .toISOString()
    .replace('Z', '')
    .replace(/\.000$/, '');
}

const formatDateTimeNode = defineNode({
  types: ['FormatDateTimeNode'],
  effect: 'pure',
  config: z.looseObject({ datetime: anyValue(), input_format: optionalText(), format: text('%Y-%m-%d %H:%M:%S') }),
  ports: { inputs: ['datetime', 'input_format'], outputs: ['result'] },
  run: (config) => ({ outputs: { result: strftime(readDate(config.datetime, config.input_format, 'datetime'), config.format) } }),
});

const parseDateTimeNode = defineNode({
  types: ['ParseDateTimeNode'],
  effect: 'pure',
  config: z.looseObject({ datetime_string: anyValue(), format: optionalText() }),
  ports: {
    inputs: ['datetime_string'],
    outputs: ['timestamp', 'year', 'month', 'day', 'hour', 'minute', 'second', 'iso_format', 'success'],
  },
  run: (config) => {
    if (config.datetime_string === null || config.datetime_string === '') throw new ConfigFieldError('datetime_string', 'required');
    const date = readDate(config.datetime_string, config.format, 'datetime_string');
    return {
      outputs: {
        timestamp: date.getTime() / 1000,
        year: date.getFullYear(),
        month: date.getMonth() + 1,
        day: date.getDate(),
        hour: date.getHours(),
        minute: date.getMinutes(),
        second: date.getSeconds(),
        iso_format: localIso(date),
        success: true,
      },
    };
  },
});

const dateTimeCompareNode = defineNode({
  types: ['DateTimeCompareNode'],
  effect: 'pure',
  config: z.looseObject({ datetime_1: anyValue(), datetime_2: anyValue() }),
  ports: { inputs: ['datetime_1', 'datetime_2'], outputs: ['is_before', 'is_after', 'is_equal', 'comparison'] },
  run: (config) => {
    const first = instantOf(config.datetime_1, 'datetime_1').getTime();
    const second = instantOf(config.datetime_2, 'datetime_2').getTime();
    const comparison = first < second ? -1 : first > second ? 1 : 0;
    return { outputs: { is_before: comparison < 0, is_after: comparison > 0, is_equal: comparison === 0, comparison } };
  },
});

/** FormatDateTimeNode, ParseDateTimeNode, DateTimeCompareNode. */
export const dateFormatNodeHandlers: readonly CatalogNodeHandler[] = [formatDateTimeNode, parseDateTimeNode, dateTimeCompareNode];
