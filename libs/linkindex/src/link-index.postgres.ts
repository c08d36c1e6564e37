import { and, asc, eq, gte, isNotNull, isNull, lt, lte, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { NotFoundError, START_CURSOR } from '@syncframe/engine';
import type {
  Conflict,
  ConflictState,
  Cursor,
  DetectedRange,
  JobLeases,
  JobState,
  LeaseGrant,
  Link,
  LinkIndex,
  NewConflict,
  RunQuery,
  RunSummary,
  Side,
  TablePair,
  TableRef,
} from '@syncframe/engine';
import type { LinkIndexDatabase } from './database.js';
import { affectedRowsOf, rowsOf } from './database.js';
import { mapDatabaseError } from './db-errors.js';
import { PostgresJobLeases, assertLeaseHeld } from './job-leases.postgres.js';
import { conflicts, cursors, jobs, links, runs } from './schema.js';

/**
 * Links per INSERT. The statement binds one array per column, so the 65535-parameter limit is
 * never near; the chunk bounds the size of one statement (and of one message to the server)
 * instead, while a batch of 1000 stays one statement. Larger batches are several statements in
 * one transaction.
 */
export const LINKS_PER_STATEMENT = 5000;

/** Runs listed when the query gives no limit. */
export const DEFAULT_RUN_LIMIT = 50;

/** Construction options of {@link PostgresLinkIndex}. */
export interface PostgresLinkIndexOptions {
  /** How the database is named in error messages, e.g. `PostgreSQL at db:5432/syncframe`. */
  readonly where: string;
  /** Closes the connection (pool or PGlite) when the link index is closed. */
  readonly close?: () => Promise<void>;
  /** Set on a fenced view: every write first checks this grant still holds the lease. */
  readonly fence?: LeaseGrant;
}

/**
 * The LinkIndex (and JobLeases) on PostgreSQL, or on PGlite: both speak the same SQL through
 * drizzle. A lookup is one statement whatever its size, an upsert one statement per
 * {@link LINKS_PER_STATEMENT} links; a write of several statements, and every fenced write, is
 * one transaction.
 */
export class PostgresLinkIndex implements LinkIndex, JobLeases {
  private readonly leases: PostgresJobLeases;
  private closed = false;

  constructor(
    private readonly db: LinkIndexDatabase,
    private readonly options: PostgresLinkIndexOptions,
  ) {
    this.leases = new PostgresJobLeases(db);
  }

  // ---- links --------------------------------------------------------------------------------

  async findLinks(pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
    if (ids.length === 0) return [];
    const idColumn = side === 'source' ? links.srcId : links.destId;
    return this.call('findLinks', async (db) => {
      // One array parameter whatever the batch size: no parameter limit, and one plan for every size.
      // Written as SQL rather than with the select builder, which costs more than the lookup itself.
      const result = await db.execute(sql`
        SELECT ${name(links.srcId)}, ${name(links.destId)}, ${name(links.sourceHash)}, ${name(links.destHash)},
          ${name(links.deletedAt)}, ${name(links.syncedAt)}
        FROM ${links}
        WHERE ${name(idColumn)} = ANY(${sql.param([...ids])}::text[])
          AND ${name(links.srcAdapter)} = ${pair.source.adapter} AND ${name(links.srcTable)} = ${pair.source.table}
          AND ${name(links.destAdapter)} = ${pair.dest.adapter} AND ${name(links.destTable)} = ${pair.dest.table}`);
      return rowsOf<RawLinkRow>(result).map(linkOfRaw);
    });
  }

  async upsertLinks(pair: TablePair, batch: readonly Link[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = linkRows(batch);
    const statements: SQL[] = [];
    for (let i = 0; i < rows.length; i += LINKS_PER_STATEMENT) statements.push(upsertLinksStatement(pair, rows.slice(i, i + LINKS_PER_STATEMENT)));
    await this.write(
      'upsertLinks',
      async (db) => {
        for (const statement of statements) await db.execute(statement);
      },
      statements.length > 1,
    );
  }

  // ---- cursors and fail counts ----------------------------------------------------------------

  async loadCursor(jobId: string, ref: TableRef): Promise<Cursor> {
    return this.call('loadCursor', async (db) => {
      const rows = await db.select({ value: cursors.cursorToken }).from(cursors).where(cursorIs(jobId, ref));
      const value = rows[0]?.value ?? null;
      return value === null ? { ...START_CURSOR } : { value };
    });
  }

  async saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
    await this.write('saveCursor', async (db) => {
      await db
        .insert(cursors)
        .values({ jobId, adapter: ref.adapter, tableName: ref.table, cursorToken: cursor.value })
        .onConflictDoUpdate({ target: [cursors.jobId, cursors.adapter, cursors.tableName], set: { cursorToken: cursor.value } });
    });
  }

  async incrementFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.write('incrementFailCount', async (db) => {
      const rows = await db
        .insert(cursors)
        .values({ jobId, adapter: ref.adapter, tableName: ref.table, failCount: 1 })
        .onConflictDoUpdate({ target: [cursors.jobId, cursors.adapter, cursors.tableName], set: { failCount: sql`${cursors.failCount} + 1` } })
        .returning({ failCount: cursors.failCount });
      return rows[0]!.failCount;
    });
  }

  async resetFailCount(jobId: string, ref: TableRef): Promise<void> {
    await this.write('resetFailCount', async (db) => {
      await db.update(cursors).set({ failCount: 0 }).where(cursorIs(jobId, ref));
    });
  }

  async getFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.call('getFailCount', async (db) => {
      const rows = await db.select({ failCount: cursors.failCount }).from(cursors).where(cursorIs(jobId, ref));
      return rows[0]?.failCount ?? 0;
    });
  }

  // ---- job state --------------------------------------------------------------------------------

  async getJobState(jobId: string): Promise<JobState> {
    return this.call('getJobState', async (db) => {
      const rows = await db.select({ disabledAt: jobs.disabledAt }).from(jobs).where(eq(jobs.jobId, jobId));
      return { disabledAt: isoOrNull(rows[0]?.disabledAt ?? null) };
    });
  }

  async disableJob(jobId: string, at: Date): Promise<void> {
    await this.write('disableJob', async (db) => {
      // A job already disabled keeps the time it was first disabled.
      await db
        .insert(jobs)
        .values({ jobId, disabledAt: at })
        .onConflictDoUpdate({ target: jobs.jobId, set: { disabledAt: sql`COALESCE(${jobs.disabledAt}, excluded.disabled_at)` } });
    });
  }

  async enableJob(jobId: string): Promise<void> {
    await this.write(
      'enableJob',
      async (db) => {
        await db.insert(jobs).values({ jobId, disabledAt: null }).onConflictDoUpdate({ target: jobs.jobId, set: { disabledAt: null } });
        await db.update(cursors).set({ failCount: 0 }).where(eq(cursors.jobId, jobId));
      },
      true,
    );
  }

  // ---- runs -------------------------------------------------------------------------------------

  async insertRun(run: RunSummary): Promise<void> {
    const row = {
      runId: run.runId,
      jobId: run.jobId,
      startedAt: dateOf(run.startedAt, 'run startedAt'),
      endedAt: dateOf(run.endedAt, 'run endedAt'),
      status: run.status,
      summaryJson: run,
    };
    await this.write('insertRun', async (db) => {
      await db
        .insert(runs)
        .values(row)
        .onConflictDoUpdate({
          target: runs.runId,
          set: {
            jobId: sql`excluded.job_id`,
            startedAt: sql`excluded.started_at`,
            endedAt: sql`excluded.ended_at`,
            status: sql`excluded.status`,
            summaryJson: sql`excluded.summary_json`,
          },
        });
    });
  }

  async getRun(runId: string): Promise<RunSummary | null> {
    return this.call('getRun', async (db) => {
      const rows = await db.select({ summary: runs.summaryJson }).from(runs).where(eq(runs.runId, runId));
      return rows[0]?.summary ?? null;
    });
  }

  async listRuns(query: RunQuery): Promise<RunSummary[]> {
    const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_RUN_LIMIT));
    if (limit === 0) return [];
    const conditions: SQL[] = [];
    if (query.jobId !== undefined) conditions.push(eq(runs.jobId, query.jobId));
    if (query.status !== undefined) conditions.push(eq(runs.status, query.status));
    if (query.before !== undefined) conditions.push(lt(runs.startedAt, dateOf(query.before, 'listRuns before')));
    return this.call('listRuns', async (db) => {
      const rows = await db
        .select({ summary: runs.summaryJson })
        .from(runs)
        .where(and(...conditions))
        // Spelled like the indexes (DESC NULLS LAST), so PostgreSQL reads them in order instead of sorting.
        .orderBy(sql`${runs.startedAt} DESC NULLS LAST`, sql`${runs.runId} DESC NULLS LAST`)
        .limit(limit);
      return rows.map((r) => r.summary);
    });
  }

  async pruneRuns(olderThan: Date): Promise<number> {
    return this.write('pruneRuns', async (db) => affectedRowsOf(await db.delete(runs).where(lt(runs.startedAt, olderThan))));
  }

  // ---- conflicts ------------------------------------------------------------------------------

  async recordConflict(conflict: NewConflict): Promise<Conflict> {
    return this.write('recordConflict', async (db) => {
      // The partial unique index on open conflicts is the referee: a second open conflict of the
      // same link becomes an update of the first, even when two workers record it at once.
      const rows = await db
        .insert(conflicts)
        .values({
          conflictId: conflict.conflictId,
          jobId: conflict.jobId,
          srcAdapter: conflict.pair.source.adapter,
          srcTable: conflict.pair.source.table,
          srcId: conflict.sourceId,
          destAdapter: conflict.pair.dest.adapter,
          destTable: conflict.pair.dest.table,
          destId: conflict.destId,
          srcPayload: conflict.sourcePayload,
          destPayload: conflict.destPayload,
          detectedAt: dateOf(conflict.detectedAt, 'conflict detectedAt'),
        })
        .onConflictDoUpdate({
          target: [conflicts.jobId, conflicts.srcAdapter, conflicts.srcTable, conflicts.destAdapter, conflicts.destTable, conflicts.srcId, conflicts.destId],
          targetWhere: sql`resolved_at IS NULL AND applied_at IS NULL`,
          set: { srcPayload: sql`excluded.src_payload`, destPayload: sql`excluded.dest_payload` },
        })
        .returning();
      return conflictOf(rows[0]!);
    });
  }

  async getConflict(conflictId: string): Promise<Conflict | null> {
    return this.call('getConflict', async (db) => {
      const rows = await db.select().from(conflicts).where(eq(conflicts.conflictId, conflictId));
      return rows[0] ? conflictOf(rows[0]) : null;
    });
  }

  async listConflicts(jobId: string, state: ConflictState, range: DetectedRange = {}): Promise<Conflict[]> {
    const inState =
      state === 'applied'
        ? isNotNull(conflicts.appliedAt)
        : state === 'resolved'
          ? and(isNotNull(conflicts.resolvedAt), isNull(conflicts.appliedAt))
          : and(isNull(conflicts.resolvedAt), isNull(conflicts.appliedAt));
    return this.call('listConflicts', async (db) => {
      const rows = await db
        .select()
        .from(conflicts)
        .where(and(
          eq(conflicts.jobId, jobId), inState,
          range.from === undefined ? undefined : gte(conflicts.detectedAt, dateOf(range.from, 'range from')),
          range.to === undefined ? undefined : lte(conflicts.detectedAt, dateOf(range.to, 'range to')),
        ))
        .orderBy(asc(conflicts.detectedAt), asc(conflicts.conflictId));
      return rows.map(conflictOf);
    });
  }

  async resolveConflict(conflictId: string, keep: Side, at: Date = new Date()): Promise<Conflict> {
    return this.write('resolveConflict', async (db) => {
      const rows = await db.update(conflicts).set({ keep, resolvedAt: at }).where(eq(conflicts.conflictId, conflictId)).returning();
      if (!rows[0]) throw new NotFoundError(`conflict ${conflictId} not found`);
      return conflictOf(rows[0]);
    });
  }

  async markConflictApplied(conflictId: string, at: Date = new Date()): Promise<void> {
    await this.write('markConflictApplied', async (db) => {
      const rows = await db.update(conflicts).set({ appliedAt: at }).where(eq(conflicts.conflictId, conflictId)).returning({ id: conflicts.conflictId });
      if (!rows[0]) throw new NotFoundError(`conflict ${conflictId} not found`);
    });
  }

  // ---- job leases -----------------------------------------------------------------------------

  async acquireLease(jobId: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    return this.call('acquireLease', () => this.leases.acquire(jobId, holder, ttlMs));
  }

  async renewLease(grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    return this.call('renewLease', () => this.leases.renew(grant, ttlMs));
  }

  async releaseLease(grant: LeaseGrant): Promise<void> {
    await this.call('releaseLease', () => this.leases.release(grant));
  }

  /** A view on the same connection whose every write first checks, in its transaction, that `grant` still holds. */
  fenced(grant: LeaseGrant): PostgresLinkIndex {
    return new PostgresLinkIndex(this.db, { where: this.options.where, fence: grant });
  }

  /** Closes the pool (or PGlite); a fenced view closes nothing. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.options.close?.();
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  /** Runs `body` on the database, turning driver errors into ones callers can act on. */
  private async call<T>(operation: string, body: (db: LinkIndexDatabase) => Promise<T>): Promise<T> {
    try {
      return await body(this.db);
    } catch (err) {
      throw mapDatabaseError(err, operation, this.options.where);
    }
  }

  /**
   * Runs a write: in a transaction when it is fenced (the lease check and the write must commit
   * together) or spans several statements (all or nothing); a single statement is atomic as is.
   */
  private async write<T>(operation: string, body: (db: LinkIndexDatabase) => Promise<T>, severalStatements = false): Promise<T> {
    const fence = this.options.fence;
    if (!fence && !severalStatements) return this.call(operation, body);
    return this.call(operation, (db) =>
      db.transaction(async (tx) => {
        if (fence) await assertLeaseHeld(tx, fence);
        return body(tx);
      }),
    );
  }
}

// ---- row mapping ------------------------------------------------------------------------------------

/** A column's bare name, for hand-written SQL (drizzle would qualify it with the table). */
function name(column: { name: string }) {
  return sql.identifier(column.name);
}

/** A links row as `execute()` returns it: timestamps as PostgreSQL prints them (drizzle turns off pg's Date parsing). */
interface RawLinkRow {
  src_id: string;
  dest_id: string;
  source_hash: string | null;
  dest_hash: string | null;
  deleted_at: string | Date | null;
  synced_at: string | Date;
}

function linkOfRaw(row: RawLinkRow): Link {
  return {
    sourceId: row.src_id,
    destId: row.dest_id,
    sourceHash: row.source_hash,
    destHash: row.dest_hash,
    deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at).toISOString(),
    syncedAt: new Date(row.synced_at).toISOString(),
  };
}

function pairIs(pair: TablePair) {
  return and(
    eq(links.srcAdapter, pair.source.adapter),
    eq(links.srcTable, pair.source.table),
    eq(links.destAdapter, pair.dest.adapter),
    eq(links.destTable, pair.dest.table),
  );
}

function cursorIs(jobId: string, ref: TableRef) {
  return and(eq(cursors.jobId, jobId), eq(cursors.adapter, ref.adapter), eq(cursors.tableName, ref.table));
}

/**
 * Links to write, one per key: PostgreSQL refuses an upsert that touches a row twice, so a
 * batch naming one link twice keeps its last entry (as replacing one by one would). Sorted by
 * key, so two concurrent upserts lock rows in the same order and cannot deadlock each other.
 */
function linkRows(batch: readonly Link[]): Link[] {
  const byKey = new Map<string, Link>();
  for (const link of batch) byKey.set(`${link.sourceId}\u0000${link.destId}`, link);
  return [...byKey.values()].sort((a, b) => compare(a.sourceId, b.sourceId) || compare(a.destId, b.destId));
}

/**
 * One INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE for a chunk of links: one array
 * parameter per column instead of one parameter per value. drizzle's multi-row `values()`
 * spends ~0.2 ms per row building the statement, more than PostgreSQL spends writing it; the
 * arrays cost next to nothing to build and keep the statement far below the 65535-parameter limit.
 */
function upsertLinksStatement(pair: TablePair, rows: readonly Link[]): SQL {
  // Validated and normalised here, so a bad time is named rather than reported by the server as a bad array.
  const times = (pick: (l: Link) => string | null, what: string) =>
    rows.map((l) => {
      const value = pick(l);
      return value === null ? null : dateOf(value, what).toISOString();
    });
  return sql`
    INSERT INTO ${links} (${name(links.srcAdapter)}, ${name(links.srcTable)}, ${name(links.destAdapter)}, ${name(links.destTable)},
      ${name(links.srcId)}, ${name(links.destId)}, ${name(links.sourceHash)}, ${name(links.destHash)}, ${name(links.deletedAt)}, ${name(links.syncedAt)})
    SELECT ${pair.source.adapter}::text, ${pair.source.table}::text, ${pair.dest.adapter}::text, ${pair.dest.table}::text,
      u.src_id, u.dest_id, u.source_hash, u.dest_hash, u.deleted_at, u.synced_at
    FROM unnest(
      ${sql.param(rows.map((l) => l.sourceId))}::text[],
      ${sql.param(rows.map((l) => l.destId))}::text[],
      ${sql.param(rows.map((l) => l.sourceHash))}::text[],
      ${sql.param(rows.map((l) => l.destHash))}::text[],
      ${sql.param(times((l) => l.deletedAt, 'link deletedAt'))}::timestamptz[],
      ${sql.param(times((l) => l.syncedAt, 'link syncedAt'))}::timestamptz[]
    ) AS u(src_id, dest_id, source_hash, dest_hash, deleted_at, synced_at)
    ON CONFLICT (${name(links.srcAdapter)}, ${name(links.srcTable)}, ${name(links.destAdapter)}, ${name(links.destTable)}, ${name(links.srcId)}, ${name(links.destId)})
    DO UPDATE SET ${name(links.sourceHash)} = excluded.${name(links.sourceHash)}, ${name(links.destHash)} = excluded.${name(links.destHash)},
      ${name(links.deletedAt)} = excluded.${name(links.deletedAt)}, ${name(links.syncedAt)} = excluded.${name(links.syncedAt)}`;
}

function conflictOf(row: typeof conflicts.$inferSelect): Conflict {
  return {
    conflictId: row.conflictId,
    jobId: row.jobId,
    pair: { source: { adapter: row.srcAdapter, table: row.srcTable }, dest: { adapter: row.destAdapter, table: row.destTable } },
    sourceId: row.srcId,
    destId: row.destId,
    sourcePayload: row.srcPayload,
    destPayload: row.destPayload,
    detectedAt: row.detectedAt.toISOString(),
    resolvedAt: isoOrNull(row.resolvedAt),
    keep: row.keep === 'source' || row.keep === 'dest' ? row.keep : null,
    appliedAt: isoOrNull(row.appliedAt),
  };
}

function isoOrNull(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** The engine's times are ISO strings; a bad one is a bug of the caller, named here rather than deep in the driver. */
function dateOf(iso: string, what: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${what} is not an ISO time: ${JSON.stringify(iso)}`);
  return d;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
