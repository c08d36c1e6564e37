import type { Link } from './link-index.js';
import type { MergeWrite, PlannedOp } from './plan.js';
import type { Side } from './record.js';

/**
 * A side hash no mapped content has: the side counts as changed on the next run. Saved while a
 * merged link's partner write has not landed, so the target's own change is still carried over.
 */
export const MERGE_PENDING_HASH = 'merge-pending';

/**
 * Saves the links of field-merged pairs (`conflict_policy: field_merge`). Such a link gets two
 * partial writes, one per side, landing in any order, each knowing only its own target's new
 * content. The first to land saves the link with its target still *changed* (its hash pending,
 * the fields its partner carries at their last synced hash), so if the partner write fails the
 * next run carries that change over and loses nothing; the second saves both sides' new hashes.
 */
export class MergeLinks {
  private readonly landedFirst = new Map<string, { readonly target: Side; readonly link: Link }>();

  /**
   * The link to save for `op` (a merge write) that just landed, given `link` as built from its
   * origin's hash and its target's new content. Must be called in the order links are saved.
   */
  landed(op: PlannedOp & { readonly merge: MergeWrite }, link: Link): Link {
    const first = this.landedFirst.get(op.merge.key);
    if (first && first.target !== op.target) {
      this.landedFirst.delete(op.merge.key);
      return op.target === 'source' ? withSide(link, 'dest', first.link) : withSide(link, 'source', first.link);
    }
    this.landedFirst.set(op.merge.key, { target: op.target, link });
    return pending(link, op.target, op.merge.pending, op.link);
  }
}

/** `link` with `side`'s hash and fields taken from `from`. */
function withSide(link: Link, side: Side, from: Link): Link {
  return side === 'source'
    ? { ...link, sourceHash: from.sourceHash, sourceFields: from.sourceFields ?? null }
    : { ...link, destHash: from.destHash, destFields: from.destFields ?? null };
}

/** `link` with `side` marked changed: hash pending, the `keys` its partner write carries at their stored (last synced) hash. */
function pending(link: Link, side: Side, keys: readonly string[], stored: Link | null): Link {
  const fresh = (side === 'source' ? link.sourceFields : link.destFields) ?? {};
  const base = (side === 'source' ? stored?.sourceFields : stored?.destFields) ?? {};
  const fields: Record<string, string> = { ...fresh };
  for (const key of keys) {
    const old = base[key];
    if (old === undefined) delete fields[key]; // absent counts as changed
    else fields[key] = old;
  }
  return side === 'source'
    ? { ...link, sourceHash: MERGE_PENDING_HASH, sourceFields: fields }
    : { ...link, destHash: MERGE_PENDING_HASH, destFields: fields };
}
