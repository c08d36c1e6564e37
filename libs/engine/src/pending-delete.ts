import type { TablePair } from './link-index.js';
import type { Side, SyncRecord } from './record.js';

/** Why a run would delete a record: its partner is `gone` (missing from a complete listing) or was pulled flagged `deleted`. */
export type DeleteCause = 'gone' | 'deleted';

/** What a person decided about a pending delete; `cancelled`: the record reappeared before anyone decided. */
export type PendingDeleteDecision = 'approved' | 'rejected' | 'cancelled';

/**
 * open: waiting for a person; approved / rejected: decided, the job's next run carries it out;
 * done: carried out, or cancelled.
 */
export type PendingDeleteState = 'open' | 'approved' | 'rejected' | 'done';

/**
 * A delete a run held back because it would have deleted more than the job's delete brake allows.
 * `side`'s record is gone (or flagged deleted); the delete removes its partner on the other side.
 */
export interface PendingDelete {
  readonly deleteId: string;
  readonly jobId: string;
  readonly pair: TablePair;
  readonly sourceId: string;
  readonly destId: string;
  /** The side whose record is gone or flagged deleted. */
  readonly side: Side;
  readonly cause: DeleteCause;
  /** The partner (the record the delete removes) as last seen, when the run had it in hand. */
  readonly targetPayload: SyncRecord | null;
  /** The run that held it back. */
  readonly runId: string;
  readonly detectedAt: string;
  readonly decision: PendingDeleteDecision | null;
  readonly decidedAt: string | null;
  /** Set once a run carried the decision out (approved: deleted; rejected: the link let go). */
  readonly appliedAt: string | null;
}

export type NewPendingDelete = Omit<PendingDelete, 'decision' | 'decidedAt' | 'appliedAt'>;

export function pendingDeleteState(p: Pick<PendingDelete, 'decision' | 'appliedAt'>): PendingDeleteState {
  if (p.appliedAt !== null || p.decision === 'cancelled') return 'done';
  return p.decision ?? 'open';
}

/** The record a pending delete would remove: `side`'s partner. */
export function deleteTarget(p: Pick<PendingDelete, 'side' | 'sourceId' | 'destId'>): { side: Side; id: string } {
  return p.side === 'source' ? { side: 'dest', id: p.destId } : { side: 'source', id: p.sourceId };
}
