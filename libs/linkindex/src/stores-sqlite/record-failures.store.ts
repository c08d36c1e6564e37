import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { NewRecordFailure, RecordFailure, RecordKey } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { recordFailures } from '../schema.sqlite.js';
import { compare, dateOf, name } from '../stores/values.js';
import { jsonParam } from './json-param.js';

/**
 * The `record_failures` table on SQLite (see `stores/record-failures.store.ts`): each call is one
 * statement, the records bound as one JSON array walked with `json_each`.
 */

/** A row as a raw query returns it: times in epoch milliseconds, `retrying` 0 or 1. */
interface RawFailureRow {
  job_id: string;
  side: string;
  record_id: string;
  stage: string;
  reason: string;
  first_failed_at: number;
  last_failed_at: number;
  failures: number;
  last_run_id: string;
  retrying: number;
  retry_requested_at: number | null;
}

const c = recordFailures;

/** New failures start at 1, known ones count one more (keeping `first_failed_at`) and lose their retry request. A record given twice counts once. */
export async function recordFailuresOf(ex: SqliteExecutor, jobId: string, failures: readonly NewRecordFailure[]): Promise<void> {
  const byKey = new Map<string, NewRecordFailure>();
  for (const f of failures) byKey.set(keyOf(f), f);
  const rows = [...byKey.values()].sort((a, b) => compare(a.side, b.side) || compare(a.recordId, b.recordId));
  const tuples = rows.map((f) => [f.side, f.recordId, f.stage, f.reason, dateOf(f.at, 'record failure at').getTime(), f.runId, f.retrying ? 1 : 0]);
  // Validate every time first (above), so a bad one throws before anything is sent.
  const at = (i: number) => sql.raw(`json_extract(u.value, '$[${i}]')`);
  await ex.run(sql`
    INSERT INTO ${c} (${name(c.jobId)}, ${name(c.side)}, ${name(c.recordId)}, ${name(c.stage)}, ${name(c.reason)},
      ${name(c.firstFailedAt)}, ${name(c.lastFailedAt)}, ${name(c.failures)}, ${name(c.lastRunId)}, ${name(c.retrying)}, ${name(c.retryRequestedAt)})
    SELECT ${jobId}, ${at(0)}, ${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(4)}, 1, ${at(5)}, ${at(6)}, NULL
    FROM json_each(${jsonParam(tuples)}) AS u WHERE true
    ON CONFLICT (${name(c.jobId)}, ${name(c.side)}, ${name(c.recordId)}) DO UPDATE SET
      ${name(c.stage)} = excluded.${name(c.stage)},
      ${name(c.reason)} = excluded.${name(c.reason)},
      ${name(c.lastFailedAt)} = excluded.${name(c.lastFailedAt)},
      ${name(c.failures)} = ${c}.${name(c.failures)} + 1,
      ${name(c.lastRunId)} = excluded.${name(c.lastRunId)},
      ${name(c.retrying)} = excluded.${name(c.retrying)},
      ${name(c.retryRequestedAt)} = NULL`);
}

export async function clearRecordFailures(ex: SqliteExecutor, jobId: string, keys: readonly RecordKey[]): Promise<void> {
  await ex.run(sql`DELETE FROM ${c} WHERE ${name(c.jobId)} = ${jobId} AND ${keyIn(keys)}`);
}

/** Most recently failed first (then by side and id). */
export async function listRecordFailures(ex: SqliteExecutor, jobId: string, keys?: readonly RecordKey[]): Promise<RecordFailure[]> {
  const rows = await ex.all<RawFailureRow>(sql`
    SELECT * FROM ${c}
    WHERE ${name(c.jobId)} = ${jobId}${keys === undefined ? sql`` : sql` AND ${keyIn(keys)}`}
    ORDER BY ${name(c.lastFailedAt)} DESC, ${name(c.side)}, ${name(c.recordId)}`);
  return rows.map(failureOf);
}

/** Sets the request on the job's failures among `keys` (or all); how many it set. */
export async function requestRecordRetry(ex: SqliteExecutor, jobId: string, keys: readonly RecordKey[] | 'all', at: Date): Promise<number> {
  const result = await ex.run(sql`
    UPDATE ${c} SET ${name(c.retryRequestedAt)} = ${at.getTime()}
    WHERE ${name(c.jobId)} = ${jobId}${keys === 'all' ? sql`` : sql` AND ${keyIn(keys)}`}`);
  return result.rowsAffected;
}

/** `(side, record_id)` among the keys: one JSON parameter. */
function keyIn(keys: readonly RecordKey[]): SQL {
  return sql`(${name(c.side)}, ${name(c.recordId)}) IN (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${jsonParam(keys.map((k) => [k.side, k.recordId]))}))`;
}

function keyOf(k: RecordKey): string {
  return `${k.side}\u0000${k.recordId}`;
}

const iso = (t: number) => new Date(Number(t)).toISOString();

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
    retrying: Number(r.retrying) === 1,
    retryRequestedAt: r.retry_requested_at === null ? null : iso(r.retry_requested_at),
  };
}
