import type { Fields, SyncRecord, TableRef } from './record.js';

/** What a mapper returns: the other side's fields, and optionally a delete. */
export interface MappedRecord {
  readonly fields: Fields;
  /** `true` deletes (or soft-flags) the linked record on the other side. */
  readonly deleted?: boolean;
}

export interface MapperContext {
  readonly jobId: string;
  /** The table the record comes from. */
  readonly from: TableRef;
  /** The table the mapped fields go to. */
  readonly to: TableRef;
  /**
   * The id linked to `id` of table `from` on table `to`, through the LinkIndex (for reference
   * fields between synced tables), or null when the record is not linked (yet). Lookups made
   * while one page is mapped are batched into one LinkIndex query per table pair.
   */
  linkedId(from: TableRef, to: TableRef, id: string): Promise<string | null>;
  /**
   * Like `linkedId`, but a reference that is not linked yet makes this record wait: it fails alone
   * (reported in the run) and is retried on the next run, instead of being written without it.
   */
  requireLinkedId(from: TableRef, to: TableRef, id: string): Promise<string>;
}

/**
 * A mapper module's default export: the other side's fields for `record`, or `null` to skip it.
 * The engine supplies the target id from the link, so a mapper never sets one.
 */
export type MapperFn = (
  record: SyncRecord,
  ctx: MapperContext,
) => MappedRecord | null | Promise<MappedRecord | null>;
