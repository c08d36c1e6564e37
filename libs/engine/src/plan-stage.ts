import { holdsCursor, GIVEN_UP_NOTE } from './failed-record-hold.js';
import { isSyncFrameError } from './errors/syncframe-error.js';
import { jobSide } from './job.js';
import { LinkedIdLoader } from './linked-id-loader.js';
import type { CyclePlan, FindByField } from './plan-cycle.js';
import { planCycle } from './plan-cycle.js';
import type { CycleItem } from './plan.js';
import type { PulledSide } from './pull-side.js';
import type { Side } from './record.js';
import { withRetries } from './retry.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';

export interface PlannedRun {
  readonly plan: CyclePlan;
  readonly loader: LinkedIdLoader;
  /** Failed records past their hold: reported, but no longer holding their side's cursor. */
  readonly givenUp: ReadonlySet<CycleItem>;
}

/**
 * Maps and decides every pulled record (reads only), then counts what was decided: record
 * failures, echoes, conflicts. Returns null when planning failed as a whole (in the counters).
 */
export async function planStage(ctx: RunContext, pulled: Record<Side, PulledSide>): Promise<PlannedRun | null> {
  const { job, counters, clock } = ctx;
  ctx.progress('plan', 0, 0);
  const loader = new LinkedIdLoader(ctx.linkIndex);
  const findByField: FindByField = (side, field, values) =>
    withRetries(ctx.retry[side], () => jobSide(job, side).adapter.findByField(field, values, {
      throttle: ctx.retry[side].throttle, ...(ctx.signal ? { signal: ctx.signal } : {}),
    }));
  let plan: CyclePlan;
  try {
    plan = await planCycle({
      job, pair: ctx.pair, linkIndex: ctx.linkIndex, loader, findByField,
      items: { source: pulled.source.items, dest: pulled.dest.items },
      now: () => new Date(clock.now()).toISOString(),
    });
  } catch (err) {
    ctx.rethrowFatal(err);
    if (!isSyncFrameError(err)) throw err;
    counters.recordFailure(null, err);
    ctx.logger.error({ err: errorText(err) }, 'planning failed');
    return null;
  }
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
  return { plan, loader, givenUp };
}
