import type { Conflict } from './conflict.js';
import type { SyncJob } from './job.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import { mapperContext, mapperFor, mapRecord } from './map-items.js';
import type { PlanReads } from './plan-cycle.js';
import { keyOf, storedKey } from './plan-match.js';
import type { CycleItem } from './plan.js';
import type { PulledItem } from './pulled-records.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';

/** Pulled records planned (and then pushed) together: a run's memory grows with this, not with its changes. */
export const PLAN_CHUNK_ITEMS = 2000;

export interface PulledItems {
  readonly source: readonly PulledItem[];
  readonly dest: readonly PulledItem[];
}

/** Pulled items to plan together, with what planning reads for them. */
export interface PlanChunk {
  readonly items: PulledItems;
  readonly reads: PlanReads;
  /**
   * Groups of related records (as a chunk keeps together) of which one is held (`holds`, edit
   * settling): the whole group waits for a later run, neither planned nor settled, so its sides'
   * cursors stop before it and a held record's partner is never written over it.
   */
  readonly waiting: readonly (readonly PulledItem[])[];
}

/** Brings pulled items' records into memory (from the run's spool), in the same order. */
export type LoadPulled = (items: readonly PulledItem[]) => Promise<CycleItem[]>;

/**
 * Splits a run's pulled items into chunks that can be planned and pushed one after another, each
 * on its own. Records that planning decides together always share a chunk: the two records of a
 * link (a change on each side is a conflict, not two updates), the records of a conflict, and,
 * with `match`, records with the same key (paired within the run, or refused as a duplicate key);
 * keys are what the mappers make of the records, so a match job's records are loaded (`load`, a
 * chunk at a time) and mapped here once more. Chunks follow the pull order (page by page, both sides), so cursors move as chunks land.
 * A resolved conflict is applied by one chunk: the one holding its records, else the first.
 * There is always at least one chunk (resolved conflicts apply with nothing pulled).
 * A group with a record `holds` holds (edit settling) is in no chunk's items: it waits, whole, in
 * a chunk's `waiting`, and a resolved conflict of it is left for a later run.
 */
export async function planChunks(
  job: SyncJob, loader: LinkedIdLoader, items: PulledItems, reads: PlanReads, load: LoadPulled, size = PLAN_CHUNK_ITEMS,
  holds?: (item: PulledItem) => boolean,
): Promise<PlanChunk[]> {
  const order = pullOrder(items);
  const groups = new UnionFind(order.length);
  const related = [...reads.open, ...reads.resolved];
  // Index the pulled ids only when something can join two records (a first sync has no links).
  const indexOf: Record<Side, Map<string, number>> = { source: new Map(), dest: new Map() };
  if (reads.links.bySourceId.size > 0 || related.length > 0) order.forEach((item, i) => indexOf[item.side].set(item.id, i));
  const join = (a: number | undefined, b: number | undefined) => {
    if (a !== undefined && b !== undefined) groups.union(a, b);
  };
  if (reads.links.bySourceId.size > 0) {
    order.forEach((item, i) => {
      const link = item.side === 'source' ? reads.links.bySourceId.get(item.id) : reads.links.byDestId.get(item.id);
      if (link) join(i, item.side === 'source' ? indexOf.dest.get(link.destId) : indexOf.source.get(link.sourceId));
    });
  }
  for (const c of related) join(indexOf.source.get(c.sourceId), indexOf.dest.get(c.destId));
  if (job.match) {
    const firstWithKey = new Map<string, number>();
    for (let from = 0; from < order.length; from += size) {
      const keys = await matchKeys(job, loader, await load(order.slice(from, from + size)));
      keys.forEach((ofItem, k) => {
        for (const key of ofItem) {
          const first = firstWithKey.get(key);
          if (first === undefined) firstWithKey.set(key, from + k);
          else groups.union(first, from + k);
        }
      });
    }
  }

  // Each group at the place of its first record, its records in pull order; chunks cut between groups.
  const first = new Int32Array(order.length).fill(-1);
  order.forEach((_, i) => {
    const root = groups.find(i);
    if (first[root] === -1) first[root] = i;
  });
  const at = Int32Array.from({ length: order.length }, (_, i) => first[groups.find(i)]!);
  const placed = Int32Array.from({ length: order.length }, (_, i) => i).sort((a, b) => at[a]! - at[b]! || a - b);
  const waits = new Set<number>();
  if (holds) {
    order.forEach((item, i) => {
      if (holds(item)) waits.add(groups.find(i));
    });
  }
  const chunkItems: PulledItem[][] = [[]];
  const chunkOfRoot = new Map<number, number>();
  const waiting = new Map<number, { chunk: number; items: PulledItem[] }>();
  for (const i of placed) {
    const root = groups.find(i);
    if (waits.has(root)) {
      let group = waiting.get(root);
      if (!group) waiting.set(root, (group = { chunk: chunkItems.length - 1, items: [] }));
      group.items.push(order[i]!);
      continue;
    }
    let current = chunkItems[chunkItems.length - 1]!;
    if (!chunkOfRoot.has(root)) {
      if (current.length >= size) chunkItems.push((current = []));
      if (groups.sizeOf(root) > 1) chunkOfRoot.set(root, chunkItems.length - 1);
    }
    current.push(order[i]!);
  }
  const conflictAt = (c: Conflict) => indexOf.source.get(c.sourceId) ?? indexOf.dest.get(c.destId);
  const resolvedOf = chunkItems.map((): Conflict[] => []);
  for (const c of reads.resolved) {
    const at = conflictAt(c);
    if (at !== undefined && waits.has(groups.find(at))) continue; // stays resolved; applied when its records stop waiting
    resolvedOf[at === undefined ? 0 : chunkOfRoot.get(groups.find(at)) ?? chunkIndexOf(chunkItems, order[at]!)]!.push(c);
  }
  const waitingOf = chunkItems.map((): PulledItem[][] => []);
  for (const group of waiting.values()) waitingOf[group.chunk]!.push(group.items);
  return chunkItems.map((list, k) => ({
    items: { source: list.filter((i) => i.side === 'source'), dest: list.filter((i) => i.side === 'dest') },
    reads: { links: reads.links, open: reads.open, resolved: resolvedOf[k]! },
    waiting: waitingOf[k]!,
  }));
}

/** The chunk holding `item` (a record alone in its group; rare: a resolved conflict with one record pulled). */
function chunkIndexOf(chunks: readonly PulledItem[][], item: PulledItem): number {
  return Math.max(0, chunks.findIndex((c) => c.includes(item)));
}

/** Both sides' items page by page (a page of the source, then the dest's page of the same number). */
function pullOrder(items: PulledItems): PulledItem[] {
  const out: PulledItem[] = [];
  const at = { source: 0, dest: 0 };
  let pages = 0;
  for (const side of SIDES) for (const item of items[side]) pages = Math.max(pages, item.page + 1);
  for (let page = 0; page < pages; page++) {
    for (const side of SIDES) {
      const list = items[side];
      while (at[side] < list.length && list[at[side]]!.page <= page) out.push(list[at[side]++]!);
    }
  }
  for (const side of SIDES) while (at[side] < items[side].length) out.push(items[side][at[side]++]!);
  return out;
}

/**
 * Every key a record may be matched or compared by, in the field space of the side it names:
 * its own raw key and what its mapper makes of it on the other side (as that side stores it).
 */
async function matchKeys(job: SyncJob, loader: LinkedIdLoader, order: readonly CycleItem[]): Promise<string[][]> {
  const match = job.match!;
  const field = { source: match.source, dest: match.dest };
  const ctx = { source: mapperContext(job, 'source', loader), dest: mapperContext(job, 'dest', loader) };
  return Promise.all(order.map(async (item) => {
    const own = item.side;
    const other: Side = own === 'source' ? 'dest' : 'source';
    const keys: string[] = [];
    const raw = keyOf(item.record.fields[field[own]]);
    if (raw !== null) keys.push(`${own}\u0000${raw}`);
    if (!item.record.deleted) {
      const outcome = await mapRecord(mapperFor(job, own), item.record, ctx[own]);
      const mapped = outcome.ok && outcome.mapped ? storedKey(job, other, field[other], keyOf(outcome.mapped.fields[field[other]])) : null;
      if (mapped !== null) keys.push(`${other}\u0000${mapped}`);
    }
    return keys;
  }));
}

/** Disjoint sets of indices (path halving, union by size). */
class UnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
    this.size = new Int32Array(n).fill(1);
  }

  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }

  sizeOf(root: number): number {
    return this.size[root]!;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
  }
}
