import { and, eq, gt, gte, isNotNull, isNull, lte, or } from 'drizzle-orm';
import type { AnyColumn, SQL } from 'drizzle-orm';
import type { ConflictState, DetectedRange, Link, LinkKey, PendingDeleteState, TablePair, TableRef } from '@syncframe/engine';
import { dateOf, isoOrNull } from './values.js';

/**
 * The WHERE conditions and row shapes both dialects share. drizzle builds a condition from a
 * table's columns whatever the dialect, so each is written once here over the columns it needs,
 * and the PostgreSQL stores (`stores/`) and the SQLite ones (`stores-sqlite/`) pass their own table.
 */

interface PairColumns {
  readonly srcAdapter: AnyColumn;
  readonly srcTable: AnyColumn;
  readonly destAdapter: AnyColumn;
  readonly destTable: AnyColumn;
}

/** Rows of this table pair. */
export function pairIs(t: PairColumns, pair: TablePair): SQL {
  return and(
    eq(t.srcAdapter, pair.source.adapter), eq(t.srcTable, pair.source.table),
    eq(t.destAdapter, pair.dest.adapter), eq(t.destTable, pair.dest.table),
  )!;
}

/** Links after `after` in (source id, dest id) order: keyset paging; none for the first page. */
export function linkKeyAfter(t: { readonly srcId: AnyColumn; readonly destId: AnyColumn }, after: LinkKey | null): SQL | undefined {
  return after === null ? undefined : or(gt(t.srcId, after.sourceId), and(eq(t.srcId, after.sourceId), gt(t.destId, after.destId)));
}

/** A link as the walk of a pair's links reads it (per-field hashes only when set). */
export interface ScannedLinkRow {
  readonly sourceId: string;
  readonly destId: string;
  readonly sourceHash: string | null;
  readonly destHash: string | null;
  readonly sourceFields: Record<string, string> | null;
  readonly destFields: Record<string, string> | null;
  readonly deletedAt: Date | null;
  readonly syncedAt: Date;
}

export function linkOfScannedRow(r: ScannedLinkRow): Link {
  return {
    sourceId: r.sourceId, destId: r.destId, sourceHash: r.sourceHash, destHash: r.destHash,
    ...(r.sourceFields ? { sourceFields: r.sourceFields } : {}), ...(r.destFields ? { destFields: r.destFields } : {}),
    deletedAt: isoOrNull(r.deletedAt), syncedAt: r.syncedAt.toISOString(),
  };
}

/** One side's row of a job (`cursors`). */
export function cursorIs(t: { readonly jobId: AnyColumn; readonly adapter: AnyColumn; readonly tableName: AnyColumn }, jobId: string, ref: TableRef): SQL {
  return and(eq(t.jobId, jobId), eq(t.adapter, ref.adapter), eq(t.tableName, ref.table))!;
}

interface ConflictColumns {
  readonly jobId: AnyColumn;
  readonly resolvedAt: AnyColumn;
  readonly appliedAt: AnyColumn;
  readonly detectedAt: AnyColumn;
}

/** A conflict waiting for a person. */
export function conflictIsOpen(t: Pick<ConflictColumns, 'resolvedAt' | 'appliedAt'>): SQL {
  return and(isNull(t.resolvedAt), isNull(t.appliedAt))!;
}

/** The conditions of a conflict listing; validates the range (RangeError before anything is sent). */
export function conflictFilterOf(t: ConflictColumns, jobId: string, state: ConflictState, range: DetectedRange): SQL | undefined {
  const inState =
    state === 'applied'
      ? isNotNull(t.appliedAt)
      : state === 'resolved'
        ? and(isNotNull(t.resolvedAt), isNull(t.appliedAt))
        : conflictIsOpen(t);
  return and(
    eq(t.jobId, jobId), inState,
    range.from === undefined ? undefined : gte(t.detectedAt, dateOf(range.from, 'range from')),
    range.to === undefined ? undefined : lte(t.detectedAt, dateOf(range.to, 'range to')),
  );
}

/** Pending deletes in `state` (see `pendingDeleteState`). */
export function pendingDeleteInState(t: { readonly decision: AnyColumn; readonly appliedAt: AnyColumn }, state: PendingDeleteState): SQL {
  switch (state) {
    case 'open':
      return and(isNull(t.decision), isNull(t.appliedAt))!;
    case 'approved':
    case 'rejected':
      return and(eq(t.decision, state), isNull(t.appliedAt))!;
    case 'done':
      return or(isNotNull(t.appliedAt), eq(t.decision, 'cancelled'))!;
  }
}
