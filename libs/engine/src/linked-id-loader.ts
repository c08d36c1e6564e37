import type { LinkIndex, TablePair } from './link-index.js';
import type { TableRef } from './record.js';

const key = (ref: TableRef) => `${ref.adapter}\u0000${ref.table}`;

/**
 * Answers mappers' `ctx.linkedId` lookups. Lookups made in the same tick (a page mapped with
 * Promise.all) are coalesced: one LinkIndex query per table pair and direction, not one per record.
 */
export class LinkedIdLoader {
  private pending = new Map<string, { from: TableRef; to: TableRef; ids: Map<string, ((v: string | null) => void)[]> }>();
  private scheduled = false;
  private failures: ((err: unknown) => void)[] = [];
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly linkIndex: LinkIndex) {}

  linkedId(from: TableRef, to: TableRef, id: string): Promise<string | null> {
    const groupKey = `${key(from)}\u0001${key(to)}`;
    const cached = this.cache.get(`${groupKey}\u0001${id}`);
    if (cached !== undefined) return Promise.resolve(cached);
    return new Promise((resolve, reject) => {
      let group = this.pending.get(groupKey);
      if (!group) this.pending.set(groupKey, (group = { from, to, ids: new Map() }));
      const waiters = group.ids.get(id) ?? [];
      waiters.push(resolve);
      group.ids.set(id, waiters);
      this.failures.push(reject);
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const groups = [...this.pending.entries()];
    const failures = this.failures;
    this.pending = new Map();
    this.failures = [];
    this.scheduled = false;
    try {
      for (const [groupKey, group] of groups) {
        const ids = [...group.ids.keys()];
        const found = await this.lookup(group.from, group.to, ids);
        for (const [id, waiters] of group.ids) {
          const value = found.get(id) ?? null;
          this.cache.set(`${groupKey}\u0001${id}`, value);
          for (const resolve of waiters) resolve(value);
        }
      }
    } catch (err) {
      for (const reject of failures) reject(err);
    }
  }

  /** A link may be stored either way round, depending on which table was its job's source. */
  private async lookup(from: TableRef, to: TableRef, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const forward: TablePair = { source: from, dest: to };
    for (const link of await this.linkIndex.findLinks(forward, 'source', ids)) {
      if (!link.deletedAt) out.set(link.sourceId, link.destId);
    }
    const missing = ids.filter((id) => !out.has(id));
    if (missing.length > 0) {
      const backward: TablePair = { source: to, dest: from };
      for (const link of await this.linkIndex.findLinks(backward, 'dest', missing)) {
        if (!link.deletedAt) out.set(link.destId, link.sourceId);
      }
    }
    return out;
  }
}
