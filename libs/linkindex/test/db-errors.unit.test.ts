import { describe, expect, it } from 'vitest';
import { DrizzleQueryError } from 'drizzle-orm';
import { LeaseLostError, NotFoundError, RetryableError } from '@syncframe/engine';
import { DatabaseUnavailableError, isConnectionError, mapDatabaseError } from '@syncframe/linkindex';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('mapDatabaseError', () => {
  it('turns a lost connection into a retryable DatabaseUnavailableError naming the database', () => {
    for (const cause of [
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('08006', 'connection failure'),
      pgError('ECONNRESET', 'read ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(isConnectionError(cause)).toBe(true);
      const err = mapDatabaseError(new DrizzleQueryError('select 1', [], cause), 'findLinks', 'PostgreSQL at db:5432/sf');
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect(err.message).toContain('findLinks failed: lost the connection to PostgreSQL at db:5432/sf');
      expect(err.cause).toBe(cause);
    }
  });

  it('drops drizzle\'s wrapper, whose message holds every parameter', () => {
    const cause = pgError('23505', 'duplicate key value violates unique constraint "x"');
    const err = mapDatabaseError(new DrizzleQueryError('insert …', ['secret-ish', 'params'], cause), 'insertRun', 'here');
    expect(err).not.toBeInstanceOf(RetryableError);
    expect(err.message).toBe('link index insertRun failed: duplicate key value violates unique constraint "x" (SQLSTATE 23505)');
    expect(err.message).not.toContain('params');
  });

  it('marks deadlocks and serialization failures retryable', () => {
    expect(mapDatabaseError(pgError('40P01', 'deadlock detected'), 'upsertLinks', 'here')).toBeInstanceOf(RetryableError);
    expect(mapDatabaseError(pgError('40001', 'could not serialize'), 'upsertLinks', 'here')).toBeInstanceOf(RetryableError);
  });

  it('passes our own errors through unchanged', () => {
    const lost = new LeaseLostError('gone');
    const missing = new NotFoundError('nope');
    const bug = new RangeError('bad time');
    expect(mapDatabaseError(lost, 'saveCursor', 'here')).toBe(lost);
    expect(mapDatabaseError(missing, 'resolveConflict', 'here')).toBe(missing);
    expect(mapDatabaseError(bug, 'upsertLinks', 'here')).toBe(bug);
  });
});
