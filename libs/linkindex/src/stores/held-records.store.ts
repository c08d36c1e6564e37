import { sql } from 'drizzle-orm';
import type { TableRef } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { rowsOf } from '../database.js';
import { heldRecords } from '../schema.js';
import { compare, name } from './values.js';

/**
 * The `held_records` table: records edit settling (`settle_sec`) holds back, per job and side
 * (adapter + table), with the time each was first held. Functions over an executor; each is one
 * statement whatever the number of ids (one array parameter).
 */

/** A row as `execute()` returns it: the time as PostgreSQL prints it (drizzle turns off pg's Date parsing). */
interface RawHeldRow {
  record_id: string;
  held_since: string | Date;
}

export async function findHeld(ex: LinkIndexExecutor, jobId: string, ref: TableRef, ids: readonly string[]): Promise<Map<string, string>> {
  const result = await ex.execute(sql`
    SELECT ${name(heldRecords.recordId)}, ${name(heldRecords.heldSince)} FROM ${heldRecords}
    WHERE ${sideIs(jobId, ref)} AND ${name(heldRecords.recordId)} = ANY(${sql.param([...ids])}::text[])`);
  return heldSinceOf(rowsOf<RawHeldRow>(result));
}

/**
 * Inserts the ids not held yet with `at`; a row already there keeps its time (the no-op update
 * only makes RETURNING give it back too). Ids are deduplicated and sorted: an upsert may touch a
 * row once, and two concurrent holds lock rows in the same order.
 */
export async function holdRecords(ex: LinkIndexExecutor, jobId: string, ref: TableRef, ids: readonly string[], at: Date): Promise<Map<string, string>> {
  const unique = [...new Set(ids)].sort(compare);
  const result = await ex.execute(sql`
    INSERT INTO ${heldRecords} AS h (${name(heldRecords.jobId)}, ${name(heldRecords.adapter)}, ${name(heldRecords.tableName)},
      ${name(heldRecords.recordId)}, ${name(heldRecords.heldSince)})
    SELECT ${jobId}::text, ${ref.adapter}::text, ${ref.table}::text, u.id, ${at.toISOString()}::timestamptz
    FROM unnest(${sql.param(unique)}::text[]) AS u(id)
    ON CONFLICT (${name(heldRecords.jobId)}, ${name(heldRecords.adapter)}, ${name(heldRecords.tableName)}, ${name(heldRecords.recordId)})
    DO UPDATE SET ${name(heldRecords.heldSince)} = h.${name(heldRecords.heldSince)}
    RETURNING ${name(heldRecords.recordId)}, ${name(heldRecords.heldSince)}`);
  return heldSinceOf(rowsOf<RawHeldRow>(result));
}

export async function releaseHeld(ex: LinkIndexExecutor, jobId: string, ref: TableRef, ids: readonly string[]): Promise<void> {
  await ex.execute(sql`
    DELETE FROM ${heldRecords}
    WHERE ${sideIs(jobId, ref)} AND ${name(heldRecords.recordId)} = ANY(${sql.param([...ids])}::text[])`);
}

function sideIs(jobId: string, ref: TableRef) {
  return sql`${name(heldRecords.jobId)} = ${jobId} AND ${name(heldRecords.adapter)} = ${ref.adapter} AND ${name(heldRecords.tableName)} = ${ref.table}`;
}

function heldSinceOf(rows: readonly RawHeldRow[]): Map<string, string> {
  return new Map(rows.map((r) => [r.record_id, new Date(r.held_since).toISOString()]));
}
