import { RetryableError } from '@syncframe/engine';

/**
 * PostgreSQL could not be reached, or the connection broke during a call. Retryable: the data
 * is safe (a broken transaction is rolled back by the server) and the next call opens a new
 * connection. The message names host, port and database, never a password.
 */
export class DatabaseUnavailableError extends RetryableError {
  override name = 'DatabaseUnavailableError';
}

export function isDatabaseUnavailableError(err: unknown): err is DatabaseUnavailableError {
  return err instanceof DatabaseUnavailableError;
}
