import { StoreUnavailableError } from '@syncframe/engine';

/**
 * The run's spool of pulled records cannot be written or read: the disk is full, the folder is
 * missing or read-only, the process is out of file handles. A `StoreUnavailableError`: the run ends
 * without counting against either remote, and the queue runs it again later (as when the database is
 * down), instead of failing it as if a remote had.
 */
export class SpoolUnavailableError extends StoreUnavailableError {
  override name = 'SpoolUnavailableError';
}

/** File system errors that say the spool's storage is unusable now, not that SyncFrame has a bug. */
const STORAGE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EMFILE', 'ENFILE']);

/** `err` as a {@link SpoolUnavailableError} when it is a storage error, else as it is. */
export function spoolError(err: unknown, action: string, where: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !STORAGE_ERRORS.has(code)) return err;
  return new SpoolUnavailableError(`cannot ${action} the run's spool of pulled records in ${where} (${code}); set SYNCFRAME_SPOOL_DIR to a folder with room`, { cause: err });
}
