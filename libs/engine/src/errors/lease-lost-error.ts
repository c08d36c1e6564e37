import { SyncFrameError } from './syncframe-error.js';

/** Another run took the job's lease over: stop at once, write nothing more, do not retry. */
export class LeaseLostError extends SyncFrameError {
  override name = 'LeaseLostError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

export function isLeaseLostError(err: unknown): err is LeaseLostError {
  return err instanceof LeaseLostError;
}
