import { SyncFrameError } from './syncframe-error.js';

/** What retrying cannot fix: a bad request, an unknown field, a missing table. */
export class PermanentError extends SyncFrameError {
  override name = 'PermanentError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: false, ...options });
  }
}

export function isPermanentError(err: unknown): err is PermanentError {
  return err instanceof PermanentError;
}
