import { PLAN_CHUNK_ITEMS } from './plan-chunks.js';
import type { SPILL_AFTER_RECORDS } from './pulled-records.js';
import type { OpenRecordSpool } from './record-spool.js';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { abortErrorOf, isFatalRunError } from './fatal-error.js';
import { isRateLimitedError } from './errors/rate-limited-error.js';
import type { ThrottleProvider } from './in-process-throttles.js';
import { InProcessThrottles, rateLimitKeyOf } from './in-process-throttles.js';
import type { SyncJob } from './job.js';
import { jobSide } from './job.js';
import type { LinkIndex, TablePair } from './link-index.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { meteredThrottle } from './metered-throttle.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';
import type { RetryContext } from './retry.js';
import { errorText, RunCounters } from './run-counters.js';
import type { RunTrigger } from './run-summary.js';

export interface CycleProgress {
  readonly phase: 'pull' | 'plan' | 'push' | 'done';
  /** Records pulled so far (pull), or writes done so far of `total` (push). */
  readonly done: number;
  readonly total: number;
}

/** A run waiting on a remote account: for a person watching a terminal. */
export interface CycleWait {
  /** The side's name in the config. */
  readonly side: string;
  /**
   * `retry`: a request failed and is retried after `ms`; `rate-limited`: the remote answered 429
   * and the account is held for `ms`; `throttle`: the request waits for its turn in the account's
   * budget (told once it has waited a second; `ms` unknown).
   */
  readonly reason: 'retry' | 'rate-limited' | 'throttle';
  readonly ms: number | null;
  /** What failed (retry, rate-limited). */
  readonly cause?: string;
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
  /** Told when the run waits for a retry, a 429's penalty or its turn in a rate limit. */
  readonly onWait?: (wait: CycleWait) => void;
  /**
   * Retryable errors that end a request's retries at once all the same. The CLI gives up on a
   * host that does not resolve or refuses connections instead of backing off for minutes.
   * @defaultValue none: every retryable error is retried
   */
  readonly giveUp?: (err: unknown) => boolean;
  /**
   * Opens a spool for the records a run pulls beyond `spillAfter` (e.g. `FileRecordSpool.open`):
   * a run's memory then grows with a chunk and an id per pulled record, not with the records.
   * @defaultValue none: every pulled record stays in memory until the run ends
   */
  readonly openSpool?: OpenRecordSpool;
}

export interface SyncCycleOptions {
  /** @defaultValue a random UUID */
  readonly runId?: string;
  /** @defaultValue 'cli' */
  readonly trigger?: RunTrigger;
  /** Plan only: pull and read, write nothing remote or local, return what a real run would do. */
  readonly dryRun?: boolean;
  /**
   * Return what the run did per record (`CycleResult.plan`). A worker that does not read it passes
   * false: a run's memory then grows with a chunk of records, not with its changes.
   * @defaultValue true
   */
  readonly keepPlan?: boolean;
  /**
   * Pulled records planned and pushed together (records planning decides together always share
   * a chunk, however large it grows).
   * @defaultValue {@link PLAN_CHUNK_ITEMS}
   */
  readonly planChunkItems?: number;
  /**
   * Pulled records a run holds in memory; the rest go to the spool `openSpool` opens (without one,
   * all stay in memory).
   * @defaultValue {@link SPILL_AFTER_RECORDS}
   */
  readonly spillAfter?: number;
  /**
   * Also list every id of both sides and take linked records missing from a complete listing as
   * deleted for good (hard deletes, which incremental pulls cannot see).
   * @defaultValue false
   */
  readonly reconcile?: boolean;
}

/** What every stage of one run works with: the job, its stores, its clock, and the run's counters. */
export interface RunContext {
  readonly job: SyncJob;
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly dryRun: boolean;
  readonly planChunkItems: number;
  readonly pair: TablePair;
  readonly linkIndex: LinkIndex;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly startedAt: number;
  readonly counters: RunCounters;
  /** Per side, the ids reconciliation found gone (deleted for good) in this run. */
  readonly gone: Record<Side, Set<string>>;
  /** Reconcile this run: list every id of both sides and treat linked records missing as deleted. */
  readonly reconcile: boolean;
  /** Per side: its metered throttle, retry settings and the run's signal. */
  readonly retry: Record<Side, RetryContext>;
  progress(phase: CycleProgress['phase'], done: number, total: number): void;
  /** The side's name in the config, for logs. */
  sideName(side: Side): string;
  /** A lost lease or an aborted run ends the run at once: not a side failure, nothing more written. */
  rethrowFatal(err: unknown): void;
}

export function openRunContext(job: SyncJob, deps: SyncCycleDeps, options: SyncCycleOptions): RunContext {
  const clock = deps.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const logger = (deps.logger ?? silentLogger).child({ jobId: job.id, runId });
  const provider = deps.throttles ?? new InProcessThrottles(clock);
  const sideName = (side: Side) => jobSide(job, side).name;
  const counters = new RunCounters(logger, sideName);
  const retry = {} as Record<Side, RetryContext>;
  for (const side of SIDES) {
    const js = jobSide(job, side);
    const onSlow = deps.onWait ? () => deps.onWait!({ side: js.name, reason: 'throttle', ms: null }) : undefined;
    const throttle = meteredThrottle(provider.throttleFor(js), counters.accountOf(rateLimitKeyOf(js), js), clock, onSlow);
    const sideLog = logger.child({ side: js.name });
    retry[side] = {
      retries: job.retries, clock, throttle, ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.giveUp ? { giveUp: deps.giveUp } : {}),
      onRetry: (err, attempt, waitMs) => {
        counters.retries++;
        const rateLimited = isRateLimitedError(err);
        sideLog.warn({ attempt, waitMs, rateLimited, err: errorText(err) }, 'remote request failed; retrying');
        deps.onWait?.({ side: js.name, reason: rateLimited ? 'rate-limited' : 'retry', ms: waitMs, cause: errorText(err) });
      },
    };
  }
  return {
    job, runId, clock, logger, counters, retry,
    gone: { source: new Set(), dest: new Set() },
    reconcile: options.reconcile === true,
    trigger: options.trigger ?? 'cli',
    dryRun: options.dryRun === true,
    planChunkItems: Math.max(1, options.planChunkItems ?? PLAN_CHUNK_ITEMS),
    pair: { source: job.source.adapter.ref, dest: job.dest.adapter.ref },
    linkIndex: deps.linkIndex,
    ...(deps.signal ? { signal: deps.signal } : {}),
    startedAt: clock.now(),
    progress: (phase, done, total) => deps.onProgress?.({ phase, done, total }),
    sideName,
    rethrowFatal: (err) => {
      if (isFatalRunError(err)) throw err;
      if (deps.signal?.aborted) throw abortErrorOf(deps.signal);
    },
  };
}
