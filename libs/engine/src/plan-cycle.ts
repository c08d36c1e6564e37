import { mapCycleItems } from './map-items.js';
import { classifyLinked } from './plan-classify.js';
import { applyConflictState } from './plan-conflicts.js';
import type { CyclePlan, PlanInput } from './plan-decisions.js';
import { concatDecisions, decidedAfter } from './plan-decisions.js';
import { findStoredLinks } from './plan-links.js';
import { pairWithinCycle, planCreates } from './plan-match.js';

export type { CyclePlan, FindByField, PlanFailure, PlanInput, Superseded } from './plan-decisions.js';

/**
 * Decides, for every pulled record, what the cycle does: the heart of echo suppression, conflict
 * detection, deletes and matching. It reads (LinkIndex, `findByField`) but writes nothing, and
 * changes none of its input, so the same plan serves a dry run and a real one.
 *
 * Each phase returns its decisions; an item is decided once, by the first phase that reaches it,
 * so the phases run in this order and each is told what the earlier ones decided.
 */
export async function planCycle(input: PlanInput): Promise<CyclePlan> {
  const { job, pair, linkIndex, loader } = input;
  const mapping = await mapCycleItems(job, loader, input.items);
  const { view } = mapping;
  const [open, resolved] = await Promise.all([linkIndex.listConflicts(job.id, 'open'), linkIndex.listConflicts(job.id, 'resolved')]);
  const stored = await findStoredLinks(pair, linkIndex, view, [...open, ...resolved]);
  const held = await applyConflictState(input, view, stored, { open, resolved }, decidedAfter(new Set(), mapping.decisions));
  const unlinked = decidedAfter(new Set(), mapping.decisions, held.decisions);
  const links = job.match ? new Map([...stored.ofItem, ...pairWithinCycle(input, view, stored.ofItem, unlinked)]) : stored.ofItem;
  const linked = classifyLinked(input, view, links, unlinked);
  const created = await planCreates(input, view, decidedAfter(unlinked, linked.decisions));
  const { entries, ops, failures } = concatDecisions(mapping.decisions, held.decisions, linked.decisions, created);
  return { entries: [...entries], ops: [...ops], failures: [...failures], conflicts: [...held.conflicts, ...linked.conflicts], superseded: [...held.superseded] };
}
