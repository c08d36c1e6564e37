import type { PulledItem, PulledRecords } from './pulled-records.js';
import type { Cursor, Side } from './record.js';
import type { RetryContext } from './retry.js';
import { withRetries } from './retry.js';
import type { SourceAdapter } from './source-adapter.js';

export interface PulledSide {
  /** Each record pulled, once; its record in memory or in the run's spool ({@link PulledRecords}). */
  readonly items: PulledItem[];
  /** The cursor to save after page i, for each page i. */
  readonly checkpoints: Cursor[];
}

/**
 * Pulls every page of a side's changes since `cursor` (on a transient error, retrying from the
 * last page received), handing each page's records to `records` as it arrives. A record seen on
 * several pages is kept once, in its newest version and at its last page, so its cursor is never
 * saved before that version is applied.
 */
export async function pullSide(
  side: Side, adapter: SourceAdapter, cursor: Cursor, retry: RetryContext, records: PulledRecords,
  onPage?: (records: number) => void,
): Promise<PulledSide> {
  const pages: { items: PulledItem[]; cursor: Cursor }[] = [];
  await withRetries(retry, async () => {
    // A retry resumes after the last page received: that page's cursor is safe to pull from.
    const from = pages.length > 0 ? pages[pages.length - 1]!.cursor : cursor;
    for await (const page of adapter.pull(from, { throttle: retry.throttle, ...(retry.signal ? { signal: retry.signal } : {}) })) {
      pages.push({ items: await records.add(side, pages.length, page.records), cursor: page.cursor });
      onPage?.(page.records.length);
    }
  });
  const latest = new Map<string, PulledItem>();
  for (const page of pages) {
    for (const item of page.items) {
      latest.delete(item.id); // re-insert so iteration order follows the newest occurrence
      latest.set(item.id, item);
    }
  }
  return { items: [...latest.values()], checkpoints: pages.map((p) => p.cursor) };
}
