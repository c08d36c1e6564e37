import { z } from 'zod';
import {
  POSTGRES_DEFAULT_CURSOR_LAG_SEC, POSTGRES_DEFAULT_MAX_CONNECTIONS, POSTGRES_MAX_BATCH, POSTGRES_MAX_CONNECTIONS_LIMIT,
} from './postgres-limits.js';

/** `table` or `schema.table`: one dot at most, no empty part (quoting is the adapter's job). */
export const POSTGRES_TABLE_PATTERN = /^[^.]+(\.[^.]+)?$/;

type Zod = typeof z;

const HARD_DELETE_WITH_FLAG = 'hard_delete cannot be combined with deleted_column: choose a soft delete (deleted_column) or a hard one';

/**
 * The PostgreSQL side's own keys, built with the zod instance given (a plug-in host hands its own
 * `z`): everything but `adapter`, `throttle`, `settle_sec` and `settle_max_sec`, which every side has.
 * Strict: a typo in a key fails loudly.
 */
export function postgresOptionsSchema(zod: Zod = z) {
  const name = () => zod.string().min(1, 'must not be empty');
  return zod
    .strictObject({
      conn: name().describe(
        'Connection string, postgres://user:password@host:5432/db. Use "${PG_URL}" rather than the password itself; it never appears in logs or errors.',
      ),
      table: name()
        .regex(POSTGRES_TABLE_PATTERN, 'must be "table" or "schema.table"')
        .describe('The table to sync, "schema.table" or "table" (then the connection\'s search_path decides). Names are used as written (case-sensitive).'),
      id_column: name().default('id').describe('The primary-key column: the record id (as text). Default: "id".'),
      updated_at_column: name().describe(
        'A NOT NULL timestamptz (or timestamp, read as UTC) column every change updates: the pull cursor. Writes set it to clock_timestamp() unless the mapper sets it. Rows where it is NULL are never pulled.',
      ),
      deleted_column: name()
        .describe('A boolean column that flags deleted rows (soft delete): deletes set it to true; rows where it is true are pulled as deleted. Not with hard_delete: true.')
        .optional(),
      hard_delete: zod
        .boolean()
        .default(false)
        .describe('true: a delete removes the row (DELETE). With neither this nor deleted_column, deletes are refused per record. Default: false.'),
      max_connections: zod
        .number()
        .int('must be a positive integer')
        .positive('must be a positive integer')
        .max(POSTGRES_MAX_CONNECTIONS_LIMIT, `must be at most ${POSTGRES_MAX_CONNECTIONS_LIMIT}`)
        .default(POSTGRES_DEFAULT_MAX_CONNECTIONS)
        .describe(`Connections this side opens at most, and write batches in flight: its "rate limit". Default: ${POSTGRES_DEFAULT_MAX_CONNECTIONS}.`),
      cursor_lag_sec: zod
        .number()
        .min(0, 'must be 0 or more')
        .max(3600, 'must be at most 3600')
        .default(POSTGRES_DEFAULT_CURSOR_LAG_SEC)
        .describe(
          `How far behind the database's clock the pull cursor stays, for rows stamped by an application's own clock or committed late (rows are pulled again, never skipped). Default: ${POSTGRES_DEFAULT_CURSOR_LAG_SEC}.`,
        ),
      timeout_sec: zod
        .number()
        .positive()
        .max(600)
        .describe('Seconds one statement (and one connection attempt) may take before it counts as failed and is retried. Default: 30.')
        .optional(),
    })
    .refine((o) => !(o.hard_delete && o.deleted_column !== undefined), { message: HARD_DELETE_WITH_FLAG, path: ['hard_delete'] })
    .describe('A table in your own PostgreSQL database.');
}

/** The throttle keys of a side (as every side has them); batch_size at most {@link POSTGRES_MAX_BATCH}. */
function throttleSchema(zod: Zod) {
  const positiveInt = () => zod.number().int('must be a positive integer').positive('must be a positive integer');
  return zod
    .strictObject({
      max_reqs: positiveInt().describe('Requests allowed in any window of `interval_sec`.'),
      interval_sec: zod.number().min(1, 'must be at least 1 (second)').describe('Window length in seconds, at least 1.'),
      batch_size: positiveInt().max(POSTGRES_MAX_BATCH, `must be at most ${POSTGRES_MAX_BATCH}`).describe(`Rows per write transaction (at most ${POSTGRES_MAX_BATCH}).`),
      margin_ms: zod.number().int().min(0).max(5000).optional().describe('Milliseconds added to the window. Default: 0 for PostgreSQL.'),
      concurrency: positiveInt().max(64, 'must be at most 64').optional().describe('Write batches in flight at once. Default: max_connections.'),
    })
    .describe('Request budget of this side. Default: 10000 requests per second, batches of 500, concurrency max_connections.');
}

/**
 * A whole PostgreSQL side as it appears in a job's `sides` (the built-in form): `adapter: "postgres"`,
 * the side's own keys ({@link postgresOptionsSchema}) and an optional `throttle`.
 */
export function postgresSideSchema(zod: Zod = z) {
  const own = postgresOptionsSchema(zod);
  return zod
    .strictObject({
      adapter: zod.literal('postgres'),
      ...own.shape,
      throttle: throttleSchema(zod).optional(),
    })
    .refine((o) => !(o.hard_delete && o.deleted_column !== undefined), { message: HARD_DELETE_WITH_FLAG, path: ['hard_delete'] })
    .describe('A table in your own PostgreSQL database.');
}

/** The side schema built with this package's zod (the lead's config wires it in). */
export const postgresSideOptionsSchema = postgresSideSchema();

/** A validated PostgreSQL side, as the config hands it over. */
export type PostgresSideConfig = z.output<typeof postgresSideOptionsSchema>;
