import type { Cursor, Link, Side, TablePair, TableRef } from '@syncframe/engine';
import { MemoryLinkStore } from '@syncframe/linkindex';

/**
 * The production in-memory LinkIndex (`MemoryLinkStore`, the `memory` driver's store) with a log
 * of the calls tests assert on: that the engine batches its lookups and saves. Lost with the process.
 */
export class InMemoryLinkIndex extends MemoryLinkStore {
  /**
   * Every logged call, by method name. The overrides return the store's own promise (no extra
   * `async` hop), so lookups coalesce exactly as they do against the production store.
   */
  readonly calls: { method: string; size: number }[] = [];

  override findLinks(pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
    this.calls.push({ method: 'findLinks', size: ids.length });
    return super.findLinks(pair, side, ids);
  }

  override upsertLinks(pair: TablePair, links: readonly Link[]): Promise<void> {
    this.calls.push({ method: 'upsertLinks', size: links.length });
    return super.upsertLinks(pair, links);
  }

  override saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
    this.calls.push({ method: 'saveCursor', size: 1 });
    return super.saveCursor(jobId, ref, cursor);
  }

  /** Every link of a pair. */
  allLinks(pair: TablePair): Link[] {
    return [...this.pairLinks(pair).values()].map((link) => structuredClone(link));
  }
}
