import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { CursorTracker } from './cursor-tracker.js';
import { abortErrorOf, isFatalRunError } from './fatal-error.js';
import { GIVEN_UP_NOTE, holdsCursor } from './failed-record-hold.js';
import { isRateLimitedError } from './errors/rate-limited-error.js';
import { isSyncFrameError } from './errors/syncframe-error.js';
import type { ThrottleProvider } from './in-process-throttles.js';
import { InProcessThrottles } from './in-process-throttles.js';
import type { SyncJob } from './job.js';
import { jobSide } from './job.js';
import type { LinkIndex, TablePair } from './link-index.js';
import { LinkedIdLoader } from './linked-id-loader.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { FindByField } from './plan-cycle.js';
import { planCycle } from './plan-cycle.js';
import type { CycleItem, PlanEntry } from './plan.js';
import { OpPusher } from './push-ops.js';
import type { PulledSide } from './pull-side.js';
import { pullSide } from './pull-side.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';
import type { RetryContext } from './retry.js';
import { withRetries } from './retry.js';
import type { RecordError, RunFailure, RunStatus, RunSummary, RunTrigger, SideCounts } from './run-summary.js';
import { emptySideCounts, MAX_RECORDED_ERRORS } from './run-summary.js';
import type { Throttle } from './throttle.js';

export interface CycleProgress {
  readonly phase: 'pull' | 'plan' | 'push' | 'done';
  /** Records pulled so far (pull), or writes done so far of `total` (push). */
  readonly done: number;
  readonly total: number;
}

export interface SyncCycleDeps {
  readonly linkIndex: LinkIndex;
  /** @defaultValue the system clock */
  readonly clock?: Clock;
  /** @defaultValue a silent logger */
  readonly logger?: Logger;
  /** @defaultValue one in-process sliding-window throttle per remote account */
  readonly throttles?: ThrottleProvider;
  /** Aborts the run between requests (SIGTERM, lost lease). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CycleProgress) => void;
}

export interface SyncCycleOptions {
  /** @defaultValue a random UUID */
  readonly runId?: string;
  /** @defaultValue 'cli' */
  readonly trigger?: RunTrigger;
  /** Plan only: pull and read, write nothing remote or local, return what a real run would do. */
  readonly dryRun?: boolean;
}

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
 * Runs one cycle of one job: skip if disabled → pull both sides → map → look links up → drop
 * echoes → detect conflicts → push in batches through throttle and retries, saving links per
 * batch and cursors as soon as safe → record the run → fail counts and disabling.
 */
export async function runSyncCycle(job: SyncJob, deps: SyncCycleDeps, options: SyncCycleOptions = {}): Promise<CycleResult> {
  const clock = deps.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const logger = (deps.logger ?? silentLogger).child({ jobId: job.id, runId });
  const { linkIndex } = deps;
  const dryRun = options.dryRun === true;

  if ((await linkIndex.getJobState(job.id)).disabledAt) {
    logger.warn({}, 'job is disabled; run skipped');
    return { status: 'skipped', summary: null, plan: [], failures: [] };
  }

  const startedAt = clock.now();
  const now = () => new Date(clock.now()).toISOString();
  const pair: TablePair = { source: job.source.adapter.ref, dest: job.dest.adapter.ref };
  const provider = deps.throttles ?? new InProcessThrottles(clock);
  const counts: Record<Side, SideCounts> = { source: emptySideCounts(), dest: emptySideCounts() };
  const errors: RecordError[] = [];
  let errorCount = 0;
  const recordError = (e: RecordError) => {
    errorCount++;
    if (errors.length < MAX_RECORDED_ERRORS) errors.push(e);
    logger.warn({ side: jobSide(job, e.side).name, recordId: e.recordId, stage: e.stage, reason: e.reason }, 'record failed');
  };
  const failures: RunFailure[] = [];
  let retries = 0;
  let rateLimited = 0;
  let throttleWaitMs = 0;
  const retry = {} as Record<Side, RetryContext>;
  for (const side of SIDES) {
    const shared: Throttle = provider.throttleFor(jobSide(job, side));
    // Measures the waits of this run (the throttle itself is shared with other runs).
    const throttle: Throttle = {
      acquire: async (signal) => {
        const t0 = clock.now();
        const permit = await shared.acquire(signal);
        throttleWaitMs += clock.now() - t0;
        return permit;
      },
      pause: (ms) => shared.pause(ms),
    };
    const sideLog = logger.child({ side: jobSide(job, side).name });
    retry[side] = {
      retries: job.retries, clock, throttle, ...(deps.signal ? { signal: deps.signal } : {}),
      onRetry: (err, attempt, waitMs) => {
        retries++;
        if (isRateLimitedError(err)) rateLimited++;
        sideLog.warn({ attempt, waitMs, err: errorText(err) }, 'remote request failed; retrying');
      },
    };
  }
  const progress = (phase: CycleProgress['phase'], done: number, total: number) => deps.onProgress?.({ phase, done, total });
  /** A lost lease or an aborted run ends the run at once: not a side failure, nothing more written. */
  const rethrowFatal = (err: unknown): void => {
    if (isFatalRunError(err)) throw err;
    if (deps.signal?.aborted) throw abortErrorOf(deps.signal);
  };

  // ---- pull ----
  const pulled = {} as Record<Side, PulledSide>;
  let pulledCount = 0;
  for (const side of SIDES) {
    const adapter = jobSide(job, side).adapter;
    try {
      const cursor = await linkIndex.loadCursor(job.id, adapter.ref);
      pulled[side] = await pullSide(side, adapter, cursor, retry[side], (n) => progress('pull', (pulledCount += n), 0));
      counts[side].pulled = pulled[side].items.length;
      logger.info({ side: jobSide(job, side).name, records: pulled[side].items.length, pages: pulled[side].checkpoints.length }, 'pulled');
    } catch (err) {
      rethrowFatal(err);
      failures.push(failureOf(side, err));
      logger.error({ side: jobSide(job, side).name, err: errorText(err) }, 'pull failed');
    }
  }
  if (failures.length > 0) return finish([]);

  // ---- plan ----
  progress('plan', 0, 0);
  const loader = new LinkedIdLoader(linkIndex);
  const findByField: FindByField = (side, field, values) =>
    withRetries(retry[side], () => jobSide(job, side).adapter.findByField(field, values, {
      throttle: retry[side].throttle, ...(deps.signal ? { signal: deps.signal } : {}),
    }));
  let plan;
  try {
    plan = await planCycle({ job, pair, linkIndex, loader, items: { source: pulled.source.items, dest: pulled.dest.items }, findByField, now });
  } catch (err) {
    rethrowFatal(err);
    if (!isSyncFrameError(err)) throw err;
    failures.push(failureOf(null, err));
    logger.error({ err: errorText(err) }, 'planning failed');
    return finish([]);
  }
  const givenUp = new Set(plan.failures.filter((f) => !holdsCursor(f.item, clock.now())).map((f) => f.item));
  for (const f of plan.failures) {
    counts[f.item.side].errors++;
    const note = givenUp.has(f.item) ? GIVEN_UP_NOTE : '';
    recordError({ side: f.item.side, recordId: f.item.record.id, stage: f.stage, reason: f.reason + note });
  }
  for (const e of plan.entries) {
    if (e.action === 'echo') counts[e.side].echoesSkipped++;
    if (e.action === 'conflict') counts[e.side].conflicts++;
  }
  if (dryRun) {
    logger.info({ entries: plan.entries.length }, 'dry run planned; nothing written');
    return { status: errorCount > 0 ? 'partial' : 'success', summary: null, plan: plan.entries, failures };
  }

  // ---- push ----
  const cursors = {
    source: new CursorTracker(pulled.source.checkpoints, pulled.source.items),
    dest: new CursorTracker(pulled.dest.checkpoints, pulled.dest.items),
  };
  // A record that failed stays unsettled: its side's cursor stops before it, so the next run
  // pulls it again (what follows it comes back as echoes and costs no writes).
  const unsettled = new Set<CycleItem>([...plan.ops.flatMap((op) => op.settles), ...plan.failures.map((f) => f.item).filter((i) => !givenUp.has(i))]);
  for (const side of SIDES) for (const item of pulled[side].items) if (!unsettled.has(item)) cursors[side].settle(item);
  const writes = plan.ops.filter((op) => op.kind !== 'link').length;
  let applied = 0;
  progress('push', 0, writes);
  const pusher = new OpPusher({
    job, pair, linkIndex, loader, clock, retry, cursors, counts, recordError, logger,
    onApplied: (n) => progress('push', (applied += n), writes),
  });
  const failedSides = await pusher.pushAll(plan.ops, async () => {
    for (const c of plan.conflicts) await linkIndex.recordConflict(c);
    for (const { conflictId, keep } of plan.superseded) {
      await linkIndex.resolveConflict(conflictId, keep, new Date(clock.now()));
      await linkIndex.markConflictApplied(conflictId, new Date(clock.now()));
    }
  });
  for (const [side, err] of failedSides) {
    rethrowFatal(err);
    failures.push(failureOf(side, err));
    logger.error({ side: jobSide(job, side).name, err: errorText(err) }, 'push failed');
  }
  await pusher.saveCursors();
  return finish(plan.entries);

  async function finish(entries: PlanEntry[]): Promise<CycleResult> {
    const status: RunStatus = failures.length > 0 ? 'failed' : errorCount > 0 ? 'partial' : 'success';
    const endedAt = clock.now();
    const summary: RunSummary = {
      runId, jobId: job.id, trigger: options.trigger ?? 'cli',
      startedAt: new Date(startedAt).toISOString(), endedAt: new Date(endedAt).toISOString(),
      durationMs: endedAt - startedAt, status, counts, retries, rateLimited, throttleWaitMs, errors,
      errorsTruncated: errorCount > errors.length, failures,
    };
    if (dryRun) return { status, summary: null, plan: entries, failures };
    await linkIndex.insertRun(summary);
    await updateFailCounts(status);
    progress('done', 1, 1);
    logger.info({ status, counts, retries, durationMs: summary.durationMs }, 'run finished');
    return { status, summary, plan: entries, failures };
  }

  /** A side that failed counts one more failure; a job whose side reaches `disable_job_after` is disabled. */
  async function updateFailCounts(status: RunStatus): Promise<void> {
    const failedSides = new Set(failures.map((f) => f.side));
    if (status !== 'failed') {
      for (const side of SIDES) await linkIndex.resetFailCount(job.id, jobSide(job, side).adapter.ref);
      return;
    }
    for (const side of SIDES) {
      if (!failedSides.has(side) && !failedSides.has(null)) continue;
      const n = await linkIndex.incrementFailCount(job.id, jobSide(job, side).adapter.ref);
      if (n >= job.retries.disable_job_after) {
        await linkIndex.disableJob(job.id, new Date(clock.now()));
        logger.error({ side: jobSide(job, side).name, failCount: n }, 'job disabled after repeated failures');
      }
    }
  }
}



function failureOf(side: Side | null, err: unknown): RunFailure {
  return { side, message: errorText(err), retryable: isSyncFrameError(err) ? err.retryable : false };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
