import { RetryableError } from '@syncframe/engine';
import { driverErrorOf, mapDatabaseError } from './db-errors.js';

/**
 * A SQLite error turned into what callers can act on: the file locked by another process past the
 * busy timeout is worth trying again (`RetryableError`); anything else is named as
 * `mapDatabaseError` names it. Errors of our own pass through unchanged.
 */
export function mapSqliteError(err: unknown, operation: string, where: string): Error {
  const cause = driverErrorOf(err) as { code?: unknown; message?: unknown } | null;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new RetryableError(`link index ${operation} failed: ${where} is locked by another process (${code})`, { cause });
  }
  return mapDatabaseError(err, operation, where);
}
