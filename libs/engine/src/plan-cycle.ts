import { randomUUID } from 'node:crypto';
import type { Conflict, NewConflict } from './conflict.js';
import { changedFields, isContainedIn } from './field-diff.js';
import type { SyncJob } from './job.js';
import { jobSide } from './job.js';
import type { Link, LinkIndex, TablePair } from './link-index.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import { DELETED_HASH, mapperContext, mapperFor, mapRecord } from './map-items.js';
import type { CycleItem, PlanEntry, PlannedOp } from './plan.js';
import type { Side, SyncRecord } from './record.js';
import { otherSide } from './record.js';

/** Finds records on one side by a key field (the adapter call, wrapped in throttle and retries). */
export type FindByField = (side: Side, field: string, values: string[]) => Promise<SyncRecord[]>;

export interface PlanInput {
  readonly job: SyncJob;
  readonly pair: TablePair;
  readonly linkIndex: LinkIndex;
  readonly loader: LinkedIdLoader;
  readonly items: { readonly source: CycleItem[]; readonly dest: CycleItem[] };
  readonly findByField: FindByField;
  readonly now: () => string;
}

export interface CyclePlan {
  readonly entries: PlanEntry[];
  readonly ops: PlannedOp[];
  /** Conflicts to record (manual policy), new or with newer payloads. */
  readonly conflicts: NewConflict[];
  /** Conflicts a delete made moot (a delete always wins): closed as kept on the deleting side. */
  readonly superseded: { conflictId: string; keep: Side }[];
  /** Per-record failures found while planning (mapper errors, match clashes). */
  readonly failures: { item: CycleItem; stage: 'map' | 'match'; reason: string }[];
}

const LOOKUP_CHUNK = 1000;
const pairKey = (sourceId: string, destId: string) => `${sourceId}\u0000${destId}`;

/**
 * Decides, for every pulled record, what the cycle does: the heart of echo suppression, conflict
 * detection, deletes and matching. It reads (LinkIndex, `findByField`) but writes nothing, so the
 * same plan serves a dry run and a real one.
 */
export async function planCycle(input: PlanInput): Promise<CyclePlan> {
  return new CyclePlanner(input).plan();
}

class CyclePlanner {
  private readonly entries: PlanEntry[] = [];
  private readonly ops: PlannedOp[] = [];
  private readonly conflicts: NewConflict[] = [];
  private readonly superseded: CyclePlan['superseded'] = [];
  private readonly failures: CyclePlan['failures'] = [];
  private readonly decided = new Set<CycleItem>();
  /** Items whose mapper failed: their links' other side must not be pushed over them. */
  private readonly mapFailed = new Set<CycleItem>();
  private readonly bySide: Record<Side, Map<string, CycleItem>>;

  constructor(private readonly input: PlanInput) {
    this.bySide = {
      source: new Map(input.items.source.map((i) => [i.record.id, i])),
      dest: new Map(input.items.dest.map((i) => [i.record.id, i])),
    };
  }

  async plan(): Promise<CyclePlan> {
    const { job, linkIndex } = this.input;
    await this.mapAll();
    const [open, resolved] = await Promise.all([
      linkIndex.listConflicts(job.id, 'open'),
      linkIndex.listConflicts(job.id, 'resolved'),
    ]);
    await this.attachLinks([...open, ...resolved]);
    await this.applyResolvedConflicts(resolved);
    this.holdOpenConflicts(open);
    if (job.match) this.matchWithinCycle();
    this.classifyLinked();
    await this.planCreates();
    return { entries: this.entries, ops: this.ops, conflicts: this.conflicts, superseded: this.superseded, failures: this.failures };
  }

  // ---- mapping & links -----------------------------------------------------------------------

  private async mapAll(): Promise<void> {
    const { job, loader } = this.input;
    for (const side of ['source', 'dest'] as const) {
      const mapper = mapperFor(job, side);
      const ctx = mapperContext(job, side, loader);
      const items = this.input.items[side];
      const outcomes = await Promise.all(items.map((item) => mapRecord(mapper, item.record, ctx)));
      outcomes.forEach((outcome, i) => {
        const item = items[i]!;
        if (!outcome.ok) {
          this.mapFailed.add(item);
          this.failures.push({ item, stage: 'map', reason: outcome.reason });
          this.decide(item, { action: 'error', reason: outcome.reason });
        } else if (outcome.mapped === null) {
          this.decide(item, { action: 'skip', reason: 'the mapper returned null' });
        } else {
          item.mapped = outcome.mapped;
          item.hash = outcome.hash;
        }
      });
    }
  }

  private async attachLinks(conflicts: Conflict[]): Promise<void> {
    const { pair, linkIndex } = this.input;
    const sourceIds = new Set([...this.bySide.source.keys(), ...conflicts.map((c) => c.sourceId)]);
    const destIds = new Set([...this.bySide.dest.keys(), ...conflicts.map((c) => c.destId)]);
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
    this.linkBySource = new Map();
    this.linkByDest = new Map();
    for (const l of found) {
      best(this.linkBySource, l.sourceId, l);
      best(this.linkByDest, l.destId, l);
    }
    for (const item of this.input.items.source) item.link = this.linkBySource.get(item.record.id) ?? null;
    for (const item of this.input.items.dest) item.link = this.linkByDest.get(item.record.id) ?? null;
  }

  private linkBySource = new Map<string, Link>();
  private linkByDest = new Map<string, Link>();

  // ---- conflicts decided by a person --------------------------------------------------------

  private async applyResolvedConflicts(resolved: Conflict[]): Promise<void> {
    const { job, loader } = this.input;
    for (const c of resolved) {
      const keep = c.keep!;
      const lose = otherSide(keep);
      const keptId = keep === 'source' ? c.sourceId : c.destId;
      const lostId = keep === 'source' ? c.destId : c.sourceId;
      const keptItem = this.bySide[keep].get(keptId);
      const lostItem = this.bySide[lose].get(lostId);
      if (lostItem?.mapped?.deleted && !this.decided.has(lostItem)) {
        // Deleted since the decision: a delete always wins; the delete then syncs as usual.
        this.superseded.push({ conflictId: c.conflictId, keep: lose });
        continue;
      }
      const settles = [keptItem, lostItem].filter((i): i is CycleItem => !!i && !this.decided.has(i));
      // The kept side's newest version wins: a pulled one is newer than the stored payload.
      let mapped = keptItem && !this.decided.has(keptItem) ? keptItem.mapped : null;
      let hash = keptItem && !this.decided.has(keptItem) ? keptItem.hash : null;
      if (!mapped) {
        const payload = keep === 'source' ? c.sourcePayload : c.destPayload;
        const outcome = await mapRecord(mapperFor(job, keep), payload, mapperContext(job, keep, loader));
        if (!outcome.ok || !outcome.mapped) continue; // stays resolved; reported when its record maps again
        ({ mapped, hash } = outcome);
      }
      const reason = `resolved conflict ${c.conflictId}: keeping ${keep}`;
      const kind = mapped.deleted ? 'delete' : 'update';
      const op: PlannedOp = {
        target: lose, kind, targetId: lostId, fields: kind === 'delete' ? {} : mapped.fields,
        originSide: keep, originId: keptId, originHash: hash,
        link: this.linkBySource.get(c.sourceId) ?? null, targetRecord: null, settles, conflictId: c.conflictId,
      };
      this.ops.push(op);
      const entry = {
        action: kind,
        target: { side: lose, id: lostId },
        ...(kind === 'update' ? { fields: op.fields } : {}),
        reason,
      } as const;
      if (settles.length === 0) this.entries.push({ side: keep, recordId: keptId, ...entry });
      for (const item of settles) this.decide(item, item.side === keep ? entry : { action: 'skip', target: null, reason });
    }
  }

  private holdOpenConflicts(open: Conflict[]): void {
    const byKey = new Map(open.map((c) => [pairKey(c.sourceId, c.destId), c]));
    for (const side of ['source', 'dest'] as const) {
      for (const item of this.input.items[side]) {
        if (this.decided.has(item) || !item.link) continue;
        const c = byKey.get(pairKey(item.link.sourceId, item.link.destId));
        if (!c) continue;
        if (item.mapped?.deleted) {
          // A delete always wins, even over an open conflict: close it; the delete syncs as usual.
          this.superseded.push({ conflictId: c.conflictId, keep: side });
          byKey.delete(pairKey(c.sourceId, c.destId));
          continue;
        }
        // Keep the conflict's payloads current, so the person decides on what the sides hold now.
        // A fresh id: the store updates the open conflict of this link in place (keeping its id),
        // or, if a person resolved it meanwhile, opens a new one rather than clashing with the old id.
        const updated: NewConflict = {
          ...c,
          conflictId: randomUUID(),
          ...(side === 'source' ? { sourcePayload: item.record } : { destPayload: item.record }),
        };
        byKey.set(pairKey(c.sourceId, c.destId), { ...c, ...updated });
        this.conflicts.push(updated);
        this.decide(item, { action: 'conflict', target: null, reason: `conflict ${c.conflictId} awaits a decision` });
      }
    }
  }

  // ---- matching by key ---------------------------------------------------------------------

  /** Two new records, one on each side, with the same key: the same item, linked before anything is created. */
  private matchWithinCycle(): void {
    const match = this.input.job.match!;
    const destByKey = new Map<string, CycleItem>();
    for (const item of this.input.items.dest) {
      if (this.decided.has(item) || item.link || !item.mapped || item.record.deleted) continue;
      const key = keyOf(item.record.fields[match.dest]);
      if (key !== null && !destByKey.has(key)) destByKey.set(key, item);
    }
    for (const item of this.input.items.source) {
      if (this.decided.has(item) || item.link || !item.mapped || item.mapped.deleted) continue;
      const key = this.storedKey('dest', match.dest, keyOf(item.mapped.fields[match.dest]));
      const partner = key === null ? undefined : destByKey.get(key);
      if (!partner) continue;
      destByKey.delete(key!);
      const link = newLink(item.record.id, partner.record.id, this.input.now());
      item.link = link;
      partner.link = link;
    }
  }

  // ---- linked records ------------------------------------------------------------------------

  private classifyLinked(): void {
    const seen = new Set<string>();
    for (const item of [...this.input.items.source, ...this.input.items.dest]) {
      if (this.decided.has(item) || !item.link) continue;
      const link = item.link;
      const key = pairKey(link.sourceId, link.destId);
      if (seen.has(key)) continue;
      seen.add(key);
      const s = this.pendingItem('source', link.sourceId, link);
      const d = this.pendingItem('dest', link.destId, link);
      // The other record of this link changed too but could not be mapped: comparing the two is
      // impossible, so this side's change waits with it rather than overwriting it.
      const failedOther = [this.bySide.source.get(link.sourceId), this.bySide.dest.get(link.destId)]
        .find((i) => i && this.mapFailed.has(i) && i.link === link);
      if (failedOther) {
        for (const held of [s, d]) {
          if (!held) continue;
          const reason = `its linked ${failedOther.side} record ${failedOther.record.id} also changed and failed to map; held until both can be compared`;
          this.failures.push({ item: held, stage: 'map', reason });
          this.decide(held, { action: 'error', target: null, reason });
        }
        continue;
      }
      this.classifyPair(link, s, d);
    }
  }

  /** The pulled, undecided item of `side` that belongs to `link`, if any. */
  private pendingItem(side: Side, id: string, link: Link): CycleItem | null {
    const item = this.bySide[side].get(id);
    if (!item || this.decided.has(item) || item.link !== link) return null;
    return item;
  }

  private classifyPair(link: Link, s: CycleItem | null, d: CycleItem | null): void {
    if (link.deletedAt) {
      for (const item of [s, d]) {
        if (item) this.decide(item, item.record.deleted
          ? { action: 'echo', target: null, reason: 'already deleted on both sides' }
          : { action: 'skip', target: null, reason: 'its linked record was deleted; a deleted pair is never re-created' });
      }
      return;
    }
    const sChanged = s !== null && s.hash !== link.sourceHash;
    const dChanged = d !== null && d.hash !== link.destHash;
    if (s && !sChanged) this.decide(s, { action: 'echo', target: null });
    if (d && !dChanged) this.decide(d, { action: 'echo', target: null });
    if (sChanged && !dChanged) return this.propagate(s!, link, d);
    if (dChanged && !sChanged) return this.propagate(d!, link, s);
    if (sChanged && dChanged) this.decideConflict(link, s!, d!);
  }

  /** `from` changed alone: carry its change to the other side. `echo` is the other side's unchanged copy, if pulled. */
  private propagate(from: CycleItem, link: Link, echo: CycleItem | null): void {
    const to = otherSide(from.side);
    const targetId = to === 'source' ? link.sourceId : link.destId;
    const deleting = from.mapped!.deleted === true;
    const targetRecord = echo?.record ?? null;
    if (!deleting && targetRecord && isContainedIn(from.mapped!.fields, targetRecord.fields)) {
      this.pushLinkOnly(link, [from], targetRecord, from);
      this.decide(from, { action: 'link', target: { side: to, id: targetId }, reason: 'the other side already holds this content' });
      return;
    }
    this.pushOp(from, deleting ? 'delete' : 'update', targetId, link, targetRecord, [from]);
  }

  /** Both records of a link changed: a delete wins, equal content is just linked, else the policy decides. */
  private decideConflict(link: Link, s: CycleItem, d: CycleItem): void {
    const sDel = s.mapped!.deleted === true;
    const dDel = d.mapped!.deleted === true;
    if (sDel && dDel) {
      this.pushLinkOnly(link, [s, d], d.record, s);
      for (const item of [s, d]) this.decide(item, { action: 'echo', target: null, reason: 'deleted on both sides' });
      return;
    }
    // A delete always wins: a deleted record is never brought back by an edit of its other copy.
    if (sDel !== dDel) {
      const [winner, loser] = sDel ? [s, d] : [d, s];
      this.pushOp(winner, 'delete', loser.record.id, link, loser.record, [winner, loser]);
      this.decide(loser, { action: 'conflict', target: null, reason: `deleted on the ${jobSide(this.input.job, winner.side).name} side; a delete wins` });
      return;
    }
    // Already equal both ways (e.g. two tables holding the same items, linked by match): nothing to write.
    if (isContainedIn(s.mapped!.fields, d.record.fields) && isContainedIn(d.mapped!.fields, s.record.fields)) {
      this.pushLinkOnly(link, [s, d], d.record, s);
      for (const item of [s, d]) {
        this.decide(item, { action: 'link', target: { side: otherSide(item.side), id: item === s ? d.record.id : s.record.id }, reason: 'both sides already hold the same content' });
      }
      return;
    }
    if (this.input.job.conflictPolicy === 'manual') {
      this.conflicts.push({
        conflictId: randomUUID(),
        jobId: this.input.job.id,
        pair: this.input.pair,
        sourceId: s.record.id,
        destId: d.record.id,
        sourcePayload: s.record,
        destPayload: d.record,
        detectedAt: this.input.now(),
      });
      // A pair first linked by match in this cycle must be stored, or the conflict would point nowhere.
      if (link.sourceHash === null && link.destHash === null) this.pushLinkOnly(link, [], null, null);
      for (const item of [s, d]) this.decide(item, { action: 'conflict', target: null, reason: 'both sides changed; recorded for a person to decide (conflict_policy manual)' });
      return;
    }
    // last_writer_wins: the newer modification wins; a tie goes to the source side, so every run decides alike.
    const sTime = Date.parse(s.record.updatedAt);
    const dTime = Date.parse(d.record.updatedAt);
    const [winner, loser] = dTime > sTime ? [d, s] : [s, d];
    this.pushOp(winner, 'update', loser.record.id, link, loser.record, [winner, loser]);
    this.decide(loser, { action: 'conflict', target: null, reason: `both sides changed; the ${jobSide(this.input.job, winner.side).name} side's newer change wins (last_writer_wins)` });
  }

  // ---- unlinked records ----------------------------------------------------------------------

  private async planCreates(): Promise<void> {
    for (const side of ['source', 'dest'] as const) {
      const candidates: CycleItem[] = [];
      for (const item of this.input.items[side]) {
        if (this.decided.has(item)) continue;
        if (item.mapped!.deleted) {
          this.decide(item, { action: 'skip', target: null, reason: 'deleted before it was ever synced' });
          continue;
        }
        candidates.push(item);
      }
      if (this.input.job.match) await this.planMatchedCreates(side, candidates);
      else for (const item of candidates) this.pushOp(item, 'create', null, null, null, [item]);
    }
  }

  private async planMatchedCreates(side: Side, candidates: CycleItem[]): Promise<void> {
    const { job, pair, linkIndex, findByField } = this.input;
    const to = otherSide(side);
    const field = to === 'source' ? job.match!.source : job.match!.dest;
    const byKey = new Map<string, CycleItem>();
    const keyless: CycleItem[] = [];
    for (const item of candidates) {
      const key = this.storedKey(to, field, keyOf(item.mapped!.fields[field]));
      if (key === null) keyless.push(item);
      else if (byKey.has(key)) {
        const reason = `another record in this run (${byKey.get(key)!.record.id}) has the same match key "${key}"`;
        this.failures.push({ item, stage: 'match', reason });
        this.decide(item, { action: 'error', target: null, reason });
      } else byKey.set(key, item);
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
    for (const [key, item] of byKey) {
      const target = existing.get(key);
      if (!target) {
        this.pushOp(item, 'create', null, null, null, [item], key);
        continue;
      }
      const owner = taken.get(target.id);
      if (owner) {
        const reason = `match key "${key}" is already linked to ${side === 'source' ? owner.sourceId : owner.destId}`;
        this.failures.push({ item, stage: 'match', reason });
        this.decide(item, { action: 'error', target: null, reason });
        continue;
      }
      const link = side === 'source'
        ? newLink(item.record.id, target.id, this.input.now())
        : newLink(target.id, item.record.id, this.input.now());
      item.link = link;
      if (isContainedIn(item.mapped!.fields, target.fields)) {
        this.pushLinkOnly(link, [item], target, item);
        this.decide(item, { action: 'link', target: { side: to, id: target.id }, reason: `matched by ${field} "${key}"; already equal` });
      } else {
        this.pushOp(item, 'update', target.id, link, target, [item], undefined, `matched by ${field} "${key}"`);
      }
    }
    for (const item of keyless) this.pushOp(item, 'create', null, null, null, [item]);
  }

  /** A key as `side`'s remote stores it in `field` (Webflow slugifies slugs). */
  private storedKey(side: Side, field: string, key: string | null): string | null {
    if (key === null) return null;
    return jobSide(this.input.job, side).adapter.storedKey?.(field, key) ?? key;
  }

  // ---- building ops and entries --------------------------------------------------------------

  private pushOp(
    from: CycleItem, kind: 'create' | 'update' | 'delete', targetId: string | null, link: Link | null,
    targetRecord: SyncRecord | null, settles: CycleItem[], matchKey?: string, reason?: string,
  ): void {
    const to = otherSide(from.side);
    const fields = kind === 'delete' ? {} : from.mapped!.fields;
    this.ops.push({
      target: to, kind, targetId, fields, originSide: from.side, originId: from.record.id,
      originHash: from.hash, link, targetRecord, settles, ...(matchKey !== undefined ? { matchKey } : {}),
    });
    this.decide(from, {
      action: kind,
      target: { side: to, id: targetId },
      ...(kind !== 'delete' ? { fields } : {}),
      ...(kind === 'update' && targetRecord ? { changedFields: changedFields(fields, targetRecord.fields) } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  /** Save the link with fresh hashes, write nothing remote. */
  private pushLinkOnly(link: Link, settles: CycleItem[], targetRecord: SyncRecord | null, from: CycleItem | null): void {
    const origin = from ?? settles[0];
    this.ops.push({
      target: origin ? otherSide(origin.side) : 'dest',
      kind: 'link',
      targetId: origin ? (origin.side === 'source' ? link.destId : link.sourceId) : link.destId,
      fields: {},
      originSide: origin?.side ?? 'source',
      originId: origin?.record.id ?? link.sourceId,
      originHash: origin?.hash ?? null,
      link,
      targetRecord,
      settles,
    });
  }

  private decide(item: CycleItem, entry: Omit<PlanEntry, 'side' | 'recordId' | 'target'> & { target?: PlanEntry['target'] }): void {
    if (this.decided.has(item)) return;
    this.decided.add(item);
    this.entries.push({ side: item.side, recordId: item.record.id, target: null, ...entry });
  }
}

function newLink(sourceId: string, destId: string, now: string): Link {
  return { sourceId, destId, sourceHash: null, destHash: null, deletedAt: null, syncedAt: now };
}

/** A match key as a string, or null when the record has none. */
function keyOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  return s === null || s === '' ? null : s;
}

