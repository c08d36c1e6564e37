import { RetryableError } from './retryable-error.js';

/**
 * A store SyncFrame itself depends on cannot be reached: the LinkIndex's database, the fleet's Redis.
 * Not the remote's fault, so it never counts towards a side's fail count: it ends the run at once
 * (nothing more is written, no run is recorded) and the run is tried again once the store is back
 * (the fleet retries it with its own back-off). Stores ride out short outages themselves first.
 */
export class StoreUnavailableError extends RetryableError {
  override name = 'StoreUnavailableError';
  /** SyncFrame's own infrastructure failed, not a remote (also what sets it apart from other retryable errors). */
  readonly infrastructure = true as const;
}

export function isStoreUnavailableError(err: unknown): err is StoreUnavailableError {
  return err instanceof StoreUnavailableError;
}
