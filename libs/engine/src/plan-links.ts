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

/** The stored links of a set of ids, the live and most recent one per record. */
export interface LinkLookup {
  readonly bySourceId: ReadonlyMap<string, Link>;
  readonly byDestId: ReadonlyMap<string, Link>;
}

/** Finds the links of the given ids, one query per side and chunk of {@link LOOKUP_CHUNK}. */
export async function lookUpLinks(
  pair: TablePair, linkIndex: LinkIndex, ids: { readonly source: Iterable<string>; readonly dest: Iterable<string> },
): Promise<LinkLookup> {
  const found: Link[] = [];
  for (const side of ['source', 'dest'] as const) {
    const all = [...new Set(ids[side])];
    for (let i = 0; i < all.length; i += LOOKUP_CHUNK) {
      found.push(...(await linkIndex.findLinks(pair, side, all.slice(i, i + LOOKUP_CHUNK))));
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
  return { bySourceId, byDestId };
}

/** Plan phase 2: each pulled item's stored link (looked up before planning, for the whole run). */
export function storedLinksOf(view: MappedView, lookup: LinkLookup): StoredLinks {
  const ofItem = new Map<CycleItem, Link>();
  for (const item of view.items.source) {
    const link = lookup.bySourceId.get(item.record.id);
    if (link) ofItem.set(item, link);
  }
  for (const item of view.items.dest) {
    const link = lookup.byDestId.get(item.record.id);
    if (link) ofItem.set(item, link);
  }
  return { ofItem, bySourceId: lookup.bySourceId };
}
