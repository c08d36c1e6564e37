/** Which of a job's two sides: `source` is the first side named in the job's `sides`, `dest` the second. */
export type Side = 'source' | 'dest';

export const SIDES: readonly Side[] = ['source', 'dest'];

export function otherSide(side: Side): Side {
  return side === 'source' ? 'dest' : 'source';
}

/** One table (or CMS collection) on one remote: `{ adapter: 'airtable', table: 'Videos' }`. */
export interface TableRef {
  /** Adapter kind, e.g. `airtable`, `webflow`, `memory`. */
  readonly adapter: string;
  /** Table id or name as the remote knows it (Webflow: the collection id). */
  readonly table: string;
}

/** Field values keyed as the remote names them (Airtable field names, Webflow `fieldData` slugs). */
export type Fields = Record<string, unknown>;

/** A record as an adapter hands it to the engine, in the adapter's documented normalized form. */
export interface SyncRecord {
  /** Stable id on its remote (Airtable `rec…`, Webflow 24-hex item id). */
  readonly id: string;
  readonly fields: Fields;
  /** The remote's modification time, ISO 8601. */
  readonly updatedAt: string;
  /** Soft delete: the record is gone, or flagged deleted, on its remote. */
  readonly deleted: boolean;
}

/** An opaque position in a side's change stream. `value: null` means "from the beginning". */
export interface Cursor {
  readonly value: string | null;
}

export const START_CURSOR: Cursor = Object.freeze({ value: null });

/**
 * One page of changes. Once every record of this page, and of every page before it, is applied,
 * the engine may save `cursor`: pulling from it again never skips an unapplied change.
 */
export interface ChangePage {
  readonly records: readonly SyncRecord[];
  readonly cursor: Cursor;
}
