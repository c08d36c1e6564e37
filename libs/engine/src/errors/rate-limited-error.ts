import { RetryableError } from './retryable-error.js';

/** The remote answered 429. `retryAfterMs` is its Retry-After, or the API's documented penalty. */
export class RateLimitedError extends RetryableError {
  override name = 'RateLimitedError';
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options: { cause?: unknown } = {}) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

export function isRateLimitedError(err: unknown): err is RateLimitedError {
  return err instanceof RateLimitedError;
}
