import { holdsCursor, GIVEN_UP_NOTE } from './failed-record-hold.js';
import { isSyncFrameError } from './errors/syncframe-error.js';
import { jobSide } from './job.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import type { PlanChunk } from './plan-chunks.js';
import type { PlanReads } from './plan-cycle.js';
import type { PulledRecords } from './pulled-records.js';
import { planChunks } from './plan-chunks.js';
import type { CyclePlan, FindByField } from './plan-cycle.js';
import { planCycle, readForPlan } from './plan-cycle.js';
import type { CycleItem } from './plan.js';
import type { PulledSide } from './pull-side.js';
import type { Side } from './record.js';
import { withRetries } from './retry.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';

/** A chunk with its records in hand. */
export interface LoadedChunk {
  readonly items: { readonly source: readonly CycleItem[]; readonly dest: readonly CycleItem[] };
  readonly reads: PlanReads;
}

export interface PlannedRun {
  readonly plan: CyclePlan;
  /** The chunk's pulled items. */
  readonly items: LoadedChunk['items'];
  /** Failed records past their hold: reported, but no longer holding their side's cursor. */
  readonly givenUp: ReadonlySet<CycleItem>;
}

/**
 * Reads what planning needs for the whole run (links of the pulled ids, conflicts) and splits the
 * pulled records into chunks to plan and push one after another ({@link planChunks}). Returns
 * null when that failed (in the counters).
 */
export async function chunkStage(
  ctx: RunContext, pulled: Record<Side, PulledSide>, loader: LinkedIdLoader, records: PulledRecords,
): Promise<PlanChunk[] | null> {
  ctx.progress('plan', 0, 0);
  const items = { source: pulled.source.items, dest: pulled.dest.items };
  return planFailsAsWhole(ctx, async () => {
    const ids = { source: items.source.map((i) => i.id), dest: items.dest.map((i) => i.id) };
    const reads = await readForPlan({ job: ctx.job, pair: ctx.pair, linkIndex: ctx.linkIndex }, ids);
    return planChunks(ctx.job, loader, items, reads, (some) => records.load(some), ctx.planChunkItems);
  });
}

/** The chunk's records, read back from the run's spool where they were spilled (one read). */
export async function loadChunk(records: PulledRecords, chunk: PlanChunk): Promise<LoadedChunk> {
  const loaded = await records.load([...chunk.items.source, ...chunk.items.dest]);
  const cut = chunk.items.source.length;
  return { items: { source: loaded.slice(0, cut), dest: loaded.slice(cut) }, reads: chunk.reads };
}

/**
 * Maps and decides one chunk of pulled records (reads only), then counts what was decided: record
 * failures, echoes, conflicts. Returns null when planning failed as a whole (in the counters).
 */
export async function planStage(ctx: RunContext, chunk: LoadedChunk, loader: LinkedIdLoader): Promise<PlannedRun | null> {
  const { job, counters, clock } = ctx;
  const findByField: FindByField = (side, field, values) =>
    withRetries(ctx.retry[side], () => jobSide(job, side).adapter.findByField(field, values, {
      throttle: ctx.retry[side].throttle, ...(ctx.signal ? { signal: ctx.signal } : {}),
    }));
  const plan = await planFailsAsWhole(ctx, () => planCycle({
    job, pair: ctx.pair, linkIndex: ctx.linkIndex, loader, findByField, items: chunk.items,
    now: () => new Date(clock.now()).toISOString(),
  }, chunk.reads));
  if (!plan) return null;
  const givenUp = new Set(plan.failures.filter((f) => !holdsCursor(f.item, clock.now())).map((f) => f.item));
  for (const f of plan.failures) {
    counters.counts[f.item.side].errors++;
    const note = givenUp.has(f.item) ? GIVEN_UP_NOTE : '';
    counters.recordError({ side: f.item.side, recordId: f.item.record.id, stage: f.stage, reason: f.reason + note });
  }
  for (const e of plan.entries) {
    if (e.action === 'echo') counters.counts[e.side].echoesSkipped++;
    if (e.action === 'conflict') counters.counts[e.side].conflicts++;
  }
  return { plan, items: chunk.items, givenUp };
}

/** Runs a planning step; an error of SyncFrame's own ends planning as a whole (recorded), null. */
async function planFailsAsWhole<T>(ctx: RunContext, step: () => Promise<T>): Promise<T | null> {
  try {
    return await step();
  } catch (err) {
    ctx.rethrowFatal(err);
    if (!isSyncFrameError(err)) throw err;
    ctx.counters.recordFailure(null, err);
    ctx.logger.error({ err: errorText(err) }, 'planning failed');
    return null;
  }
}
