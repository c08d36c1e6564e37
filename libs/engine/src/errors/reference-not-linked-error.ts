import { SyncFrameError } from './syncframe-error.js';

/**
 * A mapper required the linked id of a referenced record that is not linked yet (its table has not
 * synced it). The record fails alone and is retried on the next run, when the link may exist.
 */
export class ReferenceNotLinkedError extends SyncFrameError {
  override name = 'ReferenceNotLinkedError';
  constructor(readonly table: string, readonly id: string) {
    super(`reference to ${table} record ${id} is not linked yet; the record waits and is retried next run`, { retryable: true });
  }
}

export function isReferenceNotLinkedError(err: unknown): err is ReferenceNotLinkedError {
  return err instanceof ReferenceNotLinkedError;
}
