/**
 * The one drizzle schema behind the `postgres` and `pglite` drivers, and the source drizzle-kit
 * generates `migrations/` from (links, cursors, runs and conflicts, with per-side hashes, tombstones, job state and leases;
 * held records, pending deletes and failing records).
 *
 * Tables are declared without a PostgreSQL schema on purpose: the optional `schema` of the config
 * is applied through `search_path`, so the same generated SQL and the same queries serve any schema.
 * Timestamps keep millisecond precision, the precision of the ISO strings the engine hands over,
 * so a value reads back exactly as it was written.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { RunSummary, SyncRecord } from '@syncframe/engine';

const tstz = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

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
export const links = pgTable(
  'links',
  {
    ...linkedPairColumns(),
    sourceHash: text('source_hash'),
    destHash: text('dest_hash'),
    /** Per field, the hash of its last synced value (source → dest mapping); only `conflict_policy: field_merge` keeps it. */
    sourceFields: jsonb('source_fields').$type<Record<string, string>>(),
    /** Per field, the hash of its last synced value (dest → source mapping); only `conflict_policy: field_merge` keeps it. */
    destFields: jsonb('dest_fields').$type<Record<string, string>>(),
    deletedAt: tstz('deleted_at'),
    syncedAt: tstz('synced_at').notNull(),
  },
  (t) => [
    // The record id leads each index, the pair follows: a lookup by source id (PK) or by
    // destination id (links_by_dest_idx) within a pair is an index lookup on every column it
    // names. Leading with the pair instead would let the planner, before a fresh table has
    // statistics, pick the wrong index and filter the whole pair (measured: 30x slower).
    primaryKey({ name: 'links_pkey', columns: [t.srcId, t.srcAdapter, t.srcTable, t.destAdapter, t.destTable, t.destId] }),
    index('links_by_dest_idx').on(t.destId, t.srcAdapter, t.srcTable, t.destAdapter, t.destTable),
  ],
);

/** Cursor and consecutive fail count of one side of one job. */
export const cursors = pgTable(
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
export const jobs = pgTable('jobs', {
  jobId: text('job_id').primaryKey(),
  disabledAt: tstz('disabled_at'),
});

/** One row per run: the summary whole as JSON, plus the columns runs are queried by. */
export const runs = pgTable(
  'runs',
  {
    runId: text('run_id').primaryKey(),
    jobId: text('job_id').notNull(),
    startedAt: tstz('started_at').notNull(),
    endedAt: tstz('ended_at').notNull(),
    status: text('status').notNull(),
    summaryJson: jsonb('summary_json').$type<RunSummary>().notNull(),
  },
  (t) => [
    // listRuns({ jobId }) newest first, and with a status filter (the board's "failed runs").
    index('runs_by_job_idx').on(t.jobId, t.startedAt.desc(), t.runId.desc()),
    index('runs_by_job_status_idx').on(t.jobId, t.status, t.startedAt.desc(), t.runId.desc()),
    // listRuns() across jobs, and pruneRuns(olderThan) as a range scan.
    index('runs_by_started_idx').on(t.startedAt.desc(), t.runId.desc()),
  ],
);

/** Conflicts of `conflict_policy: manual`. */
export const conflicts = pgTable(
  'conflicts',
  {
    conflictId: text('conflict_id').primaryKey(),
    jobId: text('job_id').notNull(),
    ...linkedPairColumns(),
    srcPayload: jsonb('src_payload').$type<SyncRecord>().notNull(),
    destPayload: jsonb('dest_payload').$type<SyncRecord>().notNull(),
    /** `conflict_policy: field_merge`: the fields changed on both sides (source-side names); null: the whole record. */
    fields: jsonb('fields').$type<string[]>(),
    detectedAt: tstz('detected_at').notNull(),
    resolvedAt: tstz('resolved_at'),
    keep: text('keep'),
    appliedAt: tstz('applied_at'),
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

/**
 * Records a side's cursor was held back for (`settle_sec`): modified too recently, still being
 * edited. `held_since` is when the record was first held, so a record edited without pause syncs
 * once the cap is reached; the row goes when the record passes.
 */
export const heldRecords = pgTable(
  'held_records',
  {
    jobId: text('job_id').notNull(),
    adapter: text('adapter').notNull(),
    tableName: text('table_name').notNull(),
    recordId: text('record_id').notNull(),
    heldSince: tstz('held_since').notNull(),
  },
  (t) => [primaryKey({ name: 'held_records_pkey', columns: [t.jobId, t.adapter, t.tableName, t.recordId] })],
);

/**
 * Deletes a run did not apply because they were more than the job's delete brake allows: each
 * waits for a person to approve or reject it. `side` is the side whose record is gone (or flagged
 * deleted); the delete would remove its partner on the other side.
 */
export const pendingDeletes = pgTable(
  'pending_deletes',
  {
    deleteId: text('delete_id').primaryKey(),
    jobId: text('job_id').notNull(),
    ...linkedPairColumns(),
    side: text('side').notNull(),
    /** `gone`: missing from a complete listing (hard delete); `deleted`: pulled with a delete flag. */
    cause: text('cause').notNull(),
    /** The record to be deleted as last seen (null when the run did not have it in hand). */
    targetPayload: jsonb('target_payload').$type<SyncRecord>(),
    runId: text('run_id').notNull(),
    detectedAt: tstz('detected_at').notNull(),
    /** `approved`, `rejected` or `cancelled` (the record reappeared); null while it waits. */
    decision: text('decision'),
    decidedAt: tstz('decided_at'),
    appliedAt: tstz('applied_at'),
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

/**
 * Records that failed on their own in a job's runs (mapper error, rejected by the remote), kept
 * until they sync: the board's list of failing records. `side` is the side the record was pulled
 * from. A run that fails it again counts one more failure (`failures`) and replaces the reason,
 * stage and run, keeping `first_failed_at`; `retry_requested_at` is a person's "retry now",
 * served (cleared) by the next run that records the record again.
 */
export const recordFailures = pgTable(
  'record_failures',
  {
    jobId: text('job_id').notNull(),
    side: text('side').notNull(),
    recordId: text('record_id').notNull(),
    stage: text('stage').notNull(),
    reason: text('reason').notNull(),
    firstFailedAt: tstz('first_failed_at').notNull(),
    lastFailedAt: tstz('last_failed_at').notNull(),
    failures: integer('failures').notNull(),
    lastRunId: text('last_run_id').notNull(),
    /** Whether every run still retries it (it holds its side's cursor). */
    retrying: boolean('retrying').notNull(),
    retryRequestedAt: tstz('retry_requested_at'),
  },
  (t) => [
    primaryKey({ name: 'record_failures_pkey', columns: [t.jobId, t.side, t.recordId] }),
    // listRecordFailures(jobId): most recently failed first, in the order the list is returned.
    index('record_failures_by_job_idx').on(t.jobId, t.lastFailedAt.desc(), t.side, t.recordId),
    check('record_failures_side_check', sql`${t.side} IN ('source', 'dest')`),
  ],
);

/**
 * One lease per job. The row outlives its holders (release only lets it lapse), so `token`
 * keeps growing and a fencing number is never handed out twice.
 */
export const jobLeases = pgTable('job_leases', {
  jobId: text('job_id').primaryKey(),
  holder: text('holder').notNull(),
  token: bigint('token', { mode: 'number' }).notNull(),
  expiresAt: tstz('expires_at').notNull(),
});
