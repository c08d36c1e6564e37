import { sql } from 'drizzle-orm';
import type { TableRef } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { heldRecords } from '../schema.sqlite.js';
import { compare, name } from '../stores/values.js';
import { jsonParam } from './json-param.js';

/** The `held_records` table on SQLite (see `stores/held-records.store.ts`): each call is one statement, ids bound as one JSON array. */

interface RawHeldRow {
  record_id: string;
  /** Epoch milliseconds. */
  held_since: number;
}

export async function findHeld(ex: SqliteExecutor, jobId: string, ref: TableRef, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await ex.all<RawHeldRow>(sql`
    SELECT ${name(heldRecords.recordId)}, ${name(heldRecords.heldSince)} FROM ${heldRecords}
    WHERE ${sideIs(jobId, ref)} AND ${name(heldRecords.recordId)} IN (SELECT value FROM json_each(${jsonParam(ids)}))`);
  return heldSinceOf(rows);
}

/**
 * Inserts the ids not held yet with `at`; a row already there keeps its time (the no-op update
 * only makes RETURNING give it back too).
 */
export async function holdRecords(ex: SqliteExecutor, jobId: string, ref: TableRef, ids: readonly string[], at: Date): Promise<Map<string, string>> {
  const unique = [...new Set(ids)].sort(compare);
  const rows = await ex.all<RawHeldRow>(sql`
    INSERT INTO ${heldRecords} (${name(heldRecords.jobId)}, ${name(heldRecords.adapter)}, ${name(heldRecords.tableName)},
      ${name(heldRecords.recordId)}, ${name(heldRecords.heldSince)})
    SELECT ${jobId}, ${ref.adapter}, ${ref.table}, u.value, ${at.getTime()}
    FROM json_each(${jsonParam(unique)}) AS u WHERE true
    ON CONFLICT (${name(heldRecords.jobId)}, ${name(heldRecords.adapter)}, ${name(heldRecords.tableName)}, ${name(heldRecords.recordId)})
    DO UPDATE SET ${name(heldRecords.heldSince)} = ${heldRecords}.${name(heldRecords.heldSince)}
    RETURNING ${name(heldRecords.recordId)}, ${name(heldRecords.heldSince)}`);
  return heldSinceOf(rows);
}

export async function releaseHeld(ex: SqliteExecutor, jobId: string, ref: TableRef, ids: readonly string[]): Promise<void> {
  await ex.run(sql`
    DELETE FROM ${heldRecords}
    WHERE ${sideIs(jobId, ref)} AND ${name(heldRecords.recordId)} IN (SELECT value FROM json_each(${jsonParam(ids)}))`);
}

function sideIs(jobId: string, ref: TableRef) {
  return sql`${name(heldRecords.jobId)} = ${jobId} AND ${name(heldRecords.adapter)} = ${ref.adapter} AND ${name(heldRecords.tableName)} = ${ref.table}`;
}

function heldSinceOf(rows: readonly RawHeldRow[]): Map<string, string> {
  return new Map(rows.map((r) => [r.record_id, new Date(Number(r.held_since)).toISOString()]));
}
