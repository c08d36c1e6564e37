import { fieldHash, fieldHashes } from './content-hash.js';
import type { FieldConflict, SyncJob } from './job.js';
import type { Link } from './link-index.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import { mapperContext, mapRecord } from './map-items.js';
import type { MappedItem } from './plan-decisions.js';
import type { Fields, Side } from './record.js';

/** What `conflict_policy: field_merge` makes of a link whose two records both changed. */
export type FieldMerge =
  | {
    readonly kind: 'merge';
    /** Destination fields to write (the source's changes). */
    readonly toDest: Fields;
    /** Source fields to write (the destination's changes). */
    readonly toSource: Fields;
    /** Source-side names of the fields changed on both sides to different values (won by `winner`). */
    readonly conflicting: readonly string[];
    /** The newer side, which won the conflicting fields; null when there were none. */
    readonly winner: Side | null;
  }
  /** `field_conflict: manual` and some field changed on both sides: a person decides. */
  | { readonly kind: 'manual'; readonly fields: readonly string[] };

/**
 * Compares each field of both records' mapped content with its hash as last synced (the link's
 * `sourceFields`, `destFields`). A field changed on one side only goes to the other side; a field
 * changed on both sides to different values is a conflict, settled by `fieldConflict`.
 *
 * Mappers may rename, split or join fields, so which source field a destination field lands on
 * is found by asking the mapper: for each changed destination field `k` of the source's mapping,
 * the destination record with `k` set to the source's value is mapped back; the source fields
 * whose value that changes are where `k` lands. `k` conflicts when any of them changed on the
 * destination too; equal values on both sides change nothing, so they never conflict.
 *
 * Returns null when the link has no field hashes (synced before the job used field_merge, or
 * linked by `match` this run): the whole record is then compared as before.
 */
export async function planFieldMerge(
  job: SyncJob, loader: LinkedIdLoader, link: Link, s: MappedItem, d: MappedItem,
): Promise<FieldMerge | null> {
  if (!link.sourceFields || !link.destFields) return null;
  const a = s.mapped.fields;
  const b = d.mapped.fields;
  const srcChanged = changedKeys(a, link.sourceFields);
  const dstChanged = new Set(changedKeys(b, link.destFields));
  // A key the mapper no longer gives has nothing to write (and nothing to overwrite with).
  const srcWritable = srcChanged.filter((k) => a[k] !== undefined);
  const ctx = mapperContext(job, 'dest', loader);
  const landsOn = await Promise.all(srcWritable.map(async (k): Promise<string[]> => {
    if (dstChanged.size === 0) return [];
    const probe = { ...d.item.record, fields: { ...d.item.record.fields, [k]: a[k] } };
    const outcome = await mapRecord(job.mappers.toSource, probe, ctx);
    // Where `k` lands is unknown: it may touch any field the destination changed.
    if (!outcome.ok || !outcome.mapped || outcome.mapped.deleted) return [...dstChanged];
    return changedKeys(outcome.mapped.fields, d.fieldHashes ?? fieldHashes(b)).filter((j) => dstChanged.has(j));
  }));
  const conflictingKeys = srcWritable.filter((_, i) => landsOn[i]!.length > 0);
  const conflicting = [...new Set(landsOn.flat())].sort();
  const pick = (fields: Fields, keys: Iterable<string>) => Object.fromEntries([...keys].filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]]));
  if (conflicting.length === 0) {
    return { kind: 'merge', toDest: pick(a, srcWritable), toSource: pick(b, dstChanged), conflicting, winner: null };
  }
  if (fieldConflictOf(job) === 'manual') return { kind: 'manual', fields: conflicting };
  // last_writer_wins per field: the newer modification wins; a tie goes to the source side, as for whole records.
  const winner: Side = Date.parse(d.item.record.updatedAt) > Date.parse(s.item.record.updatedAt) ? 'dest' : 'source';
  const lost = new Set<string>(winner === 'source' ? conflicting : conflictingKeys);
  return {
    kind: 'merge',
    toDest: pick(a, srcWritable.filter((k) => winner === 'source' || !lost.has(k))),
    toSource: pick(b, [...dstChanged].filter((j) => winner === 'dest' || !lost.has(j))),
    conflicting,
    winner,
  };
}

export function fieldConflictOf(job: SyncJob): FieldConflict {
  return job.fieldConflict ?? 'last_writer_wins';
}

/** Keys of `fields` or `base` whose value hash differs from `base`'s (a key missing on either side counts as changed). */
function changedKeys(fields: Fields, base: Readonly<Record<string, string>>): string[] {
  const keys = new Set([...Object.keys(fields).filter((k) => fields[k] !== undefined), ...Object.keys(base)]);
  return [...keys].filter((k) => fields[k] === undefined || base[k] === undefined || fieldHash(fields[k]) !== base[k]).sort();
}
