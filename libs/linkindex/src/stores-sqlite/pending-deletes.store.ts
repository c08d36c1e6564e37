import { and, asc, eq, or, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { PendingDelete, PendingDeleteDecision, PendingDeleteState } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { pendingDeletes } from '../schema.sqlite.js';
import { byDetection, pendingDeleteOf, pendingDeleteRow } from '../stores/pending-deletes.store.js';
import { jsonParam } from './json-param.js';
import { pendingDeleteInState } from '../stores/conditions.js';

/** The `pending_deletes` table on SQLite (see `stores/pending-deletes.store.ts`; rows map the same way). */

export { pendingDeleteRow };

/** Inserts; a link with one waiting already keeps it (the partial unique index referees). */
export async function addPendingDeletes(ex: SqliteExecutor, rows: readonly (typeof pendingDeletes.$inferInsert)[]): Promise<PendingDelete[]> {
  const inserted: (typeof pendingDeletes.$inferSelect)[] = [];
  // One row per statement: ~16 parameters a row would reach SQLite's limit past 2000 rows, and
  // the caller runs the whole batch in one transaction anyway.
  for (const row of rows) {
    inserted.push(
      ...(await ex
        .insert(pendingDeletes)
        .values(row)
        // DO NOTHING, spelled as an update that never applies: drizzle 0.45 writes the index
        // predicate of `onConflictDoNothing` after DO NOTHING, where SQLite does not accept it.
        .onConflictDoUpdate({
          target: [pendingDeletes.jobId, pendingDeletes.srcAdapter, pendingDeletes.srcTable, pendingDeletes.destAdapter, pendingDeletes.destTable, pendingDeletes.srcId, pendingDeletes.destId],
          targetWhere: sql`applied_at IS NULL AND (decision IS NULL OR decision = 'approved')`,
          set: { deleteId: sql`${pendingDeletes.deleteId}` },
          setWhere: sql`false`,
        })
        .returning()),
    );
  }
  return inserted.map(pendingDeleteOf).sort(byDetection);
}


export async function listPendingDeletes(ex: SqliteExecutor, jobId: string, states?: readonly PendingDeleteState[]): Promise<PendingDelete[]> {
  if (states !== undefined && states.length === 0) return [];
  const rows = await ex
    .select()
    .from(pendingDeletes)
    .where(and(eq(pendingDeletes.jobId, jobId), states === undefined ? undefined : or(...states.map((state) => pendingDeleteInState(pendingDeletes, state)))))
    .orderBy(asc(pendingDeletes.detectedAt), asc(pendingDeletes.deleteId));
  return rows.map(pendingDeleteOf);
}

/** One UPDATE … WHERE still open … RETURNING: one already decided is left as it is. */
export async function decidePendingDeletes(
  ex: SqliteExecutor, jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at: Date,
): Promise<PendingDelete[]> {
  if (ids !== 'all' && ids.length === 0) return [];
  const rows = await ex
    .update(pendingDeletes)
    .set({ decision, decidedAt: at })
    .where(and(eq(pendingDeletes.jobId, jobId), pendingDeleteInState(pendingDeletes, 'open'), ids === 'all' ? undefined : idIn(ids)))
    .returning();
  return rows.map(pendingDeleteOf).sort(byDetection);
}

export async function markPendingDeletesApplied(ex: SqliteExecutor, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await ex.update(pendingDeletes).set({ appliedAt: at }).where(idIn(ids));
}

/** One JSON parameter whatever the number of ids. */
function idIn(ids: readonly string[]): SQL {
  return sql`${pendingDeletes.deleteId} IN (SELECT value FROM json_each(${jsonParam(ids)}))`;
}
