import { and, asc, eq, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { NotFoundError } from '@syncframe/engine';
import type { Conflict, ConflictState, DetectedRange, Side } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { conflicts } from '../schema.sqlite.js';
import { conflictOf, conflictRow } from '../stores/conflicts.store.js';
import { conflictFilterOf, conflictIsOpen } from '../stores/conditions.js';

/** The `conflicts` table on SQLite (see `stores/conflicts.store.ts`; rows map the same way). */

export { conflictRow };

/** Records a conflict, or refreshes the payloads of the link's open conflict (keeping its id): the partial unique index referees. */
export async function recordConflict(ex: SqliteExecutor, row: typeof conflicts.$inferInsert): Promise<Conflict> {
  const rows = await ex
    .insert(conflicts)
    .values(row)
    .onConflictDoUpdate({
      target: [conflicts.jobId, conflicts.srcAdapter, conflicts.srcTable, conflicts.destAdapter, conflicts.destTable, conflicts.srcId, conflicts.destId],
      targetWhere: sql`resolved_at IS NULL AND applied_at IS NULL`,
      set: { srcPayload: sql`excluded.src_payload`, destPayload: sql`excluded.dest_payload`, fields: sql`excluded.fields` },
    })
    .returning();
  return conflictOf(rows[0]!);
}

export async function getConflict(ex: SqliteExecutor, conflictId: string): Promise<Conflict | null> {
  const rows = await ex.select().from(conflicts).where(eq(conflicts.conflictId, conflictId));
  return rows[0] ? conflictOf(rows[0]) : null;
}

/** The conditions of a conflict listing; validates the range (RangeError before anything is sent). */
export function conflictFilter(jobId: string, state: ConflictState, range: DetectedRange): SQL | undefined {
  return conflictFilterOf(conflicts, jobId, state, range);
}

/** Oldest first. */
export async function listConflicts(ex: SqliteExecutor, filter: SQL | undefined): Promise<Conflict[]> {
  const rows = await ex.select().from(conflicts).where(filter).orderBy(asc(conflicts.detectedAt), asc(conflicts.conflictId));
  return rows.map(conflictOf);
}

/** A person's decision, if the conflict is still open, in one UPDATE … WHERE still open … RETURNING. */
export async function resolveOpenConflict(ex: SqliteExecutor, conflictId: string, keep: Side, at: Date): Promise<Conflict | null> {
  const rows = await ex
    .update(conflicts)
    .set({ keep, resolvedAt: at })
    .where(and(eq(conflicts.conflictId, conflictId), conflictIsOpen(conflicts)))
    .returning();
  if (rows[0]) return conflictOf(rows[0]);
  await assertExists(ex, conflictId);
  return null;
}

/** Closes a conflict a delete made moot, whatever its state: `keep` recorded, resolved and applied at `at`. */
export async function supersedeConflict(ex: SqliteExecutor, conflictId: string, keep: Side, at: Date): Promise<void> {
  const rows = await ex
    .update(conflicts)
    .set({ keep, resolvedAt: at, appliedAt: at })
    .where(eq(conflicts.conflictId, conflictId))
    .returning({ id: conflicts.conflictId });
  if (!rows[0]) throw notFound(conflictId);
}

export async function markConflictApplied(ex: SqliteExecutor, conflictId: string, at: Date): Promise<void> {
  const rows = await ex.update(conflicts).set({ appliedAt: at }).where(eq(conflicts.conflictId, conflictId)).returning({ id: conflicts.conflictId });
  if (!rows[0]) throw notFound(conflictId);
}


async function assertExists(ex: SqliteExecutor, conflictId: string): Promise<void> {
  const rows = await ex.select({ id: conflicts.conflictId }).from(conflicts).where(eq(conflicts.conflictId, conflictId));
  if (!rows[0]) throw notFound(conflictId);
}

function notFound(conflictId: string): NotFoundError {
  return new NotFoundError(`conflict ${conflictId} not found`);
}
