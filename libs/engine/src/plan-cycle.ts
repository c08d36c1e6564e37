import type { Conflict } from './conflict.js';
import { mapCycleItems } from './map-items.js';
import { classifyLinked } from './plan-classify.js';
import { applyConflictState } from './plan-conflicts.js';
import type { CyclePlan, PlanInput } from './plan-decisions.js';
import { concatDecisions, decidedAfter } from './plan-decisions.js';
import type { LinkLookup } from './plan-links.js';
import { lookUpLinks, storedLinksOf } from './plan-links.js';
import { pairWithinCycle, planCreates } from './plan-match.js';

export type { CyclePlan, FindByField, PlanFailure, PlanInput, Superseded } from './plan-decisions.js';

/** What planning reads from the LinkIndex, read once per run however many chunks it plans in. */
export interface PlanReads {
  /** The links of every pulled id and of every open or resolved conflict's records. */
  readonly links: LinkLookup;
  /** Open conflicts: a pulled record of such a link is held (all of them: each chunk holds its own). */
  readonly open: readonly Conflict[];
  /** Conflicts a person resolved, to apply (each in one chunk only). */
  readonly resolved: readonly Conflict[];
}

/** Reads the conflicts and the links planning needs for the records pulled with these ids. */
export async function readForPlan(
  input: Pick<PlanInput, 'job' | 'pair' | 'linkIndex'>, ids: { readonly source: readonly string[]; readonly dest: readonly string[] },
): Promise<PlanReads> {
  const { job, pair, linkIndex } = input;
  const [open, resolved] = await Promise.all([linkIndex.listConflicts(job.id, 'open'), linkIndex.listConflicts(job.id, 'resolved')]);
  const conflicts = [...open, ...resolved];
  const links = await lookUpLinks(pair, linkIndex, {
    source: [...ids.source, ...conflicts.map((c) => c.sourceId)],
    dest: [...ids.dest, ...conflicts.map((c) => c.destId)],
  });
  return { links, open, resolved };
}

/**
 * Decides, for every pulled record, what the cycle does: the heart of echo suppression, conflict
 * detection, deletes and matching. It reads (LinkIndex, `findByField`) but writes nothing, and
 * changes none of its input, so the same plan serves a dry run and a real one.
 *
 * `reads` (from {@link readForPlan}) lets a run plan its items in chunks with one read of links
 * and conflicts; each chunk must hold every pulled record its records relate to (`planChunks`).
 *
 * Each phase returns its decisions; an item is decided once, by the first phase that reaches it,
 * so the phases run in this order and each is told what the earlier ones decided.
 */
export async function planCycle(input: PlanInput, reads?: PlanReads): Promise<CyclePlan> {
  const { job, loader } = input;
  const idsOf = (side: 'source' | 'dest') => input.items[side].map((i) => i.record.id);
  const { links: lookup, open, resolved } = reads ?? await readForPlan(input, { source: idsOf('source'), dest: idsOf('dest') });
  const mapping = await mapCycleItems(job, loader, input.items);
  const { view } = mapping;
  const stored = storedLinksOf(view, lookup);
  const held = await applyConflictState(input, view, stored, { open, resolved }, decidedAfter(new Set(), mapping.decisions));
  const unlinked = decidedAfter(new Set(), mapping.decisions, held.decisions);
  const links = job.match ? new Map([...stored.ofItem, ...pairWithinCycle(input, view, stored.ofItem, unlinked)]) : stored.ofItem;
  const linked = await classifyLinked(input, view, links, unlinked);
  const created = await planCreates(input, view, decidedAfter(unlinked, linked.decisions));
  const { entries, ops, failures } = concatDecisions(mapping.decisions, held.decisions, linked.decisions, created);
  return { entries: [...entries], ops: [...ops], failures: [...failures], conflicts: [...held.conflicts, ...linked.conflicts], superseded: [...held.superseded] };
}
