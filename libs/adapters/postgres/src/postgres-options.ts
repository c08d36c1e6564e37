import type { AdapterWiringOptions } from '@syncframe/adapter-kit';
import type pg from 'pg';

/**
 * Options of one PostgreSQL side (the config's keys, see `postgresSideOptionsSchema`, plus the
 * worker's wiring). `timeoutMs` bounds each statement and each connection attempt.
 */
export interface PostgresSideOptions extends Omit<AdapterWiringOptions, 'fetch'> {
  /** `postgres://user:password@host:port/db`. The password never appears in a message or a log. */
  readonly conn: string;
  /** `table` or `schema.table`, names as written (case-sensitive). */
  readonly table: string;
  /** The primary-key column. @defaultValue 'id' */
  readonly id_column?: string;
  /** The timestamptz (or timestamp, read as UTC) column every change updates: the pull cursor. */
  readonly updated_at_column: string;
  /** A boolean column: true = deleted. Deletes set it. */
  readonly deleted_column?: string;
  /** Deletes DELETE the row. Not with `deleted_column`. @defaultValue false */
  readonly hard_delete?: boolean;
  /** Connections in the pool. @defaultValue 4 */
  readonly max_connections?: number;
  /** How far behind the database's clock the cursor stays, in seconds. @defaultValue 5 */
  readonly cursor_lag_sec?: number;
  /** Rows per pull page (and per listIds page). @defaultValue 500 */
  readonly pageSize?: number;
  /**
   * A pool to use instead of one built from `conn` (tests; sharing a pool). The adapter then never
   * ends it, and it must run its sessions in UTC (`options: '-c TimeZone=UTC'`).
   */
  readonly pool?: pg.Pool;
}
