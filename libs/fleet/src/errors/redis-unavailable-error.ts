import { StoreUnavailableError } from '@syncframe/engine';

/**
 * Redis cannot be reached (a producer connection fails fast instead of queueing commands). A
 * `StoreUnavailableError`: a run that meets it (the rate limiter) ends without counting against
 * either remote, and the queue runs it again once Redis is back.
 */
export class RedisUnavailableError extends StoreUnavailableError {
  override name = 'RedisUnavailableError';
}

/**
 * Whether `err` says Redis is unreachable: ours, or one of ioredis's own errors when a fail-fast
 * connection is down (it has no classes for them, hence the messages). The one place that knows them.
 */
export function isRedisUnavailableError(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Stream isn.t writeable/i.test(err.message)
  );
}
