/** @syncframe/adapter-postgres: a table in the user's own PostgreSQL as a SyncFrame side. */
export {
  DELETES_NOT_CONFIGURED, POSTGRES_PAGE_SIZE, PostgresTableAdapter, createPostgresTableAdapter,
} from './postgres-adapter.js';
export type { PostgresSideOptions } from './postgres-options.js';
export {
  POSTGRES_DEFAULT_BATCH_SIZE, POSTGRES_DEFAULT_CURSOR_LAG_SEC, POSTGRES_DEFAULT_MAX_CONNECTIONS, POSTGRES_DEFAULT_MAX_REQS_PER_SEC,
  POSTGRES_DEFAULT_THROTTLE, POSTGRES_MAX_BATCH, POSTGRES_MAX_CONNECTIONS_LIMIT, postgresDefaultThrottle,
} from './postgres-limits.js';
export type { PostgresSideConfig } from './postgres-side-schema.js';
export {
  POSTGRES_TABLE_PATTERN, postgresOptionsSchema, postgresSideOptionsSchema, postgresSideSchema,
} from './postgres-side-schema.js';
export { isoFromPgTimestamp } from './postgres-values.js';
