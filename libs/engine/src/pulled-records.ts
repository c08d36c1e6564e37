import type { CycleItem } from './plan.js';
import type { Side, SyncRecord } from './record.js';
import type { OpenRecordSpool, RecordSpool } from './record-spool.js';

/** Pulled records a run holds in memory before it writes the rest to its spool (when it has one). */
export const SPILL_AFTER_RECORDS = 20_000;

/**
 * A record a run pulled, as the run keeps it until its chunk is planned: the record itself, or
 * (spilled) where the spool holds it.
 */
export interface PulledItem {
  readonly side: Side;
  readonly id: string;
  /** Index of the (last) pull page the record came in: gates that side's cursor. */
  readonly page: number;
  /** The record's `updatedAt` in ms (NaN when unreadable), kept while the record is spilled: edit settling reads it. */
  readonly editedAt: number;
  readonly record: SyncRecord | null;
  /** The record came flagged deleted (kept beside it: a spilled record is not in memory). */
  readonly deleted: boolean;
  readonly ref?: unknown;
}

/**
 * The records a run pulled, both sides: the first `spillAfter` in memory, the rest in a spool
 * opened on first need (none given: all in memory). `load` turns a chunk's items back into
 * `CycleItem`s, reading spilled records in one call.
 */
export class PulledRecords {
  private held = 0;
  /** Records written to the spool so far. */
  spilled = 0;
  private spool: Promise<RecordSpool> | null = null;

  constructor(private readonly openSpool: OpenRecordSpool | undefined, private readonly spillAfter: number) {}

  async add(side: Side, page: number, records: readonly SyncRecord[]): Promise<PulledItem[]> {
    const inMemory = this.openSpool ? Math.max(0, Math.min(records.length, this.spillAfter - this.held)) : records.length;
    this.held += inMemory;
    const items: PulledItem[] = records.slice(0, inMemory).map((record) => ({ side, id: record.id, page, editedAt: Date.parse(record.updatedAt), record, deleted: record.deleted }));
    if (inMemory < records.length) {
      const spilled = records.slice(inMemory);
      const refs = await (await this.openedSpool()).write(spilled);
      this.spilled += spilled.length;
      spilled.forEach((record, i) => items.push({ side, id: record.id, page, editedAt: Date.parse(record.updatedAt), record: null, deleted: record.deleted, ref: refs[i] }));
    }
    return items;
  }

  /** The items with their records in hand. */
  async load(items: readonly PulledItem[]): Promise<CycleItem[]> {
    const spilled = items.filter((i) => i.record === null);
    const read = spilled.length > 0 ? await (await this.openedSpool()).read(spilled.map((i) => i.ref)) : [];
    const byItem = new Map(spilled.map((item, k) => [item, read[k]!]));
    return items.map((item) => ({ side: item.side, page: item.page, record: item.record ?? byItem.get(item)! }));
  }

  /** Closes the spool, if one was opened. */
  async close(): Promise<void> {
    if (this.spool) await this.spool.then((spool) => spool.close(), () => undefined);
  }

  private openedSpool(): Promise<RecordSpool> {
    this.spool ??= this.openSpool!();
    return this.spool;
  }
}
