import { contentHash, fieldHashes } from './content-hash.js';
import { isReferenceNotLinkedError, ReferenceNotLinkedError } from './errors/reference-not-linked-error.js';
import type { SyncJob } from './job.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import type { MappedRecord, MapperContext, MapperFn } from './mapper.js';
import type { CycleItem } from './plan.js';
import type { MappedItem, MappedView, PhaseDecisions, PlanInput } from './plan-decisions.js';
import { PhaseLog } from './plan-decisions.js';
import type { Side, SyncRecord } from './record.js';
import { SIDES } from './record.js';

/** What a deleted record maps to: no fields, the delete flag. */
export const DELETED_MAPPING: MappedRecord = Object.freeze({ fields: Object.freeze({}), deleted: true });
export const DELETED_HASH = contentHash(DELETED_MAPPING);

export type MapOutcome =
  | { readonly ok: true; readonly mapped: MappedRecord; readonly hash: string }
  | { readonly ok: true; readonly mapped: null; readonly hash: null }
  | { readonly ok: false; readonly reason: string };

/** The mapper for records pulled from `side`. */
export function mapperFor(job: SyncJob, side: Side): MapperFn {
  return side === 'source' ? job.mappers.toDest : job.mappers.toSource;
}

export function mapperContext(job: SyncJob, side: Side, loader: LinkedIdLoader): MapperContext {
  const from = (side === 'source' ? job.source : job.dest).adapter.ref;
  const to = (side === 'source' ? job.dest : job.source).adapter.ref;
  return {
    jobId: job.id, from, to,
    linkedId: (f, t, id) => loader.linkedId(f, t, id),
    requireLinkedId: async (f, t, id) => {
      const linked = await loader.linkedId(f, t, id);
      if (linked === null) throw new ReferenceNotLinkedError(f.table, id);
      return linked;
    },
  };
}

/**
 * Maps one record through its direction's mapper. A deleted record is not mapped (its delete is
 * the whole change). A mapper that throws or returns something that is not `{ fields, deleted? }`
 * fails for this record alone.
 */
export async function mapRecord(mapper: MapperFn, record: SyncRecord, ctx: MapperContext): Promise<MapOutcome> {
  if (record.deleted) return { ok: true, mapped: DELETED_MAPPING, hash: DELETED_HASH };
  let out: unknown;
  try {
    // A copy the mapper may change freely (its top level: mappers build new objects, they rarely edit nested ones).
    out = await mapper({ ...record, fields: { ...record.fields } }, ctx);
  } catch (err) {
    if (isReferenceNotLinkedError(err)) return { ok: false, reason: err.message };
    return { ok: false, reason: `mapper threw: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (out === null) return { ok: true, mapped: null, hash: null };
  const invalid = validateMapped(out);
  if (invalid) return { ok: false, reason: `mapper returned an invalid record: ${invalid}` };
  const mapped = out as MappedRecord;
  if (mapped.deleted) return { ok: true, mapped: DELETED_MAPPING, hash: DELETED_HASH };
  const clean: MappedRecord = { fields: stripUndefined(mapped.fields) };
  let hash: string;
  try {
    hash = contentHash(clean);
  } catch {
    return { ok: false, reason: 'mapper returned an invalid record: "fields" is not serialisable' };
  }
  return { ok: true, mapped: clean, hash };
}

/**
 * Plan phase 1: maps every pulled record once. Records the mapper skips (null) or fails on are
 * decided here; the rest make up the mapped view every later phase reads.
 */
export async function mapCycleItems(
  job: PlanInput['job'], loader: LinkedIdLoader, items: PlanInput['items'],
): Promise<{ view: MappedView; decisions: PhaseDecisions }> {
  const log = new PhaseLog(new Set());
  const mapped = new Map<CycleItem, MappedItem>();
  const mapFailed = new Set<CycleItem>();
  for (const side of SIDES) {
    const mapper = mapperFor(job, side);
    const ctx = mapperContext(job, side, loader);
    const outcomes = await Promise.all(items[side].map((item) => mapRecord(mapper, item.record, ctx)));
    outcomes.forEach((outcome, i) => {
      const item = items[side][i]!;
      if (!outcome.ok) {
        mapFailed.add(item);
        log.fail(item, 'map', outcome.reason);
      } else if (outcome.mapped === null) {
        log.decide(item, { action: 'skip', reason: 'the mapper returned null' });
      } else {
        const fieldMerge = job.conflictPolicy === 'field_merge' ? { fieldHashes: fieldHashes(outcome.mapped.fields) } : {};
        mapped.set(item, { item, mapped: outcome.mapped, hash: outcome.hash, ...fieldMerge });
      }
    });
  }
  const bySide = {
    source: new Map(items.source.map((i) => [i.record.id, i])),
    dest: new Map(items.dest.map((i) => [i.record.id, i])),
  };
  return { view: { items, bySide, mapped, mapFailed }, decisions: log.done() };
}

function validateMapped(out: unknown): string | null {
  if (typeof out !== 'object' || out === null || Array.isArray(out)) return 'expected { fields, deleted? } or null';
  const { fields, deleted, ...rest } = out as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `unexpected key "${extra[0]}" (a mapper returns { fields, deleted? })`;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return '"fields" must be an object';
  if (deleted !== undefined && typeof deleted !== 'boolean') return '"deleted" must be a boolean';
  // Serialisable or not is found while hashing (a BigInt, a cycle).
  return null;
}

/** The fields without undefined values (absent and undefined are the same content); as given when there are none. */
function stripUndefined(fields: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(fields)) {
    if (fields[key] !== undefined) continue;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
    return out;
  }
  return fields;
}
