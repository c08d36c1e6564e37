import { ConfigError } from './errors/config-error.js';
import { jobSide } from './job.js';
import type { Link } from './link-index.js';
import { DELETED_HASH } from './map-items.js';
import type { PendingDelete } from './pending-delete.js';
import type { PulledSide } from './pull-side.js';
import type { Side, SyncRecord } from './record.js';
import { SIDES } from './record.js';
import { withRetries } from './retry.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';
import type { ReconcileOutcome } from './run-summary.js';

/** Links read per LinkIndex call while walking a pair's links. */
const LINKS_PER_PAGE = 5000;
/** Ids per `readRecords` call when confirming records are gone. */
const IDS_PER_READ = 100;

/**
 * The page index of records a run did not pull (found gone by reconciliation): they hold no cursor.
 */
export const NOT_PULLED_PAGE = -1;

/**
 * Finds records deleted for good (hard deletes), which no incremental pull can see: lists every
 * id of each side, walks the pair's links, and takes a linked record missing from its side's
 * listing as gone, once a direct read confirms it (a listing that shifted under concurrent
 * deletes may skip an id; a read does not). A side whose listing failed or was cut short counts
 * nothing as gone (its failure is recorded). Each gone record joins the run's pulled records as a
 * deleted record, so planning carries its delete to the partner like any other delete (a delete
 * wins over an edit of the partner; the delete brake applies). A pair gone on both sides is
 * tombstoned. Pending deletes whose record reappeared are cancelled; those still waiting are returned
 * (`waitingBefore`: the job's pending deletes not carried out yet, read once per run).
 */
export async function reconcileStage(
  ctx: RunContext, pulled: Record<Side, PulledSide>, waitingBefore: readonly PendingDelete[],
): Promise<{ outcome: ReconcileOutcome; waiting: PendingDelete[] }> {
  const listings = await Promise.allSettled(SIDES.map((side) => listAllIds(ctx, side)));
  const listed = {} as Record<Side, Set<string> | null>;
  SIDES.forEach((side, i) => {
    const o = listings[i]!;
    if (o.status === 'fulfilled') {
      listed[side] = o.value;
      return;
    }
    ctx.rethrowFatal(o.reason);
    listed[side] = null;
    ctx.counters.recordFailure(side, new Error(`reconciliation: listing every id failed, so no record was taken as deleted: ${errorText(o.reason)}`));
    ctx.logger.error({ side: ctx.sideName(side), err: errorText(o.reason) }, 'reconciliation listing failed');
  });

  const waiting = await cancelReappeared(ctx, waitingBefore, listed, pulled);
  const handled = new Set(waiting.map((p) => linkKey(p.sourceId, p.destId)));
  const pulledIds = { source: new Set(pulled.source.items.map((i) => i.id)), dest: new Set(pulled.dest.items.map((i) => i.id)) };

  // Candidates: linked records missing from a complete listing (not pulled in this run: those exist).
  const candidates: { link: Link; gone: Record<Side, boolean> }[] = [];
  for (let after: Link | null = null; ;) {
    const page: Link[] = await ctx.linkIndex.listLinks(ctx.pair, after, LINKS_PER_PAGE);
    for (const link of page) {
      if (handled.has(linkKey(link.sourceId, link.destId))) continue;
      const gone = {
        source: listed.source !== null && !listed.source.has(link.sourceId) && !pulledIds.source.has(link.sourceId),
        dest: listed.dest !== null && !listed.dest.has(link.destId) && !pulledIds.dest.has(link.destId),
      };
      if (gone.source || gone.dest) candidates.push({ link, gone });
    }
    if (page.length < LINKS_PER_PAGE) break;
    after = page[page.length - 1]!;
  }

  // Confirmed by reading them: a record still there is not gone, whatever the listing said.
  for (const side of SIDES) {
    const ids = candidates.filter((c) => c.gone[side]).map((c) => idOn(c.link, side));
    const present = await readExisting(ctx, side, ids);
    for (const c of candidates) if (c.gone[side] && present.has(idOn(c.link, side))) c.gone[side] = false;
  }

  const now = new Date(ctx.clock.now()).toISOString();
  const tombstones: Link[] = [];
  const gone = { source: 0, dest: 0 };
  for (const { link, gone: g } of candidates) {
    if (g.source && g.dest) {
      tombstones.push({ ...link, sourceHash: DELETED_HASH, destHash: DELETED_HASH, deletedAt: now, syncedAt: now });
      gone.source++;
      gone.dest++;
      continue;
    }
    const side: Side | null = g.source ? 'source' : g.dest ? 'dest' : null;
    if (!side) continue;
    gone[side]++;
    const id = idOn(link, side);
    ctx.gone[side].add(id);
    pulled[side].items.push({ side, id, page: NOT_PULLED_PAGE, editedAt: Date.parse(now), record: goneRecord(id, now), deleted: true });
  }
  if (tombstones.length > 0 && !ctx.dryRun) await ctx.linkIndex.upsertLinks(ctx.pair, tombstones);
  const outcome: ReconcileOutcome = {
    listed: { source: listed.source?.size ?? null, dest: listed.dest?.size ?? null },
    gone,
  };
  ctx.logger.info(outcome, 'reconciled: every id listed and diffed against the links');
  return { outcome, waiting };
}

/**
 * Cancels pending deletes whose gone (or flagged) record is back: listed again by reconciliation,
 * or pulled without its delete flag. A run without reconciliation passes `listed` null for both sides.
 * Returns those still waiting.
 */
export async function cancelReappeared(
  ctx: RunContext, waiting: readonly PendingDelete[], listed: Record<Side, ReadonlySet<string> | null>, pulled?: Record<Side, PulledSide>,
): Promise<PendingDelete[]> {
  const undeleted = {
    source: new Set(pulled?.source.items.filter((i) => !i.deleted).map((i) => i.id) ?? []),
    dest: new Set(pulled?.dest.items.filter((i) => !i.deleted).map((i) => i.id) ?? []),
  };
  const back = waiting.filter((p) => {
    if (p.decision !== null) return false;
    const id = idOn(p, p.side);
    return undeleted[p.side].has(id) || (p.cause === 'gone' && listed[p.side]?.has(id) === true);
  });
  if (back.length === 0 || ctx.dryRun) return [...waiting];
  const at = new Date(ctx.clock.now());
  const cancelled = new Set((await ctx.linkIndex.decidePendingDeletes(ctx.job.id, back.map((p) => p.deleteId), 'cancelled', at)).map((p) => p.deleteId));
  ctx.logger.info({ cancelled: cancelled.size }, 'pending deletes cancelled: their records reappeared');
  return waiting.filter((p) => !cancelled.has(p.deleteId));
}

async function listAllIds(ctx: RunContext, side: Side): Promise<Set<string>> {
  const { adapter } = jobSide(ctx.job, side);
  if (!adapter.listIds) throw new ConfigError(`the ${adapter.ref.adapter} adapter cannot list every id, so it cannot be reconciled`);
  const retry = ctx.retry[side];
  // A failed listing starts over: a listing is only used whole.
  return withRetries(retry, async () => {
    const ids = new Set<string>();
    for await (const page of adapter.listIds!({ throttle: retry.throttle, ...(retry.signal ? { signal: retry.signal } : {}) })) {
      for (const id of page) ids.add(id);
    }
    return ids;
  });
}

/** The ids among `ids` whose records still exist on `side` (all of them when the adapter cannot read by id). */
export async function readExisting(ctx: RunContext, side: Side, ids: readonly string[]): Promise<Set<string>> {
  const found = await readByIds(ctx, side, ids);
  return found === null ? new Set(ids) : new Set(found.map((r) => r.id));
}

/** The records with these ids on `side`, as they are now; null when the adapter cannot read by id. */
export async function readByIds(ctx: RunContext, side: Side, ids: readonly string[]): Promise<SyncRecord[] | null> {
  const { adapter } = jobSide(ctx.job, side);
  if (!adapter.readRecords) return null;
  const retry = ctx.retry[side];
  const out: SyncRecord[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_READ) {
    const chunk = ids.slice(i, i + IDS_PER_READ);
    out.push(...await withRetries(retry, () => adapter.readRecords!(chunk, { throttle: retry.throttle, ...(retry.signal ? { signal: retry.signal } : {}) })));
  }
  return out;
}

function idOn(link: { readonly sourceId: string; readonly destId: string }, side: Side): string {
  return side === 'source' ? link.sourceId : link.destId;
}

const linkKey = (sourceId: string, destId: string) => `${sourceId}\u0000${destId}`;

/** A record found gone, as planning sees it: flagged deleted, no fields. */
function goneRecord(id: string, now: string): SyncRecord {
  return { id, fields: {}, updatedAt: now, deleted: true };
}
