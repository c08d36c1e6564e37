import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import {
  BatchRejectedError, ConfigError, SyncFrameError,
} from '@syncframe/engine';
import type {
  AdapterCallOptions, ChangePage, Cursor, SourceAdapter, SyncRecord, TableRef, ThrottleSettings, WriteOp, WriteResult,
} from '@syncframe/engine';
import {
  DEFAULT_REQUEST_TIMEOUT_MS, OverlapCursorTracker, contentKey, decodeOverlapCursor, describeSide, writeBatchKind,
} from '@syncframe/adapter-kit';
import { isRowError, mapPgError, rowErrorReason } from './postgres-errors.js';
import {
  POSTGRES_DEFAULT_CURSOR_LAG_SEC, POSTGRES_DEFAULT_MAX_CONNECTIONS, POSTGRES_MAX_BATCH, postgresDefaultThrottle,
} from './postgres-limits.js';
import type { PostgresSideOptions } from './postgres-options.js';
import { COLUMNS_SQL, PostgresTable, UPDATED_AT_ALIAS } from './postgres-table.js';
import type { PostgresColumn } from './postgres-table.js';
import { parsePostgresTarget } from './postgres-target.js';
import type { PostgresTarget } from './postgres-target.js';
import { POSTGRES_TYPES } from './postgres-values.js';

/** Rows per pull page and per listIds page when the side sets no `pageSize`. */
export const POSTGRES_PAGE_SIZE = 500;
/** Values per `= ANY($1)` array of findByField and readRecords. */
const LOOKUP_CHUNK = 1_000;

/** The reason of a delete op when the side has neither `deleted_column` nor `hard_delete`. */
export const DELETES_NOT_CONFIGURED = 'deletes are not configured for this side: set deleted_column or hard_delete';

/**
 * The lowest time the cursor may reach: the database's clock less the side's lag, and never past
 * the start of the oldest transaction still open in this database (a transaction stamps
 * `now()` = its start, or `clock_timestamp()` ≥ its start, and may commit long after). As ms since
 * the epoch, floored. Asked *before* the rows are read: a transaction not visible to the read
 * was either open then (so it holds the cap back) or started after it.
 */
const SETTLE_CAP_SQL = `
  SELECT floor(extract(epoch FROM least(
    clock_timestamp() - make_interval(secs => $1::float8),
    (SELECT min(xact_start) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend')
  )) * 1000)::float8 AS cap`;

/** A row error in a batch written without savepoints: the transaction is rolled back and replayed with them. */
class RowRejected extends Error {
  constructor(readonly original: unknown) {
    super('a row was rejected');
  }
}

type Row = Record<string, unknown>;

/**
 * A table in the user's own PostgreSQL behind the engine's SourceAdapter port.
 *
 * Pull: `updated_at >= t` ordered by `(updated_at, id)`, paged by keyset on the exact
 * (microsecond) values, with the kit's overlap cursor (`{ t, seen }`, ms) and a settle cap
 * that keeps the cursor behind the database's clock and behind every open transaction.
 * Write: one transaction per batch, one statement per op; a row error replays the batch once
 * with a savepoint per row, so the bad row fails alone. See libs/adapters/README.md.
 */
export class PostgresTableAdapter implements SourceAdapter {
  readonly ref: TableRef;
  readonly defaultThrottle: ThrottleSettings;
  readonly rateLimitKey: string;

  private readonly where: string;
  private readonly target: PostgresTarget;
  private readonly pageSize: number;
  private readonly lagSec: number;
  private readonly timeoutMs: number;
  private pool: pg.Pool | null;
  private readonly ownsPool: boolean;
  private table: Promise<PostgresTable> | null = null;

  constructor(private readonly options: PostgresSideOptions) {
    if (!options?.table) throw new ConfigError('postgres side: `table` is required');
    if (!options.updated_at_column) throw new ConfigError('postgres side: `updated_at_column` is required');
    this.where = describeSide('postgres', options, `table "${options.table}"`);
    if (!options.conn && !options.pool) throw new ConfigError(`${this.where}: \`conn\` is required`);
    if (options.hard_delete === true && options.deleted_column !== undefined) {
      throw new ConfigError(`${this.where}: hard_delete cannot be combined with deleted_column`);
    }
    this.target = parsePostgresTarget(options.conn, this.where);
    this.ref = { adapter: 'postgres', table: options.table };
    this.rateLimitKey = this.target.rateLimitKey;
    const maxConnections = options.max_connections ?? POSTGRES_DEFAULT_MAX_CONNECTIONS;
    this.defaultThrottle = postgresDefaultThrottle(maxConnections);
    this.pageSize = options.pageSize ?? POSTGRES_PAGE_SIZE;
    this.lagSec = options.cursor_lag_sec ?? POSTGRES_DEFAULT_CURSOR_LAG_SEC;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.pool = options.pool ?? null;
    this.ownsPool = options.pool === undefined;
  }

  async *pull(cursor: Cursor, options: AdapterCallOptions): AsyncIterable<ChangePage> {
    const start = decodeOverlapCursor(cursor, 'PostgreSQL');
    const table = await this.tableInfo(options);
    const tracker = new OverlapCursorTracker(start);
    const cap = await this.request(options, 'pull', async (c) => Number((await query<{ cap: unknown }>(c, SETTLE_CAP_SQL, [this.lagSec])).rows[0]!.cap));
    let lastYielded = JSON.stringify(start);
    let after: { at: string; id: unknown } | null = null;
    for (;;) {
      options.signal?.throwIfAborted();
      const cast = `::${table.updatedAtType}`;
      const [where, params]: [string, unknown[]] = after !== null
        ? [`(${table.updatedAt}, ${table.id}) > ($1${cast}, $2)`, [after.at, after.id]]
        : start.t !== null
          ? [`${table.updatedAt} >= $1${cast}`, [start.t]]
          : [`${table.updatedAt} IS NOT NULL`, []];
      const sql: string = `SELECT ${table.select} FROM ${table.sql} WHERE ${where} ORDER BY ${table.updatedAt}, ${table.id} LIMIT ${this.pageSize}`;
      const rows: Row[] = await this.request(options, 'pull', async (c) => (await query<Row>(c, sql, params)).rows);
      const records: SyncRecord[] = [];
      for (const row of rows) {
        const record = this.toRecord(row, table);
        // The cursor works in whole ms, floored (never rounded up), and asks from its ms inclusive:
        // rows of that ms with other microseconds are repeated, never skipped.
        const at = new Date(Date.parse(record.updatedAt)).toISOString();
        const key = contentKey(record);
        if (tracker.isRepeat(record.id, at, key)) continue;
        tracker.observe(record.id, at, key, cap);
        records.push(record);
      }
      const next = JSON.stringify(tracker.state());
      if (records.length > 0 || next !== lastYielded) {
        lastYielded = next;
        yield { records, cursor: tracker.cursor() };
      }
      if (rows.length < this.pageSize) return;
      const last: Row = rows[rows.length - 1]!;
      after = { at: last[UPDATED_AT_ALIAS] as string, id: last[table.names.id] };
    }
  }

  async write(ops: readonly WriteOp[], options: AdapterCallOptions): Promise<WriteResult[]> {
    if (ops.length === 0) return [];
    const kind = writeBatchKind(ops, POSTGRES_MAX_BATCH, 'PostgreSQL', this.where);
    if (kind === 'delete' && this.options.deleted_column === undefined && this.options.hard_delete !== true) {
      return ops.map(() => ({ ok: false, reason: DELETES_NOT_CONFIGURED }));
    }
    const table = await this.tableInfo(options);
    for (const op of ops) {
      if (op.kind === 'delete') continue;
      const unknown = table.unknownColumns(op.fields);
      if (unknown.length > 0) {
        throw new ConfigError(`${this.where}: write: the table has no column ${unknown.map((c) => `"${c}"`).join(', ')} (check the mapper)`);
      }
    }
    try {
      return await this.transaction(ops, table, false, options);
    } catch (err) {
      if (!(err instanceof RowRejected)) throw err;
      if (ops.length === 1) return [{ ok: false, reason: rowErrorReason(err.original, this.target.secrets) }];
    }
    // Rare path: some row was refused. Replay the batch with a savepoint per row so that row fails
    // alone (the first attempt was rolled back whole). Savepoints only here: hundreds of
    // subtransactions in every batch would overflow PostgreSQL's subtransaction cache.
    try {
      return await this.transaction(ops, table, true, options);
    } catch (err) {
      if (!(err instanceof RowRejected)) throw err;
      // Only a deferred constraint, checked at COMMIT, gets here: no row to blame; the engine splits.
      throw new BatchRejectedError(`${this.where}: write: the batch was refused at commit: ${rowErrorReason(err.original, this.target.secrets)}`);
    }
  }

  async findByField(field: string, values: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    const table = await this.tableInfo(options);
    if (!table.columns.has(field)) throw new ConfigError(`${this.where}: findByField: the table has no column "${field}"`);
    const wanted = [...new Set(values)];
    const notDeleted = table.deleted ? ` AND ${table.deleted} IS NOT TRUE` : '';
    const sql = `SELECT ${table.select} FROM ${table.sql} WHERE ${pg.escapeIdentifier(field)}::text = ANY($1::text[])${notDeleted}`;
    const out: SyncRecord[] = [];
    for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
      const rows = await this.request(options, 'findByField', async (c) => (await query<Row>(c, sql, [wanted.slice(i, i + LOOKUP_CHUNK)])).rows);
      out.push(...rows.map((row) => this.toRecord(row, table)));
    }
    return out;
  }

  async *listIds(options: AdapterCallOptions): AsyncIterable<readonly string[]> {
    const table = await this.tableInfo(options);
    let after: unknown = undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const [where, params]: [string, unknown[]] = after === undefined ? ['', []] : [`WHERE ${table.id} > $1`, [after]];
      const sql = `SELECT ${table.id} AS id FROM ${table.sql} ${where} ORDER BY ${table.id} LIMIT ${this.pageSize}`;
      const rows: { id: unknown }[] = await this.request(options, 'listIds', async (c) => (await query<{ id: unknown }>(c, sql, params)).rows);
      if (rows.length > 0) yield rows.map((r) => String(r.id));
      if (rows.length < this.pageSize) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async readRecords(ids: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    const table = await this.tableInfo(options);
    const sql = `SELECT ${table.select} FROM ${table.sql} WHERE ${table.id} = ANY($1)`;
    const out: SyncRecord[] = [];
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = await this.request(options, 'readRecords', async (c) => (await query<Row>(c, sql, [ids.slice(i, i + LOOKUP_CHUNK)])).rows);
      out.push(...rows.map((row) => this.toRecord(row, table)));
    }
    return out;
  }

  /** Ends the pool (when the adapter made it). The adapter opens a new one if used again. */
  async close(): Promise<void> {
    const pool = this.pool;
    if (!this.ownsPool || pool === null) return;
    this.pool = null;
    await pool.end();
  }

  // ---- one batch ------------------------------------------------------------------------------

  private async transaction(ops: readonly WriteOp[], table: PostgresTable, savepoints: boolean, options: AdapterCallOptions): Promise<WriteResult[]> {
    return this.request(options, 'write', async (c) => {
      await query(c, 'BEGIN');
      try {
        const results: WriteResult[] = [];
        for (const op of ops) {
          if (savepoints) await query(c, 'SAVEPOINT syncframe_row');
          try {
            results.push(await this.apply(c, op, table));
            if (savepoints) await query(c, 'RELEASE SAVEPOINT syncframe_row');
          } catch (err) {
            if (!isRowError(err)) throw err;
            if (!savepoints) throw new RowRejected(err);
            await query(c, 'ROLLBACK TO SAVEPOINT syncframe_row');
            results.push({ ok: false, reason: rowErrorReason(err, this.target.secrets) });
          }
        }
        try {
          await query(c, 'COMMIT');
        } catch (err) {
          if (isRowError(err)) throw new RowRejected(err);
          throw err;
        }
        return results;
      } catch (err) {
        await query(c, 'ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** One op as one statement (two for a soft delete of a row already flagged). */
  private async apply(c: pg.PoolClient, op: WriteOp, table: PostgresTable): Promise<WriteResult> {
    const returning = `RETURNING ${table.select}`;
    const stamp = (fields: Record<string, unknown>) => (table.names.updatedAt in fields ? '' : `${table.updatedAt} = clock_timestamp()`);
    if (op.kind === 'create') {
      const columns = Object.keys(op.fields);
      const params = columns.map((k) => table.param(k, op.fields[k]));
      const names = columns.map((k) => pg.escapeIdentifier(k));
      const values = columns.map((_, i) => `$${i + 1}`);
      if (!(table.names.updatedAt in op.fields)) {
        names.push(table.updatedAt);
        values.push('clock_timestamp()');
      }
      const sql = `INSERT INTO ${table.sql} (${names.join(', ')}) VALUES (${values.join(', ')}) ${returning}`;
      return { ok: true, record: this.toRecord((await query<Row>(c, sql, params)).rows[0]!, table) };
    }
    if (op.kind === 'update') {
      // Ids are stable: a mapper's value for the id column is not applied to an existing row.
      const columns = Object.keys(op.fields).filter((k) => k !== table.names.id);
      const sets = columns.map((k, i) => `${pg.escapeIdentifier(k)} = $${i + 2}`);
      const touch = stamp(op.fields);
      if (touch) sets.push(touch);
      const sql = `UPDATE ${table.sql} SET ${sets.join(', ')} WHERE ${table.id} = $1 ${returning}`;
      const rows = (await query<Row>(c, sql, [op.id, ...columns.map((k) => table.param(k, op.fields[k]))])).rows;
      if (rows.length === 0) return { ok: false, reason: `no row with ${table.names.id} = ${op.id}` };
      return { ok: true, record: this.toRecord(rows[0]!, table) };
    }
    if (table.deleted === null) {
      const rows = (await query<Row>(c, `DELETE FROM ${table.sql} WHERE ${table.id} = $1 ${returning}`, [op.id])).rows;
      return { ok: true, record: rows[0] ? { ...this.toRecord(rows[0], table), deleted: true } : this.goneRecord(op.id) };
    }
    // A row already flagged keeps its time: deleting it again is no new change to pull.
    const flagged = (await query<Row>(c, 
      `UPDATE ${table.sql} SET ${table.deleted} = true, ${table.updatedAt} = clock_timestamp() WHERE ${table.id} = $1 AND ${table.deleted} IS NOT TRUE ${returning}`,
      [op.id],
    )).rows[0] ?? (await query<Row>(c, `SELECT ${table.select} FROM ${table.sql} WHERE ${table.id} = $1`, [op.id])).rows[0];
    return { ok: true, record: flagged ? this.toRecord(flagged, table) : this.goneRecord(op.id) };
  }

  // ---- records, table, connections --------------------------------------------------------------

  private toRecord(row: Row, table: PostgresTable): SyncRecord {
    const { id, updatedAt, deleted } = table.names;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      if (k !== id && k !== updatedAt && k !== deleted && k !== UPDATED_AT_ALIAS) fields[k] = v;
    }
    return {
      id: String(row[id]),
      fields,
      // A NULL time (a row never pulled) reads as the epoch, so it loses every comparison.
      updatedAt: (row[UPDATED_AT_ALIAS] as string | null) ?? '1970-01-01T00:00:00.000000Z',
      deleted: deleted !== undefined && row[deleted] === true,
    };
  }

  private goneRecord(id: string): SyncRecord {
    return { id, fields: {}, updatedAt: new Date().toISOString(), deleted: true };
  }

  /** The table's columns, read once (again after a failure); checks the side's column options. */
  private tableInfo(options: AdapterCallOptions): Promise<PostgresTable> {
    if (this.table === null) {
      const qualified = PostgresTable.quote(this.options.table);
      this.table = this.request(options, 'reading the table', async (c) => {
        const rows = (await query<{ found: boolean; name: string | null; type: string | null }>(c, COLUMNS_SQL, [qualified])).rows;
        if (!rows[0]?.found) throw new ConfigError(`${this.where}: no table ${qualified} (or the user may not see it): check \`table\``);
        const columns = rows.filter((r): r is PostgresColumn & { found: boolean } => r.name !== null && r.type !== null);
        return new PostgresTable(qualified, columns, {
          id: this.options.id_column ?? 'id', updatedAt: this.options.updated_at_column, deleted: this.options.deleted_column,
        }, this.where);
      });
      this.table.catch(() => {
        this.table = null;
      });
    }
    return this.table;
  }

  /**
   * One request: a throttle permit, a pooled connection, `fn`. The permit is `sent` once a
   * connection is ours (the statement leaves at once), `cancelled` when none could be had.
   * Errors become the engine's (see postgres-errors.ts), never holding the password.
   */
  private async request<T>(options: AdapterCallOptions, what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const permit = await options.throttle.acquire(options.signal);
    let client: pg.PoolClient;
    try {
      options.signal?.throwIfAborted();
      client = await this.getPool().connect();
    } catch (err) {
      permit.cancel();
      if (options.signal?.aborted) throw options.signal.reason;
      throw mapPgError(err, this.where, what, this.target.secrets);
    }
    permit.sent();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (err) {
      if (err instanceof SyncFrameError || err instanceof RowRejected) throw err;
      // No SQLSTATE: the connection itself failed; do not give it back to the pool.
      if (typeof (err as { code?: unknown })?.code !== 'string' || !/^[0-9A-Z]{5}$/.test((err as { code: string }).code)) {
        broken = new Error('connection failed');
      }
      throw mapPgError(err, this.where, what, this.target.secrets);
    } finally {
      client.release(broken);
    }
  }

  private getPool(): pg.Pool {
    if (this.pool === null) {
      const config = parseIntoClientConfig(this.options.conn) as pg.PoolConfig;
      const pool = new pg.Pool({
        ...config,
        max: this.options.max_connections ?? POSTGRES_DEFAULT_MAX_CONNECTIONS,
        statement_timeout: this.timeoutMs,
        connectionTimeoutMillis: this.timeoutMs,
        application_name: config.application_name ?? 'syncframe',
        types: POSTGRES_TYPES,
      });
      // An idle connection the server closed: the pool drops it; the next request opens another.
      pool.on('error', (err) => this.options.logger?.warn({ remote: 'postgres', code: (err as { code?: string }).code }, 'idle connection lost'));
      this.pool = pool;
    }
    return this.pool;
  }
}

/** A statement with this adapter's type parsers (also on a pool handed in). */
function query<R extends pg.QueryResultRow>(c: pg.PoolClient, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  return c.query<R>({ text, values, types: POSTGRES_TYPES });
}

/** The PostgreSQL side's adapter. */
export function createPostgresTableAdapter(options: PostgresSideOptions): PostgresTableAdapter {
  return new PostgresTableAdapter(options);
}
