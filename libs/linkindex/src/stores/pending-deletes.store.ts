import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { NewPendingDelete, PendingDelete, PendingDeleteDecision, PendingDeleteState } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { pendingDeletes } from '../schema.js';
import { dateOf, isoOrNull } from './values.js';
import { pendingDeleteInState } from './conditions.js';

/**
 * The `pending_deletes` table: deletes the delete brake held back, waiting for a person (open),
 * decided (approved, rejected: the next run carries them out) and done (carried out, or cancelled
 * because the record reappeared). Functions over an executor.
 */

export function pendingDeleteRow(d: NewPendingDelete): typeof pendingDeletes.$inferInsert {
  return {
    deleteId: d.deleteId,
    jobId: d.jobId,
    srcAdapter: d.pair.source.adapter,
    srcTable: d.pair.source.table,
    srcId: d.sourceId,
    destAdapter: d.pair.dest.adapter,
    destTable: d.pair.dest.table,
    destId: d.destId,
    side: d.side,
    cause: d.cause,
    targetPayload: d.targetPayload,
    runId: d.runId,
    detectedAt: dateOf(d.detectedAt, 'pending delete detectedAt'),
  };
}

/** Inserts; a link with one waiting already keeps it (the partial unique index referees). */
export async function addPendingDeletes(ex: LinkIndexExecutor, rows: readonly (typeof pendingDeletes.$inferInsert)[]): Promise<PendingDelete[]> {
  if (rows.length === 0) return [];
  const inserted = await ex
    .insert(pendingDeletes)
    .values([...rows])
    .onConflictDoNothing({
      target: [pendingDeletes.jobId, pendingDeletes.srcAdapter, pendingDeletes.srcTable, pendingDeletes.destAdapter, pendingDeletes.destTable, pendingDeletes.srcId, pendingDeletes.destId],
      where: sql`applied_at IS NULL AND (decision IS NULL OR decision = 'approved')`,
    })
    .returning();
  return inserted.map(pendingDeleteOf).sort(byDetection);
}


export async function listPendingDeletes(ex: LinkIndexExecutor, jobId: string, states?: readonly PendingDeleteState[]): Promise<PendingDelete[]> {
  if (states !== undefined && states.length === 0) return [];
  const rows = await ex
    .select()
    .from(pendingDeletes)
    .where(and(eq(pendingDeletes.jobId, jobId), states === undefined ? undefined : or(...states.map((state) => pendingDeleteInState(pendingDeletes, state)))))
    .orderBy(asc(pendingDeletes.detectedAt), asc(pendingDeletes.deleteId));
  return rows.map(pendingDeleteOf);
}

/** One UPDATE … WHERE still open: of two concurrent decisions on one delete exactly one lands. */
export async function decidePendingDeletes(
  ex: LinkIndexExecutor, jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at: Date,
): Promise<PendingDelete[]> {
  if (ids !== 'all' && ids.length === 0) return [];
  const rows = await ex
    .update(pendingDeletes)
    .set({ decision, decidedAt: at })
    .where(and(eq(pendingDeletes.jobId, jobId), pendingDeleteInState(pendingDeletes, 'open'), ids === 'all' ? undefined : inArray(pendingDeletes.deleteId, [...ids])))
    .returning();
  return rows.map(pendingDeleteOf).sort(byDetection);
}

export async function markPendingDeletesApplied(ex: LinkIndexExecutor, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await ex.update(pendingDeletes).set({ appliedAt: at }).where(inArray(pendingDeletes.deleteId, [...ids]));
}

export function byDetection(a: PendingDelete, b: PendingDelete): number {
  return a.detectedAt.localeCompare(b.detectedAt) || a.deleteId.localeCompare(b.deleteId);
}

export function pendingDeleteOf(row: typeof pendingDeletes.$inferSelect): PendingDelete {
  return {
    deleteId: row.deleteId,
    jobId: row.jobId,
    pair: { source: { adapter: row.srcAdapter, table: row.srcTable }, dest: { adapter: row.destAdapter, table: row.destTable } },
    sourceId: row.srcId,
    destId: row.destId,
    side: row.side === 'dest' ? 'dest' : 'source',
    cause: row.cause === 'gone' ? 'gone' : 'deleted',
    targetPayload: row.targetPayload ?? null,
    runId: row.runId,
    detectedAt: row.detectedAt.toISOString(),
    decision: row.decision === 'approved' || row.decision === 'rejected' || row.decision === 'cancelled' ? row.decision : null,
    decidedAt: isoOrNull(row.decidedAt),
    appliedAt: isoOrNull(row.appliedAt),
  };
}
