import type { Conflict } from './conflict.js';
import type { Link, LinkIndex, TablePair } from './link-index.js';
import type { CycleItem } from './plan.js';
import type { MappedView } from './plan-decisions.js';
import { LOOKUP_CHUNK } from './plan-decisions.js';

/** The stored links of the pulled items (and of the records of open or resolved conflicts). */
export interface StoredLinks {
  /** Each pulled item's link, if it has one. */
  readonly ofItem: ReadonlyMap<CycleItem, Link>;
  readonly bySourceId: ReadonlyMap<string, Link>;
}

/**
 * Plan phase 2: finds the links of all pulled ids (and of the conflicts' records), one query per
 * side and chunk.
 */
export async function findStoredLinks(
  pair: TablePair, linkIndex: LinkIndex, view: MappedView, conflicts: readonly Conflict[],
): Promise<StoredLinks> {
  const sourceIds = new Set([...view.bySide.source.keys(), ...conflicts.map((c) => c.sourceId)]);
  const destIds = new Set([...view.bySide.dest.keys(), ...conflicts.map((c) => c.destId)]);
  const found: Link[] = [];
  for (const [side, ids] of [['source', [...sourceIds]], ['dest', [...destIds]]] as const) {
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      found.push(...(await linkIndex.findLinks(pair, side, ids.slice(i, i + LOOKUP_CHUNK))));
    }
  }
  // A record should have one link; if history left several, the live and most recent one counts.
  const rank = (l: Link) => `${l.deletedAt ? 0 : 1}${l.syncedAt}`;
  const best = (m: Map<string, Link>, id: string, l: Link) => {
    const cur = m.get(id);
    if (!cur || rank(l) > rank(cur)) m.set(id, l);
  };
  const bySourceId = new Map<string, Link>();
  const byDestId = new Map<string, Link>();
  for (const l of found) {
    best(bySourceId, l.sourceId, l);
    best(byDestId, l.destId, l);
  }
  const ofItem = new Map<CycleItem, Link>();
  for (const item of view.items.source) {
    const link = bySourceId.get(item.record.id);
    if (link) ofItem.set(item, link);
  }
  for (const item of view.items.dest) {
    const link = byDestId.get(item.record.id);
    if (link) ofItem.set(item, link);
  }
  return { ofItem, bySourceId };
}
