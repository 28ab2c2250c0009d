import { CronExpressionParser } from 'cron-parser';

/** The v1 ScheduleTriggerNode config fields that decide when it fires (parsed, defaults applied). */
export interface ScheduleSpec {
  readonly frequency: 'once' | 'interval' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'cron';
  readonly time_hour: number;
  readonly time_minute: number;
  readonly interval_seconds: number;
  readonly day_of_week: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
  readonly day_of_month: number;
  readonly cron_expression: string;
  readonly timezone: string;
  readonly start_time?: string | undefined;
}

const WEEKDAY_NUMBER = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;

/** The cron expression a calendar frequency stands for (minute hour day-of-month month day-of-week). */
function cronOf(spec: ScheduleSpec): string {
  switch (spec.frequency) {
    case 'hourly':
      return `${spec.time_minute} * * * *`;
    case 'daily':
      return `${spec.time_minute} ${spec.time_hour} * * *`;
    case 'weekly':
      return `${spec.time_minute} ${spec.time_hour} * * ${WEEKDAY_NUMBER[spec.day_of_week]}`;
    case 'monthly':
      return `${spec.time_minute} ${spec.time_hour} ${spec.day_of_month} * *`;
    default:
      return spec.cron_expression;
  }
}

/** The problem with a cron expression, or undefined when cron-parser accepts it. */
export function cronProblem(expression: string, timezone = 'UTC'): string | undefined {
  try {
    CronExpressionParser.parse(expression, { tz: timezone, strict: false });
    return undefined;
  } catch (error) {
    return `not a cron expression (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** True when `timezone` is an IANA zone this Node.js knows. */
export function isKnownTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first tick strictly after `afterMs` (ms since the epoch), or undefined when the schedule fires
 * no more (`once` in the past). Ticks are a pure function of the config, never of when a process
 * started: every serving process computes the same instants, and the run id derived from an instant
 * is the same everywhere (docs/architecture.md, rule 5). Interval ticks are aligned on `start_time`,
 * else on the epoch.
 */
export function nextTickAfter(spec: ScheduleSpec, afterMs: number): number | undefined {
  if (spec.frequency === 'once') {
    const at = spec.start_time === undefined ? Number.NaN : Date.parse(spec.start_time);
    return Number.isFinite(at) && at > afterMs ? at : undefined;
  }
  if (spec.frequency === 'interval') {
    const periodMs = spec.interval_seconds * 1000;
    const parsedBase = spec.start_time === undefined ? 0 : Date.parse(spec.start_time);
    const base = Number.isFinite(parsedBase) ? parsedBase : 0;
    if (afterMs < base) return base;
    return base + (Math.floor((afterMs - base) / periodMs) + 1) * periodMs;
  }
  const expression = CronExpressionParser.parse(cronOf(spec), { tz: spec.timezone, currentDate: new Date(afterMs) });
  return expression.next().getTime();
}
