import { createHash } from 'node:crypto';
import { parse } from 'pg-connection-string';
import { ConfigError } from '@syncframe/engine';

/** Where a connection string points, and what must never be shown of it. */
export interface PostgresTarget {
  /** `host:port/database`: no user, no password. */
  readonly display: string;
  /** `postgres:<sha256(host:port/database)[0..16]>`: sides on one database share a budget. */
  readonly rateLimitKey: string;
  /** Strings to blank out of any message (the password, the connection string). */
  readonly secrets: readonly string[];
}

/** Reads a connection string. Throws a ConfigError that never echoes it (it may hold a password). */
export function parsePostgresTarget(conn: string, where: string): PostgresTarget {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(conn);
  } catch {
    throw new ConfigError(`${where}: \`conn\` is not a PostgreSQL connection string (postgres://user:password@host:port/db)`);
  }
  const host = parsed.host ?? 'localhost';
  const port = parsed.port ?? '5432';
  const database = parsed.database ?? '';
  const display = `${host}:${port}/${database}`;
  const secrets = [conn];
  if (parsed.password) secrets.push(parsed.password, encodeURIComponent(parsed.password));
  return {
    display,
    rateLimitKey: `postgres:${createHash('sha256').update(display).digest('hex').slice(0, 16)}`,
    secrets: secrets.filter((s) => s.length > 0),
  };
}

/** `text` with every secret replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
