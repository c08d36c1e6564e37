import { eq, sql } from 'drizzle-orm';
import { START_CURSOR } from '@syncframe/engine';
import type { Cursor, TableRef } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { cursors } from '../schema.sqlite.js';
import { cursorIs } from '../stores/conditions.js';

/** The `cursors` table on SQLite (see `stores/cursors.store.ts`). */

export async function loadCursor(ex: SqliteExecutor, jobId: string, ref: TableRef): Promise<Cursor> {
  const rows = await ex.select({ value: cursors.cursorToken }).from(cursors).where(cursorIs(cursors, jobId, ref));
  const value = rows[0]?.value ?? null;
  return value === null ? { ...START_CURSOR } : { value };
}

export async function saveCursor(ex: SqliteExecutor, jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
  await ex
    .insert(cursors)
    .values({ jobId, adapter: ref.adapter, tableName: ref.table, cursorToken: cursor.value })
    .onConflictDoUpdate({ target: [cursors.jobId, cursors.adapter, cursors.tableName], set: { cursorToken: cursor.value } });
}

/** Adds one to the side's fail count; returns the new count. */
export async function incrementFailCount(ex: SqliteExecutor, jobId: string, ref: TableRef): Promise<number> {
  const rows = await ex
    .insert(cursors)
    .values({ jobId, adapter: ref.adapter, tableName: ref.table, failCount: 1 })
    .onConflictDoUpdate({ target: [cursors.jobId, cursors.adapter, cursors.tableName], set: { failCount: sql`${cursors.failCount} + 1` } })
    .returning({ failCount: cursors.failCount });
  return rows[0]!.failCount;
}

export async function resetFailCount(ex: SqliteExecutor, jobId: string, ref: TableRef): Promise<void> {
  await ex.update(cursors).set({ failCount: 0 }).where(cursorIs(cursors, jobId, ref));
}

/** Resets the fail count of every side of the job. */
export async function resetJobFailCounts(ex: SqliteExecutor, jobId: string): Promise<void> {
  await ex.update(cursors).set({ failCount: 0 }).where(eq(cursors.jobId, jobId));
}

export async function getFailCount(ex: SqliteExecutor, jobId: string, ref: TableRef): Promise<number> {
  const rows = await ex.select({ failCount: cursors.failCount }).from(cursors).where(cursorIs(cursors, jobId, ref));
  return rows[0]?.failCount ?? 0;
}

