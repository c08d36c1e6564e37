import { randomUUID } from 'node:crypto';
import type { NewConflict } from './conflict.js';
import { isContainedIn } from './field-diff.js';
import { jobSide } from './job.js';
import type { Link } from './link-index.js';
import type { CycleItem } from './plan.js';
import type { MappedItem, MappedView, PhaseDecisions, PlanInput } from './plan-decisions.js';
import { pairKey, PhaseLog } from './plan-decisions.js';
import type { Fields, Side } from './record.js';
import { otherSide } from './record.js';
import type { FieldMerge } from './plan-field-merge.js';
import { fieldConflictOf, planFieldMerge } from './plan-field-merge.js';

type Classify = Pick<PlanInput, 'job' | 'pair' | 'now' | 'loader'>;

/**
 * Plan phase 5: decides every undecided item with a link (stored, or made by match this cycle).
 * A side *changed* when its mapped-content hash differs from the link's hash for that side;
 * unchanged is an echo. One side changed: update/delete the other; both: a conflict. Returns the
 * decisions and the conflicts to record (manual policy).
 */
export async function classifyLinked(
  input: Classify, view: MappedView, links: ReadonlyMap<CycleItem, Link>, decided: ReadonlySet<CycleItem>,
): Promise<{ decisions: PhaseDecisions; conflicts: NewConflict[] }> {
  const log = new PhaseLog(decided);
  const conflicts: NewConflict[] = [];
  /** The pulled, undecided item of `side` that belongs to `link`, if any. */
  const pendingItem = (side: Side, id: string, link: Link): MappedItem | null => {
    const item = view.bySide[side].get(id);
    if (!item || log.has(item) || links.get(item) !== link) return null;
    return view.mapped.get(item)!;
  };
  const seen = new Set<string>();
  for (const item of [...view.items.source, ...view.items.dest]) {
    const link = links.get(item);
    if (log.has(item) || !link) continue;
    const key = pairKey(link.sourceId, link.destId);
    if (seen.has(key)) continue;
    seen.add(key);
    const s = pendingItem('source', link.sourceId, link);
    const d = pendingItem('dest', link.destId, link);
    // The other record of this link changed too but could not be mapped: comparing the two is
    // impossible, so this side's change waits with it rather than overwriting it.
    const failedOther = [view.bySide.source.get(link.sourceId), view.bySide.dest.get(link.destId)]
      .find((i) => i && view.mapFailed.has(i) && links.get(i) === link);
    if (failedOther) {
      for (const held of [s, d]) {
        if (!held) continue;
        log.fail(held.item, 'map', `its linked ${failedOther.side} record ${failedOther.record.id} also changed and failed to map; held until both can be compared`);
      }
      continue;
    }
    const conflict = await classifyPair(input, log, link, s, d);
    if (conflict) conflicts.push(conflict);
  }
  return { decisions: log.done(), conflicts };
}

async function classifyPair(input: Classify, log: PhaseLog, link: Link, s: MappedItem | null, d: MappedItem | null): Promise<NewConflict | null> {
  if (link.deletedAt) {
    for (const m of [s, d]) {
      if (m) log.decide(m.item, m.item.record.deleted
        ? { action: 'echo', target: null, reason: 'already deleted on both sides' }
        : { action: 'skip', target: null, reason: 'its linked record was deleted; a deleted pair is never re-created' });
    }
    return null;
  }
  const sChanged = s !== null && s.hash !== link.sourceHash;
  const dChanged = d !== null && d.hash !== link.destHash;
  if (s && !sChanged) log.decide(s.item, { action: 'echo', target: null });
  if (d && !dChanged) log.decide(d.item, { action: 'echo', target: null });
  if (sChanged && !dChanged) propagate(log, s!, link, d);
  else if (dChanged && !sChanged) propagate(log, d!, link, s);
  else if (sChanged && dChanged) return decideConflict(input, log, link, s!, d!);
  return null;
}

/** `from` changed alone: carry its change to the other side. `echo` is the other side's unchanged copy, if pulled. */
function propagate(log: PhaseLog, from: MappedItem, link: Link, echo: MappedItem | null): void {
  const to = otherSide(from.item.side);
  const targetId = to === 'source' ? link.sourceId : link.destId;
  const deleting = from.mapped.deleted === true;
  const targetRecord = echo?.item.record ?? null;
  if (!deleting && targetRecord && isContainedIn(from.mapped.fields, targetRecord.fields)) {
    log.linkOnly({ link, from, targetRecord, settles: [from.item] });
    log.decide(from.item, { action: 'link', target: { side: to, id: targetId }, reason: 'the other side already holds this content' });
    return;
  }
  log.write({ from, kind: deleting ? 'delete' : 'update', targetId, link, targetRecord, settles: [from.item] });
}

/**
 * Both records of a link changed: a delete wins, equal content is just linked, else the policy
 * decides. Returns the conflict to record (manual policy), if any.
 */
async function decideConflict(input: Classify, log: PhaseLog, link: Link, s: MappedItem, d: MappedItem): Promise<NewConflict | null> {
  const { job } = input;
  const sDel = s.mapped.deleted === true;
  const dDel = d.mapped.deleted === true;
  if (sDel && dDel) {
    log.linkOnly({ link, from: s, targetRecord: d.item.record, settles: [s.item, d.item] });
    for (const m of [s, d]) log.decide(m.item, { action: 'echo', target: null, reason: 'deleted on both sides' });
    return null;
  }
  // A delete always wins: a deleted record is never brought back by an edit of its other copy.
  if (sDel !== dDel) {
    const [winner, loser] = sDel ? [s, d] : [d, s];
    log.write({ from: winner, kind: 'delete', targetId: loser.item.record.id, link, targetRecord: loser.item.record, settles: [winner.item, loser.item] });
    log.decide(loser.item, { action: 'conflict', target: null, reason: `deleted on the ${jobSide(job, winner.item.side).name} side; a delete wins` });
    return null;
  }
  // Already equal both ways (e.g. two tables holding the same items, linked by match): nothing to write.
  if (isContainedIn(s.mapped.fields, d.item.record.fields) && isContainedIn(d.mapped.fields, s.item.record.fields)) {
    log.linkOnly({ link, from: s, targetRecord: d.item.record, settles: [s.item, d.item] });
    for (const m of [s, d]) {
      log.decide(m.item, { action: 'link', target: { side: otherSide(m.item.side), id: m === s ? d.item.record.id : s.item.record.id }, reason: 'both sides already hold the same content' });
    }
    return null;
  }
  if (job.conflictPolicy === 'field_merge') {
    const merge = await planFieldMerge(job, input.loader, link, s, d);
    if (merge?.kind === 'merge') {
      writeMerge(input, log, link, s, d, merge);
      return null;
    }
    if (merge?.kind === 'manual') {
      return manualConflict(input, log, link, s, d, merge.fields,
        `both sides changed ${merge.fields.join(', ')}; recorded for a person to decide (field_merge, field_conflict manual)`);
    }
    // No field hashes on this link (synced before field_merge, or linked by match): the whole record decides.
    if (fieldConflictOf(job) === 'manual') {
      return manualConflict(input, log, link, s, d, null, 'both sides changed, no per-field snapshot to merge by; recorded for a person to decide (field_merge, field_conflict manual)');
    }
  }
  if (job.conflictPolicy === 'manual') {
    return manualConflict(input, log, link, s, d, null, 'both sides changed; recorded for a person to decide (conflict_policy manual)');
  }
  // last_writer_wins: the newer modification wins; a tie goes to the source side, so every run decides alike.
  const sTime = Date.parse(s.item.record.updatedAt);
  const dTime = Date.parse(d.item.record.updatedAt);
  const [winner, loser] = dTime > sTime ? [d, s] : [s, d];
  log.write({ from: winner, kind: 'update', targetId: loser.item.record.id, link, targetRecord: loser.item.record, settles: [winner.item, loser.item] });
  log.decide(loser.item, { action: 'conflict', target: null, reason: `both sides changed; the ${jobSide(job, winner.item.side).name} side's newer change wins (last_writer_wins)` });
  return null;
}

/** Records a conflict for a person to decide (`fields`: the fields changed on both sides, null: the whole record). */
function manualConflict(
  input: Classify, log: PhaseLog, link: Link, s: MappedItem, d: MappedItem, fields: readonly string[] | null, reason: string,
): NewConflict {
  const conflict: NewConflict = {
    conflictId: randomUUID(),
    jobId: input.job.id,
    pair: input.pair,
    sourceId: s.item.record.id,
    destId: d.item.record.id,
    sourcePayload: s.item.record,
    destPayload: d.item.record,
    detectedAt: input.now(),
    ...(fields ? { fields } : {}),
  };
  // A pair first linked by match in this cycle must be stored, or the conflict would point nowhere.
  if (link.sourceHash === null && link.destHash === null) log.linkOnly({ link, from: null, targetRecord: null, settles: [] });
  for (const m of [s, d]) log.decide(m.item, { action: 'conflict', target: null, reason });
  return conflict;
}

/**
 * Carries a field merge out: each side's changed fields go to the other side as a partial update,
 * both in this run. Two writes are paired (`merge`): each settles its own origin record, and the
 * link is saved so that a write that fails leaves its change to carry over on the next run.
 */
function writeMerge(input: Classify, log: PhaseLog, link: Link, s: MappedItem, d: MappedItem, merge: FieldMerge & { kind: 'merge' }): void {
  const name = (side: Side) => jobSide(input.job, side).name;
  const winner = merge.winner;
  const reason = winner === null
    ? 'both sides changed different fields; merged (field_merge)'
    : `both sides changed; merged, ${merge.conflicting.join(', ')} changed on both: the ${name(winner)} side's newer change wins (field_merge, field_conflict last_writer_wins)`;
  const needed = (fields: Fields, target: MappedItem) => Object.keys(fields).length > 0 && !isContainedIn(fields, target.item.record.fields);
  const toDest = needed(merge.toDest, d);
  const toSource = needed(merge.toSource, s);
  if (toDest && toSource) {
    const key = pairKey(link.sourceId, link.destId);
    log.write({ from: s, kind: 'update', targetId: d.item.record.id, link, targetRecord: d.item.record, settles: [s.item], fields: merge.toDest, reason, merge: { key, pending: Object.keys(merge.toSource) } });
    log.write({ from: d, kind: 'update', targetId: s.item.record.id, link, targetRecord: s.item.record, settles: [d.item], fields: merge.toSource, reason, merge: { key, pending: Object.keys(merge.toDest) } });
    return;
  }
  if (toDest || toSource) {
    const [from, to] = toDest ? [s, d] : [d, s];
    log.write({ from, kind: 'update', targetId: to.item.record.id, link, targetRecord: to.item.record, settles: [s.item, d.item], fields: toDest ? merge.toDest : merge.toSource, reason });
    const lost = winner !== null && winner !== to.item.side;
    log.decide(to.item, lost
      ? { action: 'conflict', target: null, reason }
      : { action: 'link', target: { side: from.item.side, id: from.item.record.id }, reason: `${reason}; the other side already holds this side's changes` });
    return;
  }
  log.linkOnly({ link, from: s, targetRecord: d.item.record, settles: [s.item, d.item] });
  for (const m of [s, d]) {
    log.decide(m.item, { action: 'link', target: { side: otherSide(m.item.side), id: m === s ? d.item.record.id : s.item.record.id }, reason: `${reason}; both sides already hold the merged content` });
  }
}
