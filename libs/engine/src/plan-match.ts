import { isContainedIn } from './field-diff.js';
import type { SyncJob } from './job.js';
import { jobSide } from './job.js';
import type { Link } from './link-index.js';
import type { CycleItem } from './plan.js';
import type { MappedItem, MappedView, PhaseDecisions, PlanInput } from './plan-decisions.js';
import { LOOKUP_CHUNK, newLink, PhaseLog } from './plan-decisions.js';
import type { Side, SyncRecord } from './record.js';
import { otherSide, SIDES } from './record.js';

/**
 * Plan phase 4 (with `match`): two new records, one on each side, with the same key are the same
 * item, linked before anything is created. Returns the new links, each under both its items.
 */
export function pairWithinCycle(
  { job, now }: Pick<PlanInput, 'job' | 'now'>, view: MappedView, links: ReadonlyMap<CycleItem, Link>,
  decided: ReadonlySet<CycleItem>,
): ReadonlyMap<CycleItem, Link> {
  const match = job.match!;
  const paired = new Map<CycleItem, Link>();
  const unlinked = (item: CycleItem) => !decided.has(item) && !links.has(item) && view.mapped.has(item);
  const destByKey = new Map<string, CycleItem>();
  for (const item of view.items.dest) {
    if (!unlinked(item) || item.record.deleted) continue;
    const key = keyOf(item.record.fields[match.dest]);
    if (key !== null && !destByKey.has(key)) destByKey.set(key, item);
  }
  for (const item of view.items.source) {
    const m = view.mapped.get(item);
    if (!unlinked(item) || !m || m.mapped.deleted) continue;
    const key = storedKey(job, 'dest', match.dest, keyOf(m.mapped.fields[match.dest]));
    const partner = key === null ? undefined : destByKey.get(key);
    if (!partner) continue;
    destByKey.delete(key!);
    const link = newLink(item.record.id, partner.record.id, now());
    paired.set(item, link);
    paired.set(partner, link);
  }
  return paired;
}

/**
 * Plan phase 6: every item still undecided is new. A deleted one is skipped; the rest are created on
 * the other side; with `match`, the other side is first searched by key (`findByField`), and a
 * record found there is linked (and updated if needed) instead of duplicated.
 */
export async function planCreates(input: PlanInput, view: MappedView, decided: ReadonlySet<CycleItem>): Promise<PhaseDecisions> {
  const log = new PhaseLog(decided);
  for (const side of SIDES) {
    const candidates: MappedItem[] = [];
    for (const item of view.items[side]) {
      if (log.has(item)) continue;
      const m = view.mapped.get(item)!;
      if (m.mapped.deleted) {
        log.decide(item, { action: 'skip', target: null, reason: 'deleted before it was ever synced' });
        continue;
      }
      candidates.push(m);
    }
    if (input.job.match) await planMatchedCreates(input, log, side, candidates);
    else for (const from of candidates) log.write(createOp(from));
  }
  return log.done();
}

const createOp = (from: MappedItem, matchKey?: string) => ({
  from, kind: 'create', targetId: null, link: null, targetRecord: null, settles: [from.item],
  ...(matchKey !== undefined ? { matchKey } : {}),
} as const);

async function planMatchedCreates(input: PlanInput, log: PhaseLog, side: Side, candidates: readonly MappedItem[]): Promise<void> {
  const { job, pair, linkIndex, findByField } = input;
  const to = otherSide(side);
  const field = to === 'source' ? job.match!.source : job.match!.dest;
  const byKey = new Map<string, MappedItem>();
  const keyless: MappedItem[] = [];
  for (const m of candidates) {
    const key = storedKey(job, to, field, keyOf(m.mapped.fields[field]));
    if (key === null) keyless.push(m);
    else if (byKey.has(key)) {
      log.fail(m.item, 'match', `another record in this run (${byKey.get(key)!.item.record.id}) has the same match key "${key}"`);
    } else byKey.set(key, m);
  }
  const keys = [...byKey.keys()];
  const existing = new Map<string, SyncRecord>();
  // One call with every key: the adapter sizes its own requests (a remote that cannot filter
  // by the field then scans its table once, not once per chunk).
  for (const rec of keys.length > 0 ? await findByField(to, field, keys) : []) {
    const key = keyOf(rec.fields[field]);
    if (key !== null && !existing.has(key)) existing.set(key, rec);
  }
  const foundIds = [...existing.values()].map((r) => r.id);
  const taken = new Map<string, Link>();
  for (let i = 0; i < foundIds.length; i += LOOKUP_CHUNK) {
    for (const l of await linkIndex.findLinks(pair, to, foundIds.slice(i, i + LOOKUP_CHUNK))) {
      if (!l.deletedAt) taken.set(to === 'source' ? l.sourceId : l.destId, l);
    }
  }
  for (const [key, m] of byKey) {
    const target = existing.get(key);
    if (!target) {
      log.write(createOp(m, key));
      continue;
    }
    const owner = taken.get(target.id);
    if (owner) {
      log.fail(m.item, 'match', `match key "${key}" is already linked to ${side === 'source' ? owner.sourceId : owner.destId}`);
      continue;
    }
    const link = side === 'source'
      ? newLink(m.item.record.id, target.id, input.now())
      : newLink(target.id, m.item.record.id, input.now());
    if (isContainedIn(m.mapped.fields, target.fields)) {
      log.linkOnly({ link, from: m, targetRecord: target, settles: [m.item] });
      log.decide(m.item, { action: 'link', target: { side: to, id: target.id }, reason: `matched by ${field} "${key}"; already equal` });
    } else {
      log.write({ from: m, kind: 'update', targetId: target.id, link, targetRecord: target, settles: [m.item], reason: `matched by ${field} "${key}"` });
    }
  }
  for (const m of keyless) log.write(createOp(m));
}

/** A key as `side`'s remote stores it in `field` (Webflow slugifies slugs). */
export function storedKey(job: SyncJob, side: Side, field: string, key: string | null): string | null {
  if (key === null) return null;
  return jobSide(job, side).adapter.storedKey?.(field, key) ?? key;
}

/** A match key as a string, or null when the record has none. */
export function keyOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  return s === null || s === '' ? null : s;
}
