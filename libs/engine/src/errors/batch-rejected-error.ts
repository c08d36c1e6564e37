import { SyncFrameError } from './syncframe-error.js';

/**
 * The remote refused a whole batch because of one (unknown) record in it, e.g. Airtable's 422
 * for one bad cell. The engine splits the batch to isolate the record.
 */
export class BatchRejectedError extends SyncFrameError {
  override name = 'BatchRejectedError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: false, ...options });
  }
}

export function isBatchRejectedError(err: unknown): err is BatchRejectedError {
  return err instanceof BatchRejectedError;
}
