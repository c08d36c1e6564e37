import type { Cursor } from './record.js';

/** A pulled record as a cursor sees it: its id and the (last) page it came in. */
export interface PagedRecord {
  readonly page: number;
  readonly id: string;
}

/**
 * Knows, for one side, which pulled pages are fully applied. A page's cursor may be saved only
 * when every record of that page and of every page before it is settled.
 */
export class CursorTracker {
  private readonly pending: number[];
  /** Records already counted off their page: settling one twice changes nothing. */
  private readonly settled = new Set<string>();
  private saved = -1;

  constructor(private readonly checkpoints: readonly Cursor[], records: readonly Pick<PagedRecord, 'page'>[]) {
    this.pending = checkpoints.map(() => 0);
    for (const record of records) if (record.page >= 0) this.pending[record.page] = (this.pending[record.page] ?? 0) + 1;
  }

  /** Counts a record off its page. A record of no page (page < 0: not pulled, e.g. found gone) holds no cursor. */
  settle(record: PagedRecord): void {
    if (record.page < 0 || this.settled.has(record.id)) return;
    this.settled.add(record.id);
    this.pending[record.page] = (this.pending[record.page] ?? 1) - 1;
  }

  /** The furthest cursor that became safe to save since the last call, or null. */
  advance(): Cursor | null {
    let k = this.saved;
    while (k + 1 < this.pending.length && this.pending[k + 1] === 0) k++;
    if (k === this.saved) return null;
    this.saved = k;
    return this.checkpoints[k]!;
  }
}
