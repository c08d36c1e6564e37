import { LeaseLostError } from '@syncframe/engine';

/**
 * The heartbeat's abort reason when renewals kept failing for a whole lease TTL (the database was
 * unreachable): the lease may have lapsed, so the run stops writing, like a lost lease. But nobody
 * took it over, so the queue runs it again later ({@link runOutcome}: retry, not superseded).
 */
export class LeaseUnrenewedError extends LeaseLostError {
  override name = 'LeaseUnrenewedError';
  /** Nobody took the lease over (what sets it apart from a plain `LeaseLostError`). */
  readonly unrenewed = true as const;
}

export function isLeaseUnrenewedError(err: unknown): err is LeaseUnrenewedError {
  return err instanceof LeaseUnrenewedError;
}
