import { SyncFrameError } from './syncframe-error.js';

/** A transient failure: 5xx, timeout, network. Retried with back-off. */
export class RetryableError extends SyncFrameError {
  override name = 'RetryableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, ...options });
  }
}

export function isRetryableError(err: unknown): err is RetryableError {
  return err instanceof SyncFrameError && err.retryable;
}
