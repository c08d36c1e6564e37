import type { CycleItem } from './plan.js';
import type { Cursor } from './record.js';

/**
 * Knows, for one side, which pulled pages are fully applied. A page's cursor may be saved only
 * when every record of that page and of every page before it is settled.
 */
export class CursorTracker {
  private readonly pending: number[];
  /** Items already counted off their page: settling one twice changes nothing. */
  private readonly settled = new Set<CycleItem>();
  private saved = -1;

  constructor(private readonly checkpoints: readonly Cursor[], items: readonly CycleItem[]) {
    this.pending = checkpoints.map(() => 0);
    for (const item of items) this.pending[item.page] = (this.pending[item.page] ?? 0) + 1;
  }

  settle(item: CycleItem): void {
    if (this.settled.has(item)) return;
    this.settled.add(item);
    this.pending[item.page] = (this.pending[item.page] ?? 1) - 1;
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
