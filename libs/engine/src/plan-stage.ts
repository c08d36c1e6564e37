import { holdsCursor, GIVEN_UP_NOTE } from './failed-record-hold.js';
import { isSyncFrameError } from './errors/syncframe-error.js';
import { jobSide } from './job.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import type { PlanChunk } from './plan-chunks.js';
import { planChunks } from './plan-chunks.js';
import type { CyclePlan, FindByField } from './plan-cycle.js';
import { planCycle, readForPlan } from './plan-cycle.js';
import type { CycleItem } from './plan.js';
import type { PulledSide } from './pull-side.js';
import type { Side } from './record.js';
import { withRetries } from './retry.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';

export interface PlannedRun {
  readonly plan: CyclePlan;
  /** The chunk's pulled items. */
  readonly items: PlanChunk['items'];
  /** Failed records past their hold: reported, but no longer holding their side's cursor. */
  readonly givenUp: ReadonlySet<CycleItem>;
}

/**
 * Reads what planning needs for the whole run (links of the pulled ids, conflicts) and splits the
 * pulled records into chunks to plan and push one after another ({@link planChunks}). Returns
 * null when that failed (in the counters).
 */
export async function chunkStage(ctx: RunContext, pulled: Record<Side, PulledSide>, loader: LinkedIdLoader): Promise<PlanChunk[] | null> {
  ctx.progress('plan', 0, 0);
  const items = { source: pulled.source.items, dest: pulled.dest.items };
  return planFailsAsWhole(ctx, async () => {
    const reads = await readForPlan({ job: ctx.job, pair: ctx.pair, linkIndex: ctx.linkIndex, items });
    return planChunks(ctx.job, loader, items, reads, ctx.planChunkItems);
  });
}

/**
 * Maps and decides one chunk of pulled records (reads only), then counts what was decided: record
 * failures, echoes, conflicts. Returns null when planning failed as a whole (in the counters).
 */
export async function planStage(ctx: RunContext, chunk: PlanChunk, loader: LinkedIdLoader): Promise<PlannedRun | null> {
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
