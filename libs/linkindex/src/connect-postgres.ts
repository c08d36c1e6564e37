import type { Logger } from '@syncframe/engine';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { ConfigError } from '@syncframe/engine';
import type { LinkIndexDatabase } from './database.js';
import { isConnectionError } from './db-errors.js';
import { DatabaseUnavailableError } from './errors/database-unavailable-error.js';
import { describeTarget, parseDsn, redact } from './dsn.js';
import { quoteSchema } from './config.js';

/** Pool settings of the `postgres` driver. */
export interface PostgresPoolOptions {
  /** Shown in `pg_stat_activity`. @defaultValue 'syncframe' */
  readonly applicationName?: string;
  /** Give up connecting after this long. @defaultValue 10000 */
  readonly connectTimeoutMs?: number;
  /** Fail a statement whose answer has not arrived after this long, so a dead network cannot hang a run. @defaultValue 120000 */
  readonly queryTimeoutMs?: number;
  /** Connections per process. @defaultValue 10 */
  readonly maxConnections?: number;
}

/** An open pool, with the drizzle database over it. */
export interface PostgresConnection {
  readonly db: LinkIndexDatabase;
  readonly pool: pg.Pool;
  /** `PostgreSQL at host:port/database`, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

// SQLSTATEs that say the DSN is wrong (no such database, bad credentials): a person must fix it.
const CONFIG_SQLSTATES = new Set(['3D000', '28000', '28P01']);

/**
 * Opens a pool on `conn` whose every connection uses `schema`, and checks it can connect: a DSN
 * that cannot connect fails here, with a message naming host, port and database, never the password.
 */
export async function connectPostgres(
  conn: string,
  schema: string,
  logger: Logger,
  options: PostgresPoolOptions = {},
): Promise<PostgresConnection> {
  const { target, password } = parseDsn(conn);
  const where = `PostgreSQL at ${describeTarget(target)}`;
  const pool = new pg.Pool({
    connectionString: conn,
    // Set at connection start, so every pooled connection (and every transaction) sees the schema.
    options: `-c search_path=${quoteSchema(schema)} -c TimeZone=UTC`,
    application_name: options.applicationName ?? 'syncframe',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 120_000,
    max: options.maxConnections ?? 10,
    keepAlive: true,
  });
  // A connection that breaks (server restart, failover, pg_terminate_backend) emits 'error'; with
  // no listener that would crash the process. Idle ones are reported by the pool, checked-out ones
  // (a transaction in progress) by the client itself; either way the call in progress fails
  // with its own error and the pool drops the connection.
  const onBroken = (err: Error) => {
    logger.warn({ where, error: redact(err.message, password) }, 'link index: a PostgreSQL connection broke; the pool replaces it');
  };
  pool.on('error', onBroken);
  pool.on('connect', (client) => client.on('error', onBroken));

  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw connectError(err, target.user, where, password);
  }
  return {
    db: withOwnedTransactions(drizzle({ client: pool }) as unknown as LinkIndexDatabase, pool),
    pool,
    where,
    close: () => pool.end(),
  };
}

/**
 * `db` whose transactions check a client out of the pool themselves and always give it back. Drizzle's
 * own pool transaction (0.45) awaits `BEGIN` outside its try/finally: a connection cut while BEGIN is
 * in flight is never released, so each such blip takes a pool slot for good and `pool.end()` (a
 * worker's shutdown) never resolves. Here the transaction runs on a drizzle over the one client, and
 * the client is released whatever happens, destroyed when its connection broke.
 */
export function withOwnedTransactions(db: LinkIndexDatabase, pool: pg.Pool): LinkIndexDatabase {
  const transaction: LinkIndexDatabase['transaction'] = async (body, config) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const onClient = drizzle({ client }) as unknown as LinkIndexDatabase;
      return await onClient.transaction(body, config);
    } catch (err) {
      if (isConnectionError(err)) broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  };
  return Object.assign(db, { transaction });
}

/**
 * The error for a failed first connection. Built from scratch, without the driver's error as
 * `cause`: nothing of the connection config can travel along with it.
 */
function connectError(err: unknown, user: string, where: string, password: string): Error {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const reason = redact(typeof e?.message === 'string' && e.message ? e.message : String(err), password);
  const message = `cannot connect to ${where} as user ${user}: ${reason}${code ? ` (${code})` : ''}`;
  return code && CONFIG_SQLSTATES.has(code) ? new ConfigError(message) : new DatabaseUnavailableError(message);
}
