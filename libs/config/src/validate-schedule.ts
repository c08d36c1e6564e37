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
  try {
    CronExpressionParser.parse(trimmed);
    return undefined;
  } catch (err) {
    return { message: 'is not a valid cron expression', detail: err instanceof Error ? err.message : String(err) };
  }
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
