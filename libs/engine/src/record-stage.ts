import type { FailingRecords } from './failing-records.js';
import { storeRecordFailures } from './failing-records.js';
import { jobSide } from './job.js';
import { SIDES } from './record.js';
import type { RunContext } from './run-context.js';
import type { RunStatus, RunSummary } from './run-summary.js';

/** The run's summary, from its counters. */
export function summarizeRun(ctx: RunContext): RunSummary {
  const { counters } = ctx;
  const endedAt = ctx.clock.now();
  return {
    runId: ctx.runId, jobId: ctx.job.id, trigger: ctx.trigger,
    startedAt: new Date(ctx.startedAt).toISOString(), endedAt: new Date(endedAt).toISOString(),
    durationMs: endedAt - ctx.startedAt, status: counters.status(), counts: counters.counts,
    retries: counters.retries, rateLimited: counters.rateLimited, throttleWaitMs: counters.throttleWaitMs,
    accounts: counters.accountUsage(),
    errors: counters.errors, errorsTruncated: counters.errorCount > counters.errors.length, failures: counters.failures,
    ...(counters.deleteCount > 0 ? { deletes: counters.deletes, deletesTruncated: counters.deleteCount > counters.deletes.length } : {}),
    ...(counters.deletesHeld > 0 ? { deletesHeld: counters.deletesHeld } : {}),
    ...(counters.reconcile ? { reconcile: counters.reconcile } : {}),
  };
}

/**
 * Stores the run and its failing records (`failing`: the job's list as read after the pull; null
 * when the run ended before), then updates the sides' fail counts, disabling the job when one
 * reaches its limit.
 */
export async function recordStage(ctx: RunContext, summary: RunSummary, failing: FailingRecords | null = null): Promise<void> {
  await ctx.linkIndex.insertRun(summary);
  await storeRecordFailures(ctx, summary, failing);
  await updateFailCounts(ctx, summary.status);
  ctx.progress('done', 1, 1);
  ctx.logger.info({ status: summary.status, counts: summary.counts, retries: summary.retries, accounts: summary.accounts, durationMs: summary.durationMs }, 'run finished');
}

/** A side that failed counts one more failure; a job whose side reaches `disable_job_after` is disabled. */
async function updateFailCounts(ctx: RunContext, status: RunStatus): Promise<void> {
  const { job, linkIndex, clock } = ctx;
  const failedSides = new Set(ctx.counters.failures.map((f) => f.side));
  if (status !== 'failed') {
    for (const side of SIDES) await linkIndex.resetFailCount(job.id, jobSide(job, side).adapter.ref);
    return;
  }
  for (const side of SIDES) {
    if (!failedSides.has(side) && !failedSides.has(null)) continue;
    const n = await linkIndex.incrementFailCount(job.id, jobSide(job, side).adapter.ref);
    if (n >= job.retries.disable_job_after) {
      await linkIndex.disableJob(job.id, new Date(clock.now()));
      ctx.logger.error({ side: ctx.sideName(side), failCount: n }, 'job disabled after repeated failures');
    }
  }
}
