import type { Json } from '@casare-rpa/domain';
import { z } from 'zod';
import { anyValue, boolean, number, optionalText } from '../catalog/config-schema.js';
import { describeValue } from '../catalog/config-issues.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { literalConfig } from '../catalog/effects.js';

// Date nodes read the clock inside their step, so the recorded outcome is what a replay sees.
// Instants travel as ISO 8601 text in UTC (`2024-01-01T00:00:00.000Z`); text without a zone is
// read as local time, as v1 did.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Formats a date with a Python `strftime` pattern (the common directives), in local time or UTC. */
export function strftime(date: Date, pattern: string, utc = false): string {
  const get = {
    year: utc ? date.getUTCFullYear() : date.getFullYear(),
    month: utc ? date.getUTCMonth() : date.getMonth(),
    day: utc ? date.getUTCDate() : date.getDate(),
    weekday: utc ? date.getUTCDay() : date.getDay(),
    hours: utc ? date.getUTCHours() : date.getHours(),
    minutes: utc ? date.getUTCMinutes() : date.getMinutes(),
    seconds: utc ? date.getUTCSeconds() : date.getSeconds(),
    ms: utc ? date.getUTCMilliseconds() : date.getMilliseconds(),
  };
  const startOfYear = utc ? Date.UTC(get.year, 0, 1) : new Date(get.year, 0, 1).getTime();
  const dayOfYear = Math.floor((date.getTime() - startOfYear) / 86_400_000) + 1;
  return pattern.replace(/%([a-zA-Z%])/g, (whole, directive: string) => {
    switch (directive) {
      case 'Y':
        return String(get.year);
      case 'y':
        return pad(get.year % 100);
      case 'm':
        return pad(get.month + 1);
      case 'd':
        return pad(get.day);
      case 'H':
        return pad(get.hours);
      case 'I':
        return pad(get.hours % 12 === 0 ? 12 : get.hours % 12);
      case 'p':
        return get.hours < 12 ? 'AM' : 'PM';
      case 'M':
        return pad(get.minutes);
      case 'S':
        return pad(get.seconds);
      case 'f':
        return pad(get.ms, 3) + '000';
      case 'j':
        return pad(dayOfYear, 3);
      case 'a':
        return (DAYS[get.weekday] ?? '').slice(0, 3);
      case 'A':
        return DAYS[get.weekday] ?? '';
      case 'b':
        return (MONTHS[get.month] ?? '').slice(0, 3);
      case 'B':
        return MONTHS[get.month] ?? '';
      case 'w':
        return String(get.weekday);
      case 'Z':
        return utc ? 'UTC' : '';
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}

/** Reads an instant from ISO text or a Unix timestamp (seconds, or milliseconds when huge). */
export function instantOf(value: Json, field: string): Date {
  let date: Date | undefined;
  if (typeof value === 'number') date = new Date(Math.abs(value) < 1e11 ? value * 1000 : value);
  else if (typeof value === 'string' && value.trim() !== '') date = new Date(value.trim().replace(' ', 'T'));
  if (!date || Number.isNaN(date.getTime())) throw new ConfigFieldError(field, `expected a date and time, got ${describeValue(value)}`);
  return date;
}

function dateOutputs(date: Date, format: string | undefined) {
  return {
    datetime: date.toISOString(),
    iso: date.toISOString(),
    timestamp: date.getTime() / 1000,
    formatted: format ? strftime(date, format) : date.toISOString(),
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
    weekday: DAYS[date.getDay()] ?? '',
  };
}

const getTimestampNode = defineNode({
  types: ['GetTimestampNode'],
  config: z.looseObject({ milliseconds: boolean(false) }),
  ports: { outputs: ['timestamp', 'iso'] },
  run: (config) => {
    const now = new Date();
    return { outputs: { timestamp: config.milliseconds ? now.getTime() : now.getTime() / 1000, iso: now.toISOString() } };
  },
});

const getCurrentDateTimeNode = defineNode({
  types: ['GetCurrentDateTimeNode'],
  config: z.looseObject({ format: optionalText() }),
  ports: { outputs: ['datetime', 'iso', 'timestamp', 'formatted', 'year', 'month', 'day', 'hour', 'minute', 'second', 'weekday'] },
  run: (config) => ({ outputs: dateOutputs(new Date(), config.format) }),
});

const dateTimeAddNode = defineNode({
  types: ['DateTimeAddNode'],
  // Without a date written in the file it starts from the clock: a world read.
  effect: (node) => (isWrittenDate(literalConfig(node, 'datetime')) ? 'pure' : 'world'),
  config: z.looseObject({
    datetime: anyValue(),
    weeks: number(0),
    days: number(0),
    hours: number(0),
    minutes: number(0),
    seconds: number(0),
    format: optionalText(),
  }),
  ports: { inputs: ['datetime'], outputs: ['result', 'datetime', 'iso', 'timestamp', 'formatted'] },
  run: (config) => {
    const start = config.datetime === null ? new Date() : instantOf(config.datetime, 'datetime');
    const offset = ((((config.weeks * 7 + config.days) * 24 + config.hours) * 60 + config.minutes) * 60 + config.seconds) * 1000;
    const date = new Date(start.getTime() + offset);
    const outputs = dateOutputs(date, config.format);
    return { outputs: { result: outputs.datetime, datetime: outputs.datetime, iso: outputs.iso, timestamp: outputs.timestamp, formatted: outputs.formatted } };
  },
});

const dateTimeDiffNode = defineNode({
  types: ['DateTimeDiffNode'],
  effect: (node) => (isWrittenDate(literalConfig(node, 'datetime_1')) && isWrittenDate(literalConfig(node, 'datetime_2')) ? 'pure' : 'world'),
  config: z.looseObject({ datetime_1: anyValue(), datetime_2: anyValue() }),
  ports: { inputs: ['datetime_1', 'datetime_2'], outputs: ['total_seconds', 'total_minutes', 'total_hours', 'total_days', 'days', 'is_negative'] },
  run: (config) => {
    const from = instantOf(config.datetime_1, 'datetime_1');
    const to = config.datetime_2 === null ? new Date() : instantOf(config.datetime_2, 'datetime_2');
    const seconds = (to.getTime() - from.getTime()) / 1000;
    return {
      outputs: {
        total_seconds: seconds,
        total_minutes: seconds / 60,
        total_hours: seconds / 3600,
        total_days: seconds / 86_400,
        days: Math.trunc(seconds / 86_400),
        is_negative: seconds < 0,
      },
    };
  },
});

/** A date given in the file itself (text or epoch number), not one read at run time. */
function isWrittenDate(value: Json | undefined): boolean {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
}

/** Timestamp and date/time nodes. */
export const dateTimeNodeHandlers: readonly CatalogNodeHandler[] = [getTimestampNode, getCurrentDateTimeNode, dateTimeAddNode, dateTimeDiffNode];
