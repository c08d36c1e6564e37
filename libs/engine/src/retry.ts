import type { Clock } from './clock.js';
import { isRateLimitedError } from './errors/rate-limited-error.js';
import { isRetryableError } from './errors/retryable-error.js';
import { isStoreUnavailableError } from './errors/store-unavailable-error.js';
import type { RetrySettings } from './job.js';
import type { Throttle } from './throttle.js';

export interface RetryContext {
  readonly retries: RetrySettings;
  readonly clock: Clock;
  readonly throttle: Throttle;
  readonly signal?: AbortSignal;
  /** Called before each wait; `attempt` is the attempt that just failed. */
  readonly onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
  /** A retryable error that should end the retries at once all the same (the CLI: a host that does not resolve). */
  readonly giveUp?: (err: unknown) => boolean;
}

/** The wait before attempt `attempt + 1`: `backoff_sec`, doubled on each further attempt. */
export function backoffMs(retries: RetrySettings, attempt: number): number {
  return retries.backoff_sec * 1000 * 2 ** (attempt - 1);
}

/**
 * Runs `fn` up to `max_attempts` times while it throws retryable errors, waiting an exponential
 * back-off between attempts: `max_attempts` is the number of requests one remote call may cost.
 * A 429 waits the remote's Retry-After instead (it is an attempt too), and pauses the throttle so
 * every other caller of the same account waits too. Non-retryable errors, a `StoreUnavailableError`
 * (it ends the run, see `fatal-error.ts`), and the last attempt's error are thrown.
 */
export async function withRetries<T>(ctx: RetryContext, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      // Every 429 holds the account for everyone, even when this caller gives up.
      if (isRateLimitedError(err)) await ctx.throttle.pause(err.retryAfterMs);
      // A store of SyncFrame's own that is down (the limiter's Redis) ends the run: not the remote's attempts to spend.
      if (!isRetryableError(err) || isStoreUnavailableError(err) || attempt >= ctx.retries.max_attempts || ctx.giveUp?.(err)) throw err;
      ctx.signal?.throwIfAborted();
      const waitMs = isRateLimitedError(err) ? err.retryAfterMs : backoffMs(ctx.retries, attempt);
      ctx.onRetry?.(err, attempt, waitMs);
      await ctx.clock.sleep(waitMs, ctx.signal);
    }
  }
}
