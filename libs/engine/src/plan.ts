import type { Link } from './link-index.js';
import type { Fields, Side, SyncRecord } from './record.js';

/** What a run does (or, dry, would do) with one pulled record. */
export type PlanAction =
  | 'create'
  | 'update'
  | 'delete'
  /** Linked to an existing record (by `match`) that already holds the same content: nothing to write. */
  | 'link'
  /** Its mapped content was already synced (an echo of our own write, or a repeat). */
  | 'echo'
  | 'skip'
  | 'conflict'
  | 'error'
  /** Edited too recently (`settle_sec`), or planned with such a record: not planned now; a later run pulls it again. */
  | 'wait';

export interface PlanEntry {
  /** The side the record was pulled from. */
  readonly side: Side;
  readonly recordId: string;
  readonly action: PlanAction;
  /** The record written on the other side (id null for a create). */
  readonly target: { readonly side: Side; readonly id: string | null } | null;
  /** The fields written (create, update). */
  readonly fields?: Fields;
  /** Fields whose value differs from the target's known current value (update with the target in hand). */
  readonly changedFields?: readonly string[];
  readonly reason?: string;
}

/**
 * A pulled record on its way through the cycle: read-only data. What planning makes of it (its
 * mapping, hash, link) travels in the plan's ops and entries; what the push has settled lives in
 * the side's `CursorTracker`.
 */
export interface CycleItem {
  readonly side: Side;
  readonly record: SyncRecord;
  /** Index of the (last) pull page the record came in: gates that side's cursor. */
  readonly page: number;
}

/** One write (or link-only update) the push phase carries out. */
export interface PlannedOp {
  readonly target: Side;
  /** `link`: no remote write, only the link is saved (already equal, or matched for a conflict). */
  readonly kind: 'create' | 'update' | 'delete' | 'link';
  readonly targetId: string | null;
  readonly fields: Fields;
  readonly originSide: Side;
  readonly originId: string;
  readonly originHash: string | null;
  /** `conflict_policy: field_merge`: per-field hashes of the origin's mapped content (saved on the link with `originHash`). */
  readonly originFields?: Readonly<Record<string, string>> | null;
  /** `conflict_policy: field_merge`: this op is one of the two writes of a link merged both ways. */
  readonly merge?: MergeWrite;
  /** The link as it stands (null for a create). */
  readonly link: Link | null;
  /** The target's record when it is in hand (link-only ops use it to hash the target). */
  readonly targetRecord: SyncRecord | null;
  /** Pulled items this op settles once it lands (or fails on its own). */
  readonly settles: readonly CycleItem[];
  /** A resolved conflict this op applies. */
  readonly conflictId?: string;
  /** With `match`: the key value the created record carries on the target side. */
  readonly matchKey?: string;
}

/**
 * One of the two partial writes of a link merged field by field (`conflict_policy: field_merge`).
 * Until both have landed, the link keeps the target's own changes as not yet synced (`merge-links.ts`).
 */
export interface MergeWrite {
  /** The same for both writes of a link. */
  readonly key: string;
  /** Fields of the target's mapped content (other-side names) its own change still brings to the origin by the partner write. */
  readonly pending: readonly string[];
}
