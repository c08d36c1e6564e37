import { AuthError, ConfigError, PermanentError, RetryableError } from '@syncframe/engine';
import type { SyncFrameError } from '@syncframe/engine';
import { redact } from './postgres-target.js';

/** What a failed statement or connection attempt says: SQLSTATE (or a Node error code) and texts. */
interface PgFailure {
  readonly code?: string;
  readonly message?: string;
  readonly detail?: string;
  readonly name?: string;
}

/**
 * SQLSTATEs that blame one row, not the statement or the session: data exceptions (22…, a value
 * the column cannot take), integrity violations (23…: unique, not-null, check, foreign key), and
 * a trigger's own RAISE (P0001). Such a row fails alone; the rest of its batch is written.
 */
export function isRowError(err: unknown): boolean {
  const code = (err as PgFailure | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23') || code === 'P0001');
}

/** The reason a row failed, e.g. `23505 duplicate key value violates … (Key (email)=(a@b) already exists.)`. */
export function rowErrorReason(err: unknown, secrets: readonly string[]): string {
  const e = err as PgFailure;
  return redact(`${e.code} ${e.message ?? 'rejected'}${e.detail ? ` (${e.detail})` : ''}`, secrets);
}

/** Node-level codes of a database that cannot be reached right now. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Maps a pg failure to the engine's errors. The original error is never attached as `cause`: a
 * driver error may carry connection parameters. Messages name the side, the SQLSTATE and the
 * server's text, with the password and connection string blanked out.
 *
 * @param what - The statement's purpose for the message, e.g. `pull`, `write`.
 */
export function mapPgError(err: unknown, where: string, what: string, secrets: readonly string[]): SyncFrameError {
  const e = (err ?? {}) as PgFailure;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const text = (message: string) => redact(`${where}: ${what}: ${message}`, secrets);
  const server = `${code ?? e.name ?? 'Error'} ${e.message ?? ''}`.trim();
  if (code === '28P01' || code === '28000') return new AuthError(text(`authentication failed (${code}): check the user and password of \`conn\``));
  if (code === '42501') return new AuthError(text(`permission denied (${server}): grant the user SELECT, INSERT, UPDATE and DELETE on the table`));
  if (code === '42P01' || code === '3F000') return new ConfigError(text(`${server}: check \`table\``));
  if (code === '42703') return new ConfigError(text(`${server}: the mapper or the side's options name a column the table does not have`));
  if (code === '3D000') return new ConfigError(text(`${server}: check the database of \`conn\``));
  if (code !== undefined && NETWORK_CODES.has(code)) return new RetryableError(text(`database unreachable (${code})`));
  if (code !== undefined && /^(08|40|53|55P03|57P0|57014|58)/.test(code)) return new RetryableError(text(server));
  // pg's own texts for a lost or timed-out connection (they carry no SQLSTATE).
  if (/connection terminated|timeout|connection.*(closed|ended)|Connection terminated/i.test(e.message ?? '')) {
    return new RetryableError(text(`${e.message}`));
  }
  return new PermanentError(text(server));
}
