/**
 * A remote (Airtable, Webflow…) could not be read while previewing: the board answers 502, since
 * the fault is upstream. The message is already scrubbed of every configured secret.
 */
export class RemoteSideError extends Error {
  override name = 'RemoteSideError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export function isRemoteSideError(err: unknown): err is RemoteSideError {
  return err instanceof RemoteSideError;
}
