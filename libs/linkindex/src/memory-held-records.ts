import type { TableRef } from '@syncframe/engine';

const SEP = '\u0000';

/**
 * Records held for edit settling (`settle_sec`), in memory: per job and side, each held record's
 * first held time. The `held_records` table of the memory driver (see `held-records.store.ts`).
 */
export class MemoryHeldRecords {
  /** `jobId ␀ adapter ␀ table` → record id → first held time (ISO). */
  private readonly bySide = new Map<string, Map<string, string>>();

  find(jobId: string, ref: TableRef, ids: readonly string[]): Map<string, string> {
    const held = this.bySide.get(sideKey(jobId, ref));
    const out = new Map<string, string>();
    if (!held) return out;
    for (const id of ids) {
      const since = held.get(id);
      if (since !== undefined) out.set(id, since);
    }
    return out;
  }

  hold(jobId: string, ref: TableRef, ids: readonly string[], at: Date): Map<string, string> {
    const key = sideKey(jobId, ref);
    let held = this.bySide.get(key);
    if (!held) this.bySide.set(key, (held = new Map()));
    const iso = at.toISOString();
    const out = new Map<string, string>();
    for (const id of ids) {
      if (!held.has(id)) held.set(id, iso);
      out.set(id, held.get(id)!);
    }
    return out;
  }

  release(jobId: string, ref: TableRef, ids: readonly string[]): void {
    const key = sideKey(jobId, ref);
    const held = this.bySide.get(key);
    if (!held) return;
    for (const id of ids) held.delete(id);
    if (held.size === 0) this.bySide.delete(key);
  }
}

function sideKey(jobId: string, ref: TableRef): string {
  return `${jobId}${SEP}${ref.adapter}${SEP}${ref.table}`;
}
