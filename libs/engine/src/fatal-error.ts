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

/**
 * The error a run ends with when its signal aborted: the signal's reason when it is an Error,
 * else an AbortError carrying it (BullMQ aborts with a string such as "shutdown").
 */
export function abortErrorOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(`run aborted: ${String(reason)}`);
  err.name = 'AbortError';
  return err;
}
