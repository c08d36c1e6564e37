import { and, asc, eq, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { NotFoundError } from '@syncframe/engine';
import type { Conflict, ConflictState, DetectedRange, NewConflict, Side } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { conflicts } from '../schema.js';
import { dateOf, isoOrNull } from './values.js';
import { conflictFilterOf, conflictIsOpen } from './conditions.js';

/**
 * The `conflicts` table: conflicts awaiting a person (open), decided (resolved) and carried out
 * (applied). Functions over an executor (the database or a transaction).
 */

/** The row of a new conflict; validates its time (RangeError before anything is sent). */
export function conflictRow(conflict: NewConflict): typeof conflicts.$inferInsert {
  return {
    conflictId: conflict.conflictId,
    jobId: conflict.jobId,
    srcAdapter: conflict.pair.source.adapter,
    srcTable: conflict.pair.source.table,
    srcId: conflict.sourceId,
    destAdapter: conflict.pair.dest.adapter,
    destTable: conflict.pair.dest.table,
    destId: conflict.destId,
    srcPayload: conflict.sourcePayload,
    destPayload: conflict.destPayload,
    detectedAt: dateOf(conflict.detectedAt, 'conflict detectedAt'),
    fields: conflict.fields ? [...conflict.fields] : null,
  };
}

/** Records a conflict, or refreshes the payloads of the link's open conflict (keeping its id). */
export async function recordConflict(ex: LinkIndexExecutor, row: typeof conflicts.$inferInsert): Promise<Conflict> {
  // The partial unique index on open conflicts is the referee: a second open conflict of the
  // same link becomes an update of the first, even when two workers record it at once.
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

export async function getConflict(ex: LinkIndexExecutor, conflictId: string): Promise<Conflict | null> {
  const rows = await ex.select().from(conflicts).where(eq(conflicts.conflictId, conflictId));
  return rows[0] ? conflictOf(rows[0]) : null;
}

/** The conditions of a conflict listing; validates the range (RangeError before anything is sent). */
export function conflictFilter(jobId: string, state: ConflictState, range: DetectedRange): SQL | undefined {
  return conflictFilterOf(conflicts, jobId, state, range);
}

/** Oldest first. */
export async function listConflicts(ex: LinkIndexExecutor, filter: SQL | undefined): Promise<Conflict[]> {
  const rows = await ex.select().from(conflicts).where(filter).orderBy(asc(conflicts.detectedAt), asc(conflicts.conflictId));
  return rows.map(conflictOf);
}

/**
 * Records a person's decision if the conflict is still open, in one statement
 * (`UPDATE … WHERE conflict_id = $1 AND resolved_at IS NULL AND applied_at IS NULL`): of two
 * concurrent decisions exactly one lands. The resolved conflict, or null when it was no longer
 * open (nothing changed); `NotFoundError` for an unknown id.
 */
export async function resolveOpenConflict(ex: LinkIndexExecutor, conflictId: string, keep: Side, at: Date): Promise<Conflict | null> {
  const rows = await ex
    .update(conflicts)
    .set({ keep, resolvedAt: at })
    .where(and(eq(conflicts.conflictId, conflictId), conflictIsOpen(conflicts)))
    .returning();
  if (rows[0]) return conflictOf(rows[0]);
  // Nothing changed: tell an unknown id (conflicts are never deleted) from one already decided.
  await assertExists(ex, conflictId);
  return null;
}

/** Closes a conflict a delete made moot, whatever its state: `keep` recorded, resolved and applied at `at`. */
export async function supersedeConflict(ex: LinkIndexExecutor, conflictId: string, keep: Side, at: Date): Promise<void> {
  const rows = await ex
    .update(conflicts)
    .set({ keep, resolvedAt: at, appliedAt: at })
    .where(eq(conflicts.conflictId, conflictId))
    .returning({ id: conflicts.conflictId });
  if (!rows[0]) throw notFound(conflictId);
}

export async function markConflictApplied(ex: LinkIndexExecutor, conflictId: string, at: Date): Promise<void> {
  const rows = await ex.update(conflicts).set({ appliedAt: at }).where(eq(conflicts.conflictId, conflictId)).returning({ id: conflicts.conflictId });
  if (!rows[0]) throw notFound(conflictId);
}

// ---- row mapping ------------------------------------------------------------------------------------


async function assertExists(ex: LinkIndexExecutor, conflictId: string): Promise<void> {
  const rows = await ex.select({ id: conflicts.conflictId }).from(conflicts).where(eq(conflicts.conflictId, conflictId));
  if (!rows[0]) throw notFound(conflictId);
}

function notFound(conflictId: string): NotFoundError {
  return new NotFoundError(`conflict ${conflictId} not found`);
}

export function conflictOf(row: typeof conflicts.$inferSelect): Conflict {
  return {
    conflictId: row.conflictId,
    jobId: row.jobId,
    pair: { source: { adapter: row.srcAdapter, table: row.srcTable }, dest: { adapter: row.destAdapter, table: row.destTable } },
    sourceId: row.srcId,
    destId: row.destId,
    sourcePayload: row.srcPayload,
    destPayload: row.destPayload,
    detectedAt: row.detectedAt.toISOString(),
    resolvedAt: isoOrNull(row.resolvedAt),
    keep: row.keep === 'source' || row.keep === 'dest' ? row.keep : null,
    appliedAt: isoOrNull(row.appliedAt),
    ...(row.fields ? { fields: row.fields } : {}),
  };
}
