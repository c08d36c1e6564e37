import type { ThrottleSettings } from '@syncframe/engine';

/**
 * A PostgreSQL side's limits (driver-free, so the config layer may import them without loading `pg`).
 *
 * A database has no request quota: what it has is a number of connections it can serve at once.
 * So the "rate limit" of a PostgreSQL side is a concurrency cap: at most `max_connections`
 * connections in its pool, and as many write batches in flight. The request budget is set so
 * high that it never makes a local database wait.
 */

/** Connections in the side's pool, and write batches in flight. @defaultValue 4 */
export const POSTGRES_DEFAULT_MAX_CONNECTIONS = 4;
/** Most connections a side may ask for. */
export const POSTGRES_MAX_CONNECTIONS_LIMIT = 64;
/** Rows per write batch (one transaction each). @defaultValue 500 */
export const POSTGRES_DEFAULT_BATCH_SIZE = 500;
/** Largest write batch a side may configure: bigger transactions only hold locks longer. */
export const POSTGRES_MAX_BATCH = 5_000;
/** Requests per second: high enough never to slow a database down; the pool is the real cap. */
export const POSTGRES_DEFAULT_MAX_REQS_PER_SEC = 10_000;
/** How far behind the database's clock the pull cursor stays, in seconds. @defaultValue 5 */
export const POSTGRES_DEFAULT_CURSOR_LAG_SEC = 5;

/** The default throttle of a side with this many connections: a concurrency cap, not a quota. */
export function postgresDefaultThrottle(maxConnections: number = POSTGRES_DEFAULT_MAX_CONNECTIONS): ThrottleSettings {
  return Object.freeze({
    max_reqs: POSTGRES_DEFAULT_MAX_REQS_PER_SEC,
    interval_sec: 1,
    batch_size: POSTGRES_DEFAULT_BATCH_SIZE,
    // No network jitter worth a margin between a worker and its database.
    margin_ms: 0,
    concurrency: maxConnections,
  });
}

/** {@link postgresDefaultThrottle} of {@link POSTGRES_DEFAULT_MAX_CONNECTIONS} connections. */
export const POSTGRES_DEFAULT_THROTTLE: ThrottleSettings = postgresDefaultThrottle();
