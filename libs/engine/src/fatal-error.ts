import { isLeaseLostError } from './errors/lease-lost-error.js';
import { isSyncFrameError } from './errors/syncframe-error.js';

/**
 * Errors that end a run at once, with nothing more written: the lease was lost to another
 * worker, or the run was aborted (SIGTERM, shutdown).
 */
export function isFatalRunError(err: unknown): boolean {
  if (isLeaseLostError(err)) return true;
  return err instanceof Error && !isSyncFrameError(err) && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
