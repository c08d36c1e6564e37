import type { SyncJob } from './job.js';
import type { PlanEntry } from './plan.js';
import { planStage } from './plan-stage.js';
import { pullStage } from './pull-stage.js';
import { pushStage } from './push-stage.js';
import { recordStage, summarizeRun } from './record-stage.js';
import type { RunContext, SyncCycleDeps, SyncCycleOptions } from './run-context.js';
import { openRunContext } from './run-context.js';
import type { RunFailure, RunStatus, RunSummary } from './run-summary.js';

export type { CycleProgress, CycleWait, SyncCycleDeps, SyncCycleOptions } from './run-context.js';

export interface CycleResult {
  /** `skipped`: the job is disabled and nothing ran. */
  readonly status: RunStatus | 'skipped';
  /** The stored run summary; null when skipped or dry. */
  readonly summary: RunSummary | null;
  /** Per pulled record, what the run did (or, dry, would do). */
  readonly plan: PlanEntry[];
  /** Why the run failed as a whole (also in `summary`; a dry run has only this). */
  readonly failures: readonly RunFailure[];
}

/**
 * Runs one cycle of one job: skip if disabled → pull both sides (at once) → map → look links up →
 * drop echoes → detect conflicts → push both sides at once, several batches in flight per side,
 * through throttle and retries, saving links per batch and cursors as soon as safe → record the
 * run → fail counts and disabling. One {@link RunContext} with the run's counters goes through
 * every stage.
 */
export async function runSyncCycle(job: SyncJob, deps: SyncCycleDeps, options: SyncCycleOptions = {}): Promise<CycleResult> {
  const ctx = openRunContext(job, deps, options);
  if ((await ctx.linkIndex.getJobState(job.id)).disabledAt) {
    ctx.logger.warn({}, 'job is disabled; run skipped');
    return { status: 'skipped', summary: null, plan: [], failures: [] };
  }

  const pulled = await pullStage(ctx);
  if (!pulled) return finish(ctx, []);

  const planned = await planStage(ctx, pulled);
  if (!planned) return finish(ctx, []);
  if (ctx.dryRun) {
    ctx.logger.info({ entries: planned.plan.entries.length }, 'dry run planned; nothing written');
    return finish(ctx, planned.plan.entries);
  }

  await pushStage(ctx, pulled, planned);
  return finish(ctx, planned.plan.entries);
}

async function finish(ctx: RunContext, entries: PlanEntry[]): Promise<CycleResult> {
  const summary = summarizeRun(ctx);
  const { failures } = ctx.counters;
  if (ctx.dryRun) return { status: summary.status, summary: null, plan: entries, failures };
  await recordStage(ctx, summary);
  return { status: summary.status, summary, plan: entries, failures };
}
