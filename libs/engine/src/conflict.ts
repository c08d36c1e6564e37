import type { Side, SyncRecord } from './record.js';
import type { TablePair } from './link-index.js';

/** Both records of one link changed since their last sync, under `conflict_policy: manual` (or field_merge's manual fields). */
export interface Conflict {
  readonly conflictId: string;
  readonly jobId: string;
  readonly pair: TablePair;
  readonly sourceId: string;
  readonly destId: string;
  /** The full source record, as last pulled. */
  readonly sourcePayload: SyncRecord;
  /** The full destination record, as last pulled. */
  readonly destPayload: SyncRecord;
  readonly detectedAt: string;
  /**
   * `conflict_policy: field_merge` with `field_conflict: manual`: the fields changed on both sides
   * (source-side names). Null or absent: the whole record.
   */
  readonly fields?: readonly string[] | null;
  /** Set when a person decides. */
  readonly resolvedAt: string | null;
  /** The side whose record wins; the engine applies it on the job's next run. */
  readonly keep: Side | null;
  /** Set when the engine has applied the kept side. */
  readonly appliedAt: string | null;
}

export type NewConflict = Omit<Conflict, 'resolvedAt' | 'keep' | 'appliedAt'>;

/** open: waiting for a person; resolved: decided, not yet applied; applied: done. */
export type ConflictState = 'open' | 'resolved' | 'applied';

export function conflictState(c: Conflict): ConflictState {
  if (c.appliedAt) return 'applied';
  if (c.resolvedAt) return 'resolved';
  return 'open';
}
