import { randomUUID } from 'node:crypto';
import type { Conflict, NewConflict } from './conflict.js';
import { fieldHashes } from './content-hash.js';
import type { Link } from './link-index.js';
import { mapperContext, mapperFor, mapRecord } from './map-items.js';
import type { MappedRecord } from './mapper.js';
import type { CycleItem, PlannedOp } from './plan.js';
import type { MappedView, PhaseDecisions, PlanInput, Superseded } from './plan-decisions.js';
import { concatDecisions, decidedAfter, pairKey, PhaseLog } from './plan-decisions.js';
import type { StoredLinks } from './plan-links.js';
import { otherSide } from './record.js';

export interface ConflictState {
  readonly decisions: PhaseDecisions;
  /** Open conflicts with refreshed payloads, to record. */
  readonly conflicts: readonly NewConflict[];
  readonly superseded: readonly Superseded[];
}

/**
 * Plan phase 3: applies conflicts a person resolved (the kept side's newest version), then holds
 * the records whose link has an open conflict (refreshing the conflict's payloads). A delete
 * supersedes either.
 */
export async function applyConflictState(
  input: Pick<PlanInput, 'job' | 'loader'>, view: MappedView, links: StoredLinks,
  conflicts: { readonly open: readonly Conflict[]; readonly resolved: readonly Conflict[] },
  decided: ReadonlySet<CycleItem>,
): Promise<ConflictState> {
  const applied = await applyResolvedConflicts(input, view, links.bySourceId, conflicts.resolved, decided);
  const held = holdOpenConflicts(view, links.ofItem, conflicts.open, decidedAfter(decided, applied.decisions));
  return {
    decisions: concatDecisions(applied.decisions, held.decisions),
    conflicts: held.conflicts,
    superseded: [...applied.superseded, ...held.superseded],
  };
}

async function applyResolvedConflicts(
  { job, loader }: Pick<PlanInput, 'job' | 'loader'>, view: MappedView, linkBySource: ReadonlyMap<string, Link>,
  resolved: readonly Conflict[], decided: ReadonlySet<CycleItem>,
): Promise<{ decisions: PhaseDecisions; superseded: Superseded[] }> {
  const log = new PhaseLog(decided);
  const superseded: Superseded[] = [];
  const undecided = (item: CycleItem | undefined) => (item && !log.has(item) ? item : undefined);
  for (const c of resolved) {
    const keep = c.keep!;
    const lose = otherSide(keep);
    const keptId = keep === 'source' ? c.sourceId : c.destId;
    const lostId = keep === 'source' ? c.destId : c.sourceId;
    const keptItem = view.bySide[keep].get(keptId);
    const lostItem = view.bySide[lose].get(lostId);
    if (lostItem && view.mapped.get(lostItem)?.mapped.deleted && !log.has(lostItem)) {
      // Deleted since the decision: a delete always wins; the delete then syncs as usual.
      superseded.push({ conflictId: c.conflictId, keep: lose });
      continue;
    }
    const settles = [keptItem, lostItem].filter((i): i is CycleItem => !!undecided(i));
    // The kept side's newest version wins: a pulled one is newer than the stored payload.
    const pulled = undecided(keptItem) && view.mapped.get(keptItem!);
    let mapped: MappedRecord | null = pulled ? pulled.mapped : null;
    let hash: string | null = pulled ? pulled.hash : null;
    let fields = pulled ? pulled.fieldHashes : undefined;
    if (!mapped) {
      const payload = keep === 'source' ? c.sourcePayload : c.destPayload;
      const outcome = await mapRecord(mapperFor(job, keep), payload, mapperContext(job, keep, loader));
      if (!outcome.ok || !outcome.mapped) continue; // stays resolved; reported when its record maps again
      ({ mapped, hash } = outcome);
      if (job.conflictPolicy === 'field_merge') fields = fieldHashes(mapped.fields);
    }
    const reason = `resolved conflict ${c.conflictId}: keeping ${keep}`;
    const kind = mapped.deleted ? 'delete' : 'update';
    const op: PlannedOp = {
      target: lose, kind, targetId: lostId, fields: kind === 'delete' ? {} : mapped.fields,
      originSide: keep, originId: keptId, originHash: hash, ...(fields ? { originFields: fields } : {}),
      link: linkBySource.get(c.sourceId) ?? null, targetRecord: null, settles, conflictId: c.conflictId,
    };
    log.op(op);
    const entry = {
      action: kind,
      target: { side: lose, id: lostId },
      ...(kind === 'update' ? { fields: op.fields } : {}),
      reason,
    } as const;
    if (settles.length === 0) log.entry({ side: keep, recordId: keptId, ...entry });
    for (const item of settles) log.decide(item, item.side === keep ? entry : { action: 'skip', target: null, reason });
  }
  return { decisions: log.done(), superseded };
}

function holdOpenConflicts(
  view: MappedView, links: ReadonlyMap<CycleItem, Link>, open: readonly Conflict[], decided: ReadonlySet<CycleItem>,
): { decisions: PhaseDecisions; conflicts: NewConflict[]; superseded: Superseded[] } {
  const log = new PhaseLog(decided);
  const conflicts: NewConflict[] = [];
  const superseded: Superseded[] = [];
  const byKey = new Map(open.map((c) => [pairKey(c.sourceId, c.destId), c]));
  for (const side of ['source', 'dest'] as const) {
    for (const item of view.items[side]) {
      const link = links.get(item);
      if (log.has(item) || !link) continue;
      const c = byKey.get(pairKey(link.sourceId, link.destId));
      if (!c) continue;
      if (view.mapped.get(item)?.mapped.deleted) {
        // A delete always wins, even over an open conflict: close it; the delete syncs as usual.
        superseded.push({ conflictId: c.conflictId, keep: side });
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
      conflicts.push(updated);
      log.decide(item, { action: 'conflict', target: null, reason: `conflict ${c.conflictId} awaits a decision` });
    }
  }
  return { decisions: log.done(), conflicts, superseded };
}
