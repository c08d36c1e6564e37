import { DrizzleQueryError } from 'drizzle-orm';
import { RetryableError, isSyncFrameError } from '@syncframe/engine';
import { DatabaseUnavailableError } from './errors/database-unavailable-error.js';

/** SQLSTATEs of a connection that went away: class 08, and the admin/crash shutdowns of class 57P. */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket-level codes Node and pg report for a peer that is gone or unreachable. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** pg reports these without a code. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'is not queryable',
];
/** Transient by nature: the same statement may well succeed when tried again. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/**
 * The driver's own error: drizzle wraps each failed query in a DrizzleQueryError whose message
 * holds the whole statement and every parameter (for a 5000-link upsert, 50000 of them), so we
 * keep its cause and drop the wrapper.
 */
export function driverErrorOf(err: unknown): unknown {
  let current = err;
  for (let i = 0; i < 5 && current instanceof DrizzleQueryError && current.cause; i++) {
    current = current.cause;
  }
  return current;
}

/** Whether `err` says the connection is gone (rather than that the statement was wrong). */
export function isConnectionError(err: unknown): boolean {
  const e = driverErrorOf(err) as DriverError | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || CONNECTION_SQLSTATES.has(code) || SOCKET_CODES.has(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/**
 * Turns a driver error into what callers can act on: `DatabaseUnavailableError` (retryable) for a
 * lost connection, `RetryableError` for a deadlock or serialization failure, otherwise an Error
 * naming the operation with the driver's error as cause. Errors of our own (NotFoundError,
 * LeaseLostError…) pass through unchanged.
 */
export function mapDatabaseError(err: unknown, operation: string, where: string): Error {
  if (err instanceof Error && !(err instanceof DrizzleQueryError) && !isDriverError(err)) return err;
  const cause = driverErrorOf(err);
  const message = cause instanceof Error ? cause.message : String(cause);
  if (isConnectionError(cause)) {
    return new DatabaseUnavailableError(`link index ${operation} failed: lost the connection to ${where}: ${message}`, { cause });
  }
  const code = (cause as DriverError | null)?.code;
  if (typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) {
    return new RetryableError(`link index ${operation} failed: ${message} (SQLSTATE ${code})`, { cause });
  }
  return new Error(`link index ${operation} failed: ${message}${typeof code === 'string' ? ` (SQLSTATE ${code})` : ''}`, { cause });
}

/** pg's DatabaseError (it always has a SQLSTATE `code`), a socket error, or one of pg's own connection errors. */
function isDriverError(err: Error): boolean {
  // Ours (NotFoundError, LeaseLostError, SchemaVersionError…) already say what happened.
  if (isSyncFrameError(err)) return false;
  return typeof (err as DriverError).code === 'string' || isConnectionError(err);
}
