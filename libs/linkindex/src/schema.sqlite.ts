/**
 * The drizzle schema of the `sqlite` driver: the tables, columns, keys and indexes of `schema.ts`
 * (the PostgreSQL one) expressed for SQLite, and the source drizzle-kit generates
 * `migrations-sqlite/` from (`drizzle.config.sqlite.ts`).
 *
 * Property names match `schema.ts` column for column, so a row reads back in the same shape from
 * either database (the row mappings of `stores/` serve both, and `linkindex copy` moves rows
 * across). Times are epoch milliseconds (`timestamp_ms`): the precision of the engine's ISO
 * strings, so a value reads back exactly as written, and comparisons are integer comparisons.
 * JSON columns are text holding JSON; booleans are 0/1.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { RunSummary, SyncRecord } from '@syncframe/engine';

const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });
const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();

/** The two records of a link (`links`) or of a conflict between linked records (`conflicts`): fresh builders per table. */
const linkedPairColumns = () => ({
  srcAdapter: text('src_adapter').notNull(),
  srcTable: text('src_table').notNull(),
  srcId: text('src_id').notNull(),
  destAdapter: text('dest_adapter').notNull(),
  destTable: text('dest_table').notNull(),
  destId: text('dest_id').notNull(),
});

/** One source record linked to one destination record, per table pair. */
export const links = sqliteTable(
  'links',
  {
    ...linkedPairColumns(),
    sourceHash: text('source_hash'),
    destHash: text('dest_hash'),
    /** Per field, the hash of its last synced value (source → dest mapping); only `conflict_policy: field_merge` keeps it. */
    sourceFields: json<Record<string, string>>('source_fields'),
    /** Per field, the hash of its last synced value (dest → source mapping); only `conflict_policy: field_merge` keeps it. */
    destFields: json<Record<string, string>>('dest_fields'),
    deletedAt: ms('deleted_at'),
    syncedAt: ms('synced_at').notNull(),
  },
  (t) => [
    // As in PostgreSQL: the record id leads each index, so a lookup by either id is an index lookup.
    primaryKey({ name: 'links_pkey', columns: [t.srcId, t.srcAdapter, t.srcTable, t.destAdapter, t.destTable, t.destId] }),
    index('links_by_dest_idx').on(t.destId, t.srcAdapter, t.srcTable, t.destAdapter, t.destTable),
  ],
);

/** Cursor and consecutive fail count of one side of one job. */
export const cursors = sqliteTable(
  'cursors',
  {
    jobId: text('job_id').notNull(),
    adapter: text('adapter').notNull(),
    tableName: text('table_name').notNull(),
    cursorToken: text('cursor_token'),
    failCount: integer('fail_count').notNull().default(0),
  },
  (t) => [primaryKey({ name: 'cursors_pkey', columns: [t.jobId, t.adapter, t.tableName] })],
);

/** Job-level state; a job without a row is enabled. */
export const jobs = sqliteTable('jobs', {
  jobId: text('job_id').primaryKey(),
  disabledAt: ms('disabled_at'),
});

/** One row per run: the summary whole as JSON, plus the columns runs are queried by. */
export const runs = sqliteTable(
  'runs',
  {
    runId: text('run_id').primaryKey(),
    jobId: text('job_id').notNull(),
    startedAt: ms('started_at').notNull(),
    endedAt: ms('ended_at').notNull(),
    status: text('status').notNull(),
    summaryJson: json<RunSummary>('summary_json').notNull(),
  },
  (t) => [
    // Ascending: SQLite walks an index backwards for "newest first" (drizzle's SQLite indexes take no DESC).
    index('runs_by_job_idx').on(t.jobId, t.startedAt, t.runId),
    index('runs_by_job_status_idx').on(t.jobId, t.status, t.startedAt, t.runId),
    index('runs_by_started_idx').on(t.startedAt, t.runId),
  ],
);

/** Conflicts of `conflict_policy: manual`. */
export const conflicts = sqliteTable(
  'conflicts',
  {
    conflictId: text('conflict_id').primaryKey(),
    jobId: text('job_id').notNull(),
    ...linkedPairColumns(),
    srcPayload: json<SyncRecord>('src_payload').notNull(),
    destPayload: json<SyncRecord>('dest_payload').notNull(),
    /** `conflict_policy: field_merge`: the fields changed on both sides (source-side names); null: the whole record. */
    fields: json<string[]>('fields'),
    detectedAt: ms('detected_at').notNull(),
    resolvedAt: ms('resolved_at'),
    keep: text('keep'),
    appliedAt: ms('applied_at'),
  },
  (t) => [
    // The referee for "one open conflict per link": recordConflict upserts against this index.
    uniqueIndex('conflicts_one_open_idx')
      .on(t.jobId, t.srcAdapter, t.srcTable, t.destAdapter, t.destTable, t.srcId, t.destId)
      .where(sql`resolved_at IS NULL AND applied_at IS NULL`),
    index('conflicts_by_job_idx').on(t.jobId, t.detectedAt, t.conflictId),
    check('conflicts_keep_check', sql`${t.keep} IS NULL OR ${t.keep} IN ('source', 'dest')`),
  ],
);

/** Records a side's cursor was held back for (`settle_sec`), with the time each was first held. */
export const heldRecords = sqliteTable(
  'held_records',
  {
    jobId: text('job_id').notNull(),
    adapter: text('adapter').notNull(),
    tableName: text('table_name').notNull(),
    recordId: text('record_id').notNull(),
    heldSince: ms('held_since').notNull(),
  },
  (t) => [primaryKey({ name: 'held_records_pkey', columns: [t.jobId, t.adapter, t.tableName, t.recordId] })],
);

/** Deletes held back by the delete brake, waiting for a person (see `schema.ts`). */
export const pendingDeletes = sqliteTable(
  'pending_deletes',
  {
    deleteId: text('delete_id').primaryKey(),
    jobId: text('job_id').notNull(),
    ...linkedPairColumns(),
    side: text('side').notNull(),
    cause: text('cause').notNull(),
    targetPayload: json<SyncRecord>('target_payload'),
    runId: text('run_id').notNull(),
    detectedAt: ms('detected_at').notNull(),
    decision: text('decision'),
    decidedAt: ms('decided_at'),
    appliedAt: ms('applied_at'),
  },
  (t) => [
    // One open (undecided, or approved and not yet applied) pending delete per link.
    uniqueIndex('pending_deletes_one_open_idx')
      .on(t.jobId, t.srcAdapter, t.srcTable, t.destAdapter, t.destTable, t.srcId, t.destId)
      .where(sql`applied_at IS NULL AND (decision IS NULL OR decision = 'approved')`),
    index('pending_deletes_by_job_idx').on(t.jobId, t.detectedAt, t.deleteId),
    check('pending_deletes_side_check', sql`${t.side} IN ('source', 'dest')`),
    check('pending_deletes_decision_check', sql`${t.decision} IS NULL OR ${t.decision} IN ('approved', 'rejected', 'cancelled')`),
  ],
);

/** Records that failed on their own in a job's runs, kept until they sync (see `schema.ts`). */
export const recordFailures = sqliteTable(
  'record_failures',
  {
    jobId: text('job_id').notNull(),
    side: text('side').notNull(),
    recordId: text('record_id').notNull(),
    stage: text('stage').notNull(),
    reason: text('reason').notNull(),
    firstFailedAt: ms('first_failed_at').notNull(),
    lastFailedAt: ms('last_failed_at').notNull(),
    failures: integer('failures').notNull(),
    lastRunId: text('last_run_id').notNull(),
    retrying: integer('retrying', { mode: 'boolean' }).notNull(),
    retryRequestedAt: ms('retry_requested_at'),
  },
  (t) => [
    primaryKey({ name: 'record_failures_pkey', columns: [t.jobId, t.side, t.recordId] }),
    index('record_failures_by_job_idx').on(t.jobId, t.lastFailedAt, t.side, t.recordId),
    check('record_failures_side_check', sql`${t.side} IN ('source', 'dest')`),
  ],
);

/** One lease per job; the row outlives its holders, so `token` keeps growing and is never handed out twice. */
export const jobLeases = sqliteTable('job_leases', {
  jobId: text('job_id').primaryKey(),
  holder: text('holder').notNull(),
  token: integer('token').notNull(),
  expiresAt: ms('expires_at').notNull(),
});
