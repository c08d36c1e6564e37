import { isLeaseLostError } from './errors/lease-lost-error.js';
import { isStoreUnavailableError } from './errors/store-unavailable-error.js';
import { isSyncFrameError } from './errors/syncframe-error.js';

/**
 * Errors that end a run at once, with nothing more written and no run recorded: the lease was lost
 * to another worker, the run was aborted (SIGTERM, shutdown), or a store SyncFrame depends on (the
 * LinkIndex's database, the fleet's Redis) stayed unreachable longer than it rides out. None of them
 * is the remote's fault, so none counts towards a fail count.
 */
export function isFatalRunError(err: unknown): boolean {
  if (isLeaseLostError(err) || isStoreUnavailableError(err)) return true;
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
