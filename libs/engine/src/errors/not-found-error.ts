import { SyncFrameError } from './syncframe-error.js';

/** A job, run or conflict that does not exist. */
export class NotFoundError extends SyncFrameError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

export function isNotFoundError(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}
