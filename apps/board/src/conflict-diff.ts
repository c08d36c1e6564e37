import type { JobConfig } from '@syncframe/config';
import type { Conflict, Fields, LinkIndex, MapperContext, MapperFn, Side, SyncRecord, TableRef } from '@syncframe/engine';
import { canonicalJson, changedFields, ReferenceNotLinkedError } from '@syncframe/engine';
import { sideRef } from '@syncframe/fleet';

/** A mapper that has not answered by then is given up for the comparison (the page must not hang). */
export const DIFF_MAPPER_TIMEOUT_MS = 2000;

/** The job's names for its two sides (the config's `sides` keys); `source`/`dest` for a job no longer configured. */
export interface SideNames {
  readonly source: string;
  readonly dest: string;
}

/** The side names of `jobId` in the config. */
export function sideNamesOf(jobs: readonly JobConfig[], jobId: string): SideNames {
  const job = jobs.find((j) => j.id === jobId);
  return job ? { source: job.source.name, dest: job.dest.name } : { source: 'source', dest: 'dest' };
}

/** One field of the comparison. */
export interface DiffRow {
  /** The field's name, as the side named in its group calls it. */
  readonly field: string;
  /** The source side's value: raw, or mapped onto the destination's field (`keep-source` group). */
  readonly source: unknown;
  /** The destination side's value: raw, or mapped onto the source's field (`keep-dest` group). */
  readonly dest: unknown;
  /** Whether each record has a value under this name (after mapping, for the mapped side). */
  readonly present: { readonly source: boolean; readonly dest: boolean };
  /** The values differ as the engine compares them (empty values — "", false, [], null — are equal to absent). */
  readonly differs: boolean;
}

/**
 * - `keep-source`: the destination's fields; source values are the source record mapped by the
 *   job's source→dest mapper. The rows that differ are what "keep source" writes.
 * - `keep-dest`: the source's fields; dest values are the dest record mapped by dest→source.
 * - `both`: mappers that hand every field over unchanged (same names, same values): one table of
 *   both records' fields, a field one record lacks counting as empty there.
 * - `by-name`: raw fields compared by name, when the mappers could not be used (see `note`).
 * - `only-source` / `only-dest`: raw fields of one record that no mapping writes (not synced).
 */
export type DiffGroupKind = 'keep-source' | 'keep-dest' | 'both' | 'by-name' | 'only-source' | 'only-dest';

export interface DiffGroup {
  readonly kind: DiffGroupKind;
  readonly rows: readonly DiffRow[];
}

/** The two records of a conflict, field by field. */
export interface ConflictDiff {
  readonly sides: SideNames;
  /** `mapped`: through the job's mappers (what the keep buttons would write); `by-name`: raw field names. */
  readonly mode: 'mapped' | 'by-name';
  /** Why the comparison is by name, or what else to know (a deleted record). */
  readonly notes: readonly string[];
  readonly groups: readonly DiffGroup[];
  /** Names of the fields that differ (mapped: in the groups' own naming). */
  readonly differing: readonly string[];
}

const hasOwn = (fields: Fields, key: string) => Object.prototype.hasOwnProperty.call(fields, key) && fields[key] !== undefined;
const differs = (a: unknown, b: unknown) => changedFields({ v: a }, { v: b }).length > 0;

function row(field: string, source: Fields, dest: Fields): DiffRow {
  const present = { source: hasOwn(source, field), dest: hasOwn(dest, field) };
  return { field, source: source[field], dest: dest[field], present, differs: differs(source[field], dest[field]) };
}

/** Raw fields compared by name: the union of both records' field names, source's order first. */
export function diffByName(source: Fields, dest: Fields): DiffRow[] {
  const names = [...new Set([...Object.keys(source), ...Object.keys(dest)])];
  return names.map((f) => {
    const r = row(f, source, dest);
    // A field only one record has is listed, not flagged: its name may simply differ on the other side.
    return r.present.source && r.present.dest ? r : { ...r, differs: false };
  });
}

const sameRefs = (a: TableRef, b: TableRef) => a.adapter === b.adapter && a.table === b.table;

/** Runs `mapper` as the engine would for the comparison: a copy of the record, a linked-id lookup, a timeout. */
async function mapForDiff(mapper: MapperFn, record: SyncRecord, ctx: MapperContext, label: string): Promise<{ fields: Fields } | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the ${label} mapper did not answer within ${DIFF_MAPPER_TIMEOUT_MS} ms`), DIFF_MAPPER_TIMEOUT_MS);
  });
  try {
    const out: unknown = await Promise.race([Promise.resolve().then(() => mapper({ ...record, fields: { ...record.fields } }, ctx)), timeout]);
    if (typeof out === 'string') return out;
    if (out === null) return `the ${label} mapper skips this record (returns null)`;
    const fields = typeof out === 'object' && !Array.isArray(out) ? (out as { fields?: unknown }).fields : undefined;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return `the ${label} mapper returned no fields`;
    if ((out as { deleted?: unknown }).deleted === true) return `the ${label} mapper maps this record to a delete`;
    return { fields: Object.fromEntries(Object.entries(fields as Fields).filter(([, v]) => v !== undefined)) };
  } catch (err) {
    return `the ${label} mapper threw: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

function mapperContextFor(store: LinkIndex, job: JobConfig, from: Side): MapperContext {
  const refs = { source: sideRef(job.source), dest: sideRef(job.dest) };
  const linkedId = async (f: TableRef, t: TableRef, id: string): Promise<string | null> => {
    // Links are stored either way round, depending on which table was its job's source.
    const forward = (await store.findLinks({ source: f, dest: t }, 'source', [id])).find((l) => !l.deletedAt);
    if (forward) return forward.destId;
    const backward = (await store.findLinks({ source: t, dest: f }, 'dest', [id])).find((l) => !l.deletedAt);
    return backward ? backward.sourceId : null;
  };
  return {
    jobId: job.id,
    from: from === 'source' ? refs.source : refs.dest,
    to: from === 'source' ? refs.dest : refs.source,
    linkedId,
    requireLinkedId: async (f, t, id) => {
      const linked = await linkedId(f, t, id);
      if (linked === null) throw new ReferenceNotLinkedError(f.table, id);
      return linked;
    },
  };
}

/**
 * Compares a conflict's two records. With the job in the config (same tables as when the conflict
 * was recorded), each record is mapped onto the other side's fields by the job's own mappers, as
 * the engine does: the rows that differ are exactly what "keep source" (or "keep dest") would
 * write. Otherwise, or when a mapper fails on the record, the raw fields are compared by name.
 * Mapper messages may quote record data; `scrub` cleans them of configured secrets.
 */
export async function diffConflict(
  conflict: Conflict, jobs: readonly JobConfig[], store: LinkIndex, scrub: (text: string) => string = (t) => t,
): Promise<ConflictDiff> {
  const job = jobs.find((j) => j.id === conflict.jobId);
  const sides = job ? { source: job.source.name, dest: job.dest.name } : { source: 'source', dest: 'dest' };
  const src = conflict.sourcePayload;
  const dst = conflict.destPayload;
  const notes: string[] = [];
  if (src.deleted) notes.push(`${sides.source}'s record is deleted: keeping it deletes ${sides.dest}'s`);
  if (dst.deleted) notes.push(`${sides.dest}'s record is deleted: keeping it deletes ${sides.source}'s`);

  const byName = (reason: string | null): ConflictDiff => {
    if (reason) notes.push(`compared by field name: ${scrub(reason)}`);
    const rows = diffByName(src.fields, dst.fields);
    return { sides, mode: 'by-name', notes, groups: [{ kind: 'by-name', rows }], differing: rows.filter((r) => r.differs).map((r) => r.field) };
  };
  if (!job) return byName(`job "${conflict.jobId}" is no longer in the config, so its mappers are unknown`);
  if (!sameRefs(sideRef(job.source), conflict.pair.source) || !sameRefs(sideRef(job.dest), conflict.pair.dest)) {
    return byName('the job\'s tables changed in the config since this conflict was recorded');
  }
  if (src.deleted || dst.deleted) return byName(null);

  const [toDest, toSource] = await Promise.all([
    mapForDiff(job.mappers.toDest, src, mapperContextFor(store, job, 'source'), `${sides.source}→${sides.dest}`),
    mapForDiff(job.mappers.toSource, dst, mapperContextFor(store, job, 'dest'), `${sides.dest}→${sides.source}`),
  ]);
  if (typeof toDest === 'string') return byName(toDest);
  if (typeof toSource === 'string') return byName(toSource);

  // Mappers that hand every field over as it is (same names, same values): one table of the union.
  if (canonicalJson(toDest.fields) === canonicalJson(src.fields) && canonicalJson(toSource.fields) === canonicalJson(dst.fields)) {
    const rows = [...new Set([...Object.keys(src.fields), ...Object.keys(dst.fields)])].map((f) => row(f, src.fields, dst.fields));
    return { sides, mode: 'mapped', notes, groups: [{ kind: 'both', rows }], differing: rows.filter((r) => r.differs).map((r) => r.field) };
  }
  // Keep source writes toDest(src) onto the dest record: its rows are in the dest's field names.
  const keepSource = Object.keys(toDest.fields).map((f) => row(f, toDest.fields, dst.fields));
  // Keep dest writes toSource(dst) onto the source record: rows in the source's field names.
  const keepDest = Object.keys(toSource.fields).map((f) => row(f, src.fields, toSource.fields));
  const onlySource = Object.keys(src.fields).filter((f) => !hasOwn(toSource.fields, f)).map((f) => row(f, src.fields, {}));
  const onlyDest = Object.keys(dst.fields).filter((f) => !hasOwn(toDest.fields, f)).map((f) => row(f, {}, dst.fields));
  const groups: DiffGroup[] = [{ kind: 'keep-source', rows: keepSource }, { kind: 'keep-dest', rows: keepDest }];
  if (onlySource.length > 0) groups.push({ kind: 'only-source', rows: onlySource.map((r) => ({ ...r, differs: false })) });
  if (onlyDest.length > 0) groups.push({ kind: 'only-dest', rows: onlyDest.map((r) => ({ ...r, differs: false })) });
  const differing = [...new Set(groups.flatMap((g) => g.rows.filter((r) => r.differs).map((r) => r.field)))];
  return { sides, mode: 'mapped', notes, groups, differing };
}
