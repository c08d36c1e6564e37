import { SyncFrameError } from './syncframe-error.js';

/** A job, run or conflict that does not exist. */
export class NotFoundError extends SyncFrameError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'NotFoundError';
  }
}

export function isNotFoundError(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}
