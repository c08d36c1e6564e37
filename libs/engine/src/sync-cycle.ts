import { FailingRecords } from './failing-records.js';
import type { SyncJob } from './job.js';
import { LinkedIdLoader } from './linked-id-loader.js';
import type { PendingDeleteState } from './pending-delete.js';
import type { PlanEntry } from './plan.js';
import { chunkStage, loadChunk, planStage } from './plan-stage.js';
import { PulledRecords, SPILL_AFTER_RECORDS } from './pulled-records.js';
import { pullStage } from './pull-stage.js';
import { cancelReappeared, reconcileStage } from './reconcile-stage.js';
import { PushStage } from './push-stage.js';
import { recordStage, summarizeRun } from './record-stage.js';
import { retryRequestedStage } from './retry-requested.js';
import type { RunContext, SyncCycleDeps, SyncCycleOptions } from './run-context.js';
import { openRunContext } from './run-context.js';
import type { RunFailure, RunStatus, RunSummary } from './run-summary.js';

const CHUNKS_PUSHED_AT_ONCE = 2;
const WAITING_DELETES: readonly PendingDeleteState[] = ['open', 'approved', 'rejected'];

export type { CycleProgress, CycleWait, SyncCycleDeps, SyncCycleOptions } from './run-context.js';

export interface CycleResult {
  /** `skipped`: the job is disabled and nothing ran. */
  readonly status: RunStatus | 'skipped';
  /** The stored run summary; null when skipped or dry. */
  readonly summary: RunSummary | null;
  /** Per pulled record, what the run did (or, dry, would do); empty with `keepPlan: false`. */
  readonly plan: PlanEntry[];
  /** Why the run failed as a whole (also in `summary`; a dry run has only this). */
  readonly failures: readonly RunFailure[];
}

/**
 * Runs one cycle of one job: skip if disabled → pull both sides (at once; records past
 * `spillAfter` go to the run's spool) → read the job's failing records and add those a person
 * asked to retry ({@link retryRequestedStage}) → read links and conflicts, and split the pulled records
 * into chunks of related records → per chunk: map, look
 * links up, drop echoes, detect conflicts, then push both sides at once (several batches in flight
 * per side, through throttle and retries, saving links per batch and cursors as soon as safe),
 * the next chunk planned while one is pushed → record the run and its failing records → fail counts and disabling. One
 * {@link RunContext} with the run's counters goes through every stage.
 */
export async function runSyncCycle(job: SyncJob, deps: SyncCycleDeps, options: SyncCycleOptions = {}): Promise<CycleResult> {
  const ctx = openRunContext(job, deps, options);
  if ((await ctx.linkIndex.getJobState(job.id)).disabledAt) {
    ctx.logger.warn({}, 'job is disabled; run skipped');
    return { status: 'skipped', summary: null, plan: [], failures: [] };
  }

  const records = new PulledRecords(deps.openSpool, options.spillAfter ?? SPILL_AFTER_RECORDS);
  try {
    return await pullPlanPush(ctx, records, options);
  } finally {
    await records.close();
  }
}

async function pullPlanPush(ctx: RunContext, records: PulledRecords, options: SyncCycleOptions): Promise<CycleResult> {
  const pulled = await pullStage(ctx, records);
  if (!pulled) return finish(ctx, []);
  // The job's pending deletes not carried out yet, read once: reconciliation, cancelling and the delete stage share them.
  let waiting = await ctx.linkIndex.listPendingDeletes(ctx.job.id, WAITING_DELETES);
  if (ctx.reconcile) {
    const reconciled = await reconcileStage(ctx, pulled, waiting);
    ctx.counters.reconcile = reconciled.outcome;
    waiting = reconciled.waiting;
  } else waiting = await cancelReappeared(ctx, waiting, { source: null, dest: null }, pulled);
  const failing = await FailingRecords.load(ctx);
  await retryRequestedStage(ctx, pulled, records, failing);

  const loader = new LinkedIdLoader(ctx.linkIndex);
  const chunks = await chunkStage(ctx, pulled, loader, records);
  if (!chunks) return finish(ctx, [], failing);
  const entries: PlanEntry[] = [];
  const keep = options.keepPlan ?? true;
  const push = ctx.dryRun ? null : new PushStage(ctx, pulled, loader, waiting);
  // Chunks are independent: the next is planned while earlier ones are pushed, and two are pushed
  // at once (sharing each side's requests in flight) so the remote and the LinkIndex never wait
  // for a chunk to drain.
  const pushing: Promise<void>[] = [];
  let planComplete = true;
  try {
    for (const chunk of chunks) {
      const planned = await planStage(ctx, await loadChunk(records, chunk), loader);
      if (!planned) {
        planComplete = false;
        break; // recorded; the chunks planned before it are still pushed
      }
      if (keep) for (const e of planned.plan.entries) entries.push(e);
      failing.notePlanned(planned);
      if (!push) continue;
      if (pushing.length >= CHUNKS_PUSHED_AT_ONCE) await pushing.shift();
      const p = push.push(planned);
      p.catch(() => undefined); // awaited in turn; this only keeps a failure from going unhandled meanwhile
      pushing.push(p);
    }
    while (pushing.length > 0) await pushing.shift();
  } catch (err) {
    await Promise.allSettled(pushing); // nothing left running behind the error
    throw err;
  }
  if (ctx.dryRun) {
    ctx.logger.info({ entries: entries.length }, 'dry run planned; nothing written');
    return finish(ctx, entries, failing);
  }
  await push!.finish(planComplete);
  return finish(ctx, entries, failing);
}

async function finish(ctx: RunContext, entries: PlanEntry[], failing: FailingRecords | null = null): Promise<CycleResult> {
  const summary = summarizeRun(ctx);
  const { failures } = ctx.counters;
  if (ctx.dryRun) return { status: summary.status, summary: null, plan: entries, failures };
  await recordStage(ctx, summary, failing);
  return { status: summary.status, summary, plan: entries, failures };
}
