import { ConfigError } from '@syncframe/engine';

/** Where a PostgreSQL DSN points, without its password: safe to put in messages and logs. */
export interface DsnTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** A parsed DSN: the target, plus the password kept apart so messages can be scrubbed of it. */
export interface ParsedDsn {
  readonly target: DsnTarget;
  /** Empty when the DSN has none (trust or peer auth, or a password from PGPASSWORD). */
  readonly password: string;
}

/**
 * Parses `postgres://user:password@host:port/database?…` (also `postgresql://`). A socket
 * directory may be given as `postgres:///database?host=/var/run/postgresql&user=me`.
 *
 * The DSN itself never appears in an error: an unparsable one may well hold a password.
 */
export function parseDsn(conn: string): ParsedDsn {
  let url: URL;
  try {
    url = new URL(conn);
  } catch {
    // Deliberately no `cause`: URL's TypeError carries the input (with its password) along.
    throw new ConfigError('invalid PostgreSQL DSN: expected postgres://user:password@host:port/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`invalid PostgreSQL DSN: scheme ${url.protocol} is not postgres: or postgresql:`);
  }
  const user = decodeURIComponent(url.username) || url.searchParams.get('user') || process.env.PGUSER || 'postgres';
  const host = url.searchParams.get('host') || decodeURIComponent(url.hostname) || 'localhost';
  const port = url.port ? Number(url.port) : 5432;
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  return { target: { host, port, database, user }, password: decodeURIComponent(url.password) };
}

/** `host:port/database`, the way every connection message names its target. */
export function describeTarget(target: DsnTarget): string {
  return `${target.host}:${target.port}/${target.database}`;
}

/**
 * Removes every occurrence of `secret` (raw and URL-encoded) from `text`. A belt to the braces
 * of never building messages from a DSN: driver messages are passed through it too.
 */
export function redact(text: string, secret: string): string {
  if (!secret) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]');
  return out;
}
