import { CronExpressionParser } from 'cron-parser';

/**
 * Why `expression` is not a cron expression the scheduler can run, or undefined when it is.
 * cron-parser alone accepts too much (it fills in missing fields, so "* * * *" would pass), hence
 * the field count check first.
 */
export function cronProblem(expression: string): { message: string; detail?: string } | undefined {
  const trimmed = expression.trim();
  if (!trimmed.startsWith('@')) {
    const fields = trimmed.split(/\s+/).length;
    if (fields !== 5 && fields !== 6) {
      return {
        message: 'must be a cron expression with 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first',
        detail: `found ${fields}`,
      };
    }
  }
  const step = stepProblem(trimmed);
  if (step) return step;
  try {
    CronExpressionParser.parse(trimmed);
    return undefined;
  } catch (err) {
    return { message: 'is not a valid cron expression', detail: err instanceof Error ? err.message : String(err) };
  }
}

/** Field names and ranges, for 5 fields (6 with seconds first). */
const FIELDS = [
  { name: 'second', min: 0, max: 59 }, { name: 'minute', min: 0, max: 59 }, { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 }, { name: 'month', min: 1, max: 12 }, { name: 'day-of-week', min: 0, max: 7 },
] as const;

/**
 * A step larger than its field's range (`*\/61` in minutes): cron-parser accepts it and runs once
 * an hour, which is never what was meant.
 */
function stepProblem(expression: string): { message: string; detail?: string } | undefined {
  if (expression.startsWith('@')) return undefined;
  const parts = expression.split(/\s+/);
  const fields = parts.length === 6 ? FIELDS : FIELDS.slice(1);
  for (let i = 0; i < parts.length; i++) {
    const field = fields[i]!;
    for (const m of parts[i]!.matchAll(/\/(\d+)/g)) {
      const step = Number(m[1]);
      if (step > field.max - field.min + 1) {
        return {
          message: `is not a valid cron expression: the ${field.name} step /${step} is larger than its range ${field.min}-${field.max}`,
        };
      }
    }
  }
  return undefined;
}

/** Whether `zone` is an IANA time zone name this Node knows (offsets like "+02:00" are not). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
