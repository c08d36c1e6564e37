import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { NewRecordFailure, RecordFailure, RecordKey } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { affectedRowsOf, rowsOf } from '../database.js';
import { recordFailures } from '../schema.js';
import { compare, dateOf, name } from './values.js';

/**
 * The `record_failures` table: records that keep failing, per job, side and record id. Functions
 * over an executor; each is one statement whatever the number of records (one array parameter per
 * column, unnested: a multi-row VALUES would run out of bind parameters past ~9,000 failures).
 */

/** A row as `execute()` returns it: times as PostgreSQL prints them (drizzle turns off pg's Date parsing). */
interface RawFailureRow {
  job_id: string;
  side: string;
  record_id: string;
  stage: string;
  reason: string;
  first_failed_at: string | Date;
  last_failed_at: string | Date;
  failures: number | string;
  last_run_id: string;
  retrying: boolean;
  retry_requested_at: string | Date | null;
}

const c = recordFailures;

/**
 * Inserts new failures at 1, counts known ones up (keeping `first_failed_at`) and clears their
 * retry request. A record given twice counts once, with its last entry (an upsert may touch a row
 * once per statement); rows are sorted so two concurrent writes lock them in the same order.
 */
export async function recordFailuresOf(ex: LinkIndexExecutor, jobId: string, failures: readonly NewRecordFailure[]): Promise<void> {
  const byKey = new Map<string, NewRecordFailure>();
  for (const f of failures) {
    dateOf(f.at, 'record failure at');
    byKey.set(keyOf(f), f);
  }
  const rows = [...byKey.values()].sort((a, b) => compare(a.side, b.side) || compare(a.recordId, b.recordId));
  const col = <T>(pick: (f: NewRecordFailure) => T) => sql.param(rows.map(pick));
  await ex.execute(sql`
    INSERT INTO ${c} AS f (${name(c.jobId)}, ${name(c.side)}, ${name(c.recordId)}, ${name(c.stage)}, ${name(c.reason)},
      ${name(c.firstFailedAt)}, ${name(c.lastFailedAt)}, ${name(c.failures)}, ${name(c.lastRunId)}, ${name(c.retrying)}, ${name(c.retryRequestedAt)})
    SELECT ${jobId}::text, u.side, u.record_id, u.stage, u.reason, u.at, u.at, 1, u.run_id, u.retrying, NULL
    FROM unnest(${col((f) => f.side)}::text[], ${col((f) => f.recordId)}::text[], ${col((f) => f.stage)}::text[],
      ${col((f) => f.reason)}::text[], ${col((f) => f.at)}::timestamptz[], ${col((f) => f.runId)}::text[], ${col((f) => f.retrying)}::boolean[])
      AS u(side, record_id, stage, reason, at, run_id, retrying)
    ON CONFLICT (${name(c.jobId)}, ${name(c.side)}, ${name(c.recordId)}) DO UPDATE SET
      ${name(c.stage)} = excluded.${name(c.stage)},
      ${name(c.reason)} = excluded.${name(c.reason)},
      ${name(c.lastFailedAt)} = excluded.${name(c.lastFailedAt)},
      ${name(c.failures)} = f.${name(c.failures)} + 1,
      ${name(c.lastRunId)} = excluded.${name(c.lastRunId)},
      ${name(c.retrying)} = excluded.${name(c.retrying)},
      ${name(c.retryRequestedAt)} = NULL`);
}

export async function clearRecordFailures(ex: LinkIndexExecutor, jobId: string, keys: readonly RecordKey[]): Promise<void> {
  await ex.execute(sql`DELETE FROM ${c} WHERE ${name(c.jobId)} = ${jobId} AND ${keyIn(keys)}`);
}

/** Most recently failed first (then by side and id: the order of `record_failures_by_job_idx`). */
export async function listRecordFailures(ex: LinkIndexExecutor, jobId: string, keys?: readonly RecordKey[]): Promise<RecordFailure[]> {
  const result = await ex.execute(sql`
    SELECT * FROM ${c}
    WHERE ${name(c.jobId)} = ${jobId}${keys === undefined ? sql`` : sql` AND ${keyIn(keys)}`}
    ORDER BY ${name(c.lastFailedAt)} DESC, ${name(c.side)}, ${name(c.recordId)}`);
  return rowsOf<RawFailureRow>(result).map(failureOf);
}

/** Sets the request on the job's failures among `keys` (or all); how many it set. */
export async function requestRecordRetry(ex: LinkIndexExecutor, jobId: string, keys: readonly RecordKey[] | 'all', at: Date): Promise<number> {
  const result = await ex.execute(sql`
    UPDATE ${c} SET ${name(c.retryRequestedAt)} = ${at.toISOString()}::timestamptz
    WHERE ${name(c.jobId)} = ${jobId}${keys === 'all' ? sql`` : sql` AND ${keyIn(keys)}`}`);
  return affectedRowsOf(result);
}

/** `(side, record_id)` among the keys: one pair of array parameters. */
function keyIn(keys: readonly RecordKey[]): SQL {
  return sql`(${name(c.side)}, ${name(c.recordId)}) IN (
    SELECT * FROM unnest(${sql.param(keys.map((k) => k.side))}::text[], ${sql.param(keys.map((k) => k.recordId))}::text[]))`;
}

function keyOf(k: RecordKey): string {
  return `${k.side}\u0000${k.recordId}`;
}

const iso = (t: string | Date) => new Date(t).toISOString();

function failureOf(r: RawFailureRow): RecordFailure {
  return {
    jobId: r.job_id,
    side: r.side === 'dest' ? 'dest' : 'source',
    recordId: r.record_id,
    stage: r.stage === 'match' || r.stage === 'write' ? r.stage : 'map',
    reason: r.reason,
    firstFailedAt: iso(r.first_failed_at),
    lastFailedAt: iso(r.last_failed_at),
    failures: Number(r.failures),
    lastRunId: r.last_run_id,
    retrying: r.retrying,
    retryRequestedAt: r.retry_requested_at === null ? null : iso(r.retry_requested_at),
  };
}
