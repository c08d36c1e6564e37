import { StoreUnavailableError } from '@syncframe/engine';

/**
 * PostgreSQL could not be reached, or the connection broke during a call, for longer than the link
 * index rides out (`outageToleranceMs`). The data is safe (a broken transaction is rolled back by the
 * server) and the next call opens a new connection. A `StoreUnavailableError`: it ends the run without
 * counting against either remote, and the fleet runs it again later. The message names host, port
 * and database, never a password.
 */
export class DatabaseUnavailableError extends StoreUnavailableError {
  override name = 'DatabaseUnavailableError';
}

export function isDatabaseUnavailableError(err: unknown): err is DatabaseUnavailableError {
  return err instanceof DatabaseUnavailableError;
}
