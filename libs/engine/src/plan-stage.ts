import { holdsCursor } from './failed-record-hold.js';
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
import { SIDES } from './record.js';
import { withRetries } from './retry.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';
import type { ChunkSettle } from './settle.js';
import { settleRun } from './settle.js';

/** A chunk to plan, with what edit settling (`settle_sec`) decided for it (null: no side settles). */
export interface StagedChunk extends PlanChunk {
  readonly settle: ChunkSettle | null;
}

/** A chunk with its records in hand. */
export interface LoadedChunk {
  readonly items: { readonly source: readonly CycleItem[]; readonly dest: readonly CycleItem[] };
  readonly reads: PlanReads;
  readonly settle: ChunkSettle | null;
}

export interface PlannedRun {
  readonly plan: CyclePlan;
  /** The chunk's pulled items. */
  readonly items: LoadedChunk['items'];
  /** Failed records past their hold: reported, but no longer holding their side's cursor. */
  readonly givenUp: ReadonlySet<CycleItem>;
}

/**
 * Reads what planning needs for the whole run (links of the pulled ids, conflicts, held records),
 * decides which records wait for a later run (edit settling, {@link settleRun}) and splits the
 * pulled records into chunks to plan and push one after another ({@link planChunks}). Returns
 * null when that failed (in the counters).
 */
export async function chunkStage(
  ctx: RunContext, pulled: Record<Side, PulledSide>, loader: LinkedIdLoader, records: PulledRecords,
): Promise<StagedChunk[] | null> {
  ctx.progress('plan', 0, 0);
  const items = { source: pulled.source.items, dest: pulled.dest.items };
  return planFailsAsWhole(ctx, async () => {
    const ids = { source: items.source.map((i) => i.id), dest: items.dest.map((i) => i.id) };
    const [reads, gate] = await Promise.all([readForPlan({ job: ctx.job, pair: ctx.pair, linkIndex: ctx.linkIndex }, ids), settleRun(ctx, items)]);
    const chunks = await planChunks(ctx.job, loader, items, reads, (some) => records.load(some), ctx.planChunkItems, gate?.holds);
    return chunks.map((chunk) => ({ ...chunk, settle: gate ? gate.forChunk(chunk) : null }));
  });
}

/** The chunk's records, read back from the run's spool where they were spilled (one read). */
export async function loadChunk(records: PulledRecords, chunk: StagedChunk): Promise<LoadedChunk> {
  const loaded = await records.load([...chunk.items.source, ...chunk.items.dest]);
  const cut = chunk.items.source.length;
  return { items: { source: loaded.slice(0, cut), dest: loaded.slice(cut) }, reads: chunk.reads, settle: chunk.settle };
}

/**
 * Maps and decides one chunk of pulled records (reads only, but for letting go of the holds of
 * records that settled), then counts what was decided: record failures, echoes, conflicts,
 * records that wait. Returns null when planning failed as a whole (in the counters).
 */
export async function planStage(ctx: RunContext, chunk: LoadedChunk, loader: LinkedIdLoader): Promise<PlannedRun | null> {
  const { job, counters, clock } = ctx;
  const findByField: FindByField = (side, field, values) =>
    withRetries(ctx.retry[side], () => jobSide(job, side).adapter.findByField(field, values, {
      throttle: ctx.retry[side].throttle, ...(ctx.signal ? { signal: ctx.signal } : {}),
    }));
  const planned = await planFailsAsWhole(ctx, async () => {
    const plan = await planCycle({
      job, pair: ctx.pair, linkIndex: ctx.linkIndex, loader, findByField, items: chunk.items,
      now: () => new Date(clock.now()).toISOString(),
    }, chunk.reads);
    // Planned: the holds of the chunk's records that passed are over.
    if (chunk.settle && !ctx.dryRun) await releaseHeld(ctx, chunk.settle);
    return plan;
  });
  if (!planned) return null;
  const waits = chunk.settle?.waits ?? [];
  for (const e of waits) counters.counts[e.side].held = (counters.counts[e.side].held ?? 0) + 1;
  const plan = waits.length === 0 ? planned : { ...planned, entries: [...planned.entries, ...waits] };
  const givenUp = new Set(plan.failures.filter((f) => !holdsCursor(f.item, clock.now())).map((f) => f.item));
  for (const f of plan.failures) {
    counters.counts[f.item.side].errors++;
    counters.recordError({ side: f.item.side, recordId: f.item.record.id, stage: f.stage, reason: f.reason, retrying: !givenUp.has(f.item) });
  }
  for (const e of plan.entries) {
    if (e.action === 'echo') counters.counts[e.side].echoesSkipped++;
    if (e.action === 'conflict') counters.counts[e.side].conflicts++;
  }
  return { plan, items: chunk.items, givenUp };
}

/** Lets go of the holds of the chunk's records that passed: one call per side that has any. */
async function releaseHeld(ctx: RunContext, settle: ChunkSettle): Promise<void> {
  await Promise.all(SIDES.filter((side) => settle.release[side].length > 0).map((side) =>
    ctx.linkIndex.releaseHeld(ctx.job.id, jobSide(ctx.job, side).adapter.ref, settle.release[side])));
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
