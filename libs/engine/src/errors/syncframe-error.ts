/** Base of every SyncFrame error. `retryable` says whether trying again later may succeed. */
export class SyncFrameError extends Error {
  override name = 'SyncFrameError';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

export function isSyncFrameError(err: unknown): err is SyncFrameError {
  return err instanceof SyncFrameError;
}
