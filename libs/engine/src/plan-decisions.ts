import type { NewConflict } from './conflict.js';
import { changedFields } from './field-diff.js';
import type { SyncJob } from './job.js';
import type { Link, LinkIndex, TablePair } from './link-index.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import type { MappedRecord } from './mapper.js';
import type { CycleItem, MergeWrite, PlanEntry, PlannedOp } from './plan.js';
import type { Fields, Side, SyncRecord } from './record.js';
import { otherSide } from './record.js';

/** Finds records on one side by a key field (the adapter call, wrapped in throttle and retries). */
export type FindByField = (side: Side, field: string, values: string[]) => Promise<SyncRecord[]>;

export interface PlanInput {
  readonly job: SyncJob;
  readonly pair: TablePair;
  readonly linkIndex: LinkIndex;
  readonly loader: LinkedIdLoader;
  readonly items: { readonly source: readonly CycleItem[]; readonly dest: readonly CycleItem[] };
  readonly findByField: FindByField;
  readonly now: () => string;
}

/** A per-record failure found while planning (mapper errors, match clashes). */
export interface PlanFailure {
  readonly item: CycleItem;
  readonly stage: 'map' | 'match';
  readonly reason: string;
}

/** A conflict a delete made moot (a delete always wins): closed as kept on the deleting side. */
export interface Superseded {
  readonly conflictId: string;
  readonly keep: Side;
}

export interface CyclePlan {
  readonly entries: PlanEntry[];
  readonly ops: PlannedOp[];
  /** Conflicts to record (manual policy), new or with newer payloads. */
  readonly conflicts: NewConflict[];
  readonly superseded: Superseded[];
  readonly failures: PlanFailure[];
}

/** A pulled record with what its mapper made of it (only records that mapped to something). */
export interface MappedItem {
  readonly item: CycleItem;
  readonly mapped: MappedRecord;
  /** Content hash of `mapped`. */
  readonly hash: string;
  /** `conflict_policy: field_merge` only: {@link fieldHashes} of `mapped.fields`. */
  readonly fieldHashes?: Readonly<Record<string, string>>;
}

/** The pulled items as the phases read them, built once by `mapCycleItems`. */
export interface MappedView {
  readonly items: PlanInput['items'];
  readonly bySide: Readonly<Record<Side, ReadonlyMap<string, CycleItem>>>;
  /** Items that mapped to a record (not skipped by the mapper, not failed). */
  readonly mapped: ReadonlyMap<CycleItem, MappedItem>;
  /** Items whose mapper failed: their links' other side must not be pushed over them. */
  readonly mapFailed: ReadonlySet<CycleItem>;
}

/** What one phase decided: its entries, ops and failures in order, and the items it decided. */
export interface PhaseDecisions {
  readonly entries: readonly PlanEntry[];
  readonly ops: readonly PlannedOp[];
  readonly failures: readonly PlanFailure[];
  readonly decided: readonly CycleItem[];
}

export type EntryDraft = Omit<PlanEntry, 'side' | 'recordId' | 'target'> & { readonly target?: PlanEntry['target'] };

/** A write carrying `from`'s mapped content to the other side. */
export interface OpSpec {
  readonly from: MappedItem;
  readonly kind: 'create' | 'update' | 'delete';
  readonly targetId: string | null;
  readonly link: Link | null;
  readonly targetRecord: SyncRecord | null;
  readonly settles: readonly CycleItem[];
  readonly matchKey?: string;
  readonly reason?: string;
  /** The fields to write, when not all of `from`'s mapped fields (a field merge's partial update). */
  readonly fields?: Fields;
  readonly merge?: MergeWrite;
}

/** A link saved with fresh hashes, nothing written remote. */
export interface LinkOnlySpec {
  readonly link: Link;
  /** The item whose side the link is saved from (its hash); null: from the source side, no hash. */
  readonly from: MappedItem | null;
  readonly targetRecord: SyncRecord | null;
  readonly settles: readonly CycleItem[];
}

/**
 * Collects one phase's decisions. Knows what earlier phases decided (read only): an item is
 * decided once, by the first phase (and the first decision in it) that reaches it.
 */
export class PhaseLog {
  private readonly entries: PlanEntry[] = [];
  private readonly ops: PlannedOp[] = [];
  private readonly failures: PlanFailure[] = [];
  private readonly decided = new Set<CycleItem>();

  constructor(private readonly before: ReadonlySet<CycleItem>) {}

  has(item: CycleItem): boolean {
    return this.before.has(item) || this.decided.has(item);
  }

  decide(item: CycleItem, entry: EntryDraft): void {
    if (this.has(item)) return;
    this.decided.add(item);
    this.entries.push({ side: item.side, recordId: item.record.id, target: null, ...entry });
  }

  /** An entry for no pulled item (a resolved conflict applied from its stored payload). */
  entry(entry: PlanEntry): void {
    this.entries.push(entry);
  }

  fail(item: CycleItem, stage: PlanFailure['stage'], reason: string): void {
    this.failures.push({ item, stage, reason });
    this.decide(item, { action: 'error', target: null, reason });
  }

  /** An op built elsewhere (a resolved conflict's). */
  op(op: PlannedOp): void {
    this.ops.push(op);
  }

  /** Writes `from`'s content to the other side, and decides `from` accordingly. */
  write(spec: OpSpec): void {
    const { from, kind, targetId, link, targetRecord, settles, matchKey, reason, merge } = spec;
    const to = otherSide(from.item.side);
    const fields = kind === 'delete' ? {} : spec.fields ?? from.mapped.fields;
    this.ops.push({
      target: to, kind, targetId, fields, originSide: from.item.side, originId: from.item.record.id,
      originHash: from.hash, ...originFieldsOf(from), link, targetRecord, settles,
      ...(matchKey !== undefined ? { matchKey } : {}), ...(merge ? { merge } : {}),
    });
    this.decide(from.item, {
      action: kind,
      target: { side: to, id: targetId },
      ...(kind !== 'delete' ? { fields } : {}),
      ...(kind === 'update' && targetRecord ? { changedFields: changedFields(fields, targetRecord.fields) } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  /** Saves the link with fresh hashes, writes nothing remote (decides nothing: the caller does). */
  linkOnly(spec: LinkOnlySpec): void {
    const { link, from, targetRecord, settles } = spec;
    const origin = from?.item;
    this.ops.push({
      target: origin ? otherSide(origin.side) : 'dest',
      kind: 'link',
      targetId: origin ? (origin.side === 'source' ? link.destId : link.sourceId) : link.destId,
      fields: {},
      originSide: origin?.side ?? 'source',
      originId: origin?.record.id ?? link.sourceId,
      originHash: from?.hash ?? null,
      ...(from ? originFieldsOf(from) : {}),
      link,
      targetRecord,
      settles,
    });
  }

  done(): PhaseDecisions {
    return { entries: this.entries, ops: this.ops, failures: this.failures, decided: [...this.decided] };
  }
}

/** The origin's per-field hashes for an op (field_merge jobs only). */
const originFieldsOf = (from: MappedItem): Pick<PlannedOp, 'originFields'> => (from.fieldHashes ? { originFields: from.fieldHashes } : {});

/** Several phases' decisions as one, in phase order. */
export function concatDecisions(...phases: PhaseDecisions[]): PhaseDecisions {
  return {
    entries: phases.flatMap((p) => p.entries),
    ops: phases.flatMap((p) => p.ops),
    failures: phases.flatMap((p) => p.failures),
    decided: phases.flatMap((p) => p.decided),
  };
}

/** The items decided before, plus those the given phases decided. */
export function decidedAfter(before: ReadonlySet<CycleItem>, ...phases: PhaseDecisions[]): ReadonlySet<CycleItem> {
  return new Set([...before, ...phases.flatMap((p) => p.decided)]);
}

export function newLink(sourceId: string, destId: string, now: string): Link {
  return { sourceId, destId, sourceHash: null, destHash: null, deletedAt: null, syncedAt: now };
}

export const pairKey = (sourceId: string, destId: string) => `${sourceId}\u0000${destId}`;

export const LOOKUP_CHUNK = 1000;
