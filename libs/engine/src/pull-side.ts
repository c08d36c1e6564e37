import type { CycleItem } from './plan.js';
import type { Cursor, Side, SyncRecord } from './record.js';
import type { RetryContext } from './retry.js';
import { withRetries } from './retry.js';
import type { SourceAdapter } from './source-adapter.js';

export interface PulledSide {
  readonly items: CycleItem[];
  /** The cursor to save after page i, for each page i. */
  readonly checkpoints: Cursor[];
}

/**
 * Pulls every page of a side's changes since `cursor` (on a transient error, retrying from the
 * last page received). A record seen on several pages is kept once, in its newest version and at its
 * last page, so its cursor is never saved before that version is applied.
 */
export async function pullSide(
  side: Side, adapter: SourceAdapter, cursor: Cursor, retry: RetryContext,
  onPage?: (records: number) => void,
): Promise<PulledSide> {
  const pages: { records: readonly SyncRecord[]; cursor: Cursor }[] = [];
  await withRetries(retry, async () => {
    // A retry resumes after the last page received: that page's cursor is safe to pull from.
    const from = pages.length > 0 ? pages[pages.length - 1]!.cursor : cursor;
    for await (const page of adapter.pull(from, { throttle: retry.throttle, ...(retry.signal ? { signal: retry.signal } : {}) })) {
      pages.push(page);
      onPage?.(page.records.length);
    }
  });
  const latest = new Map<string, { record: SyncRecord; page: number }>();
  pages.forEach((page, i) => {
    for (const record of page.records) {
      latest.delete(record.id); // re-insert so iteration order follows the newest occurrence
      latest.set(record.id, { record, page: i });
    }
  });
  const items: CycleItem[] = [...latest.values()].map(({ record, page }) => ({ side, record, page }));
  return { items, checkpoints: pages.map((p) => p.cursor) };
}
