import { randomUUID } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import type { RunTrigger } from '@syncframe/engine';

/**
 * Every queue name, job name and job data type of the fleet, in one place: the scheduler, the
 * workers and the board all import them from here.
 */
export const QUEUES = {
  /** Runs of sync jobs (real work), deduplicated per job. */
  runs: 'sync-runs',
  /** Ticks produced by the BullMQ job schedulers; a tick enqueues a run. Tiny, never credentials. */
  ticks: 'sync-ticks',
} as const;

/** BullMQ key prefix. Tests set their own (`SYNCFRAME_QUEUE_PREFIX`) to isolate themselves. */
export const DEFAULT_QUEUE_PREFIX = 'syncframe';

export const RUN_JOB_NAME = 'run';
export const TICK_JOB_NAME = 'tick';
export const PRUNE_JOB_NAME = 'prune';

/** A run's queue data: which job and why. Never a credential: each worker resolves those itself. */
export interface RunJobData {
  readonly jobId: string;
  readonly trigger: RunTrigger;
  readonly requestedAt: string;
  /**
   * The engine's `runId` of the run's first attempt, chosen when it is enqueued so a caller can
   * follow it before it starts; later attempts of the same queue job record `<runId>.2`, `<runId>.3`…
   * ({@link attemptRunId}). {@link enqueueRun} also makes it the queue job's id. Absent from jobs
   * added by hand (a fresh id per attempt then).
   */
  readonly runId?: string;
  /** Also reconcile: list every id of both sides to find records deleted for good. */
  readonly reconcile?: boolean;
}

export type TickJobData =
  | { readonly kind: 'sync'; readonly jobId: string; readonly specHash: string }
  | { readonly kind: 'reconcile'; readonly jobId: string; readonly everyMs: number }
  | { readonly kind: 'prune'; readonly olderThanDays: number };

/** Scheduler ids: stable, readable, no ':' (BullMQ uses it in its own ids). */
export const schedulerIdOf = (jobId: string): string => `sync.${jobId}`;
export const PRUNE_SCHEDULER_ID = 'maintenance.prune';
export const SYNC_SCHEDULER_PREFIX = 'sync.';
/** Reconciliation schedulers: `reconcile.<jobId>`. */
export const reconcileSchedulerIdOf = (jobId: string): string => `reconcile.${jobId}`;
export const RECONCILE_SCHEDULER_PREFIX = 'reconcile.';

/** The deduplication id that keeps one run per job active (plus at most one follow-up). */
export const runDeduplicationId = (jobId: string, reconcile = false): string => (reconcile ? `reconcile.${jobId}` : `run.${jobId}`);

/**
 * How the queue tries a run again. Only a run that could not finish for reasons that are not the
 * remotes' is tried again here: a store of SyncFrame's own (PostgreSQL, Redis) stayed unreachable
 * longer than the worker rides out (`SYNCFRAME_STORE_OUTAGE_TOLERANCE_MS`), its lease could not be
 * renewed, or the run threw unexpectedly. Such a run records nothing and counts against no fail count.
 * A run that failed because a remote kept failing is recorded and not retried by the queue: the
 * job's `retries.max_attempts` already spent its attempts per request, and its next trigger is the
 * next try (README, "Retries and failures"). 8 attempts at 5 s doubling (with 20 % jitter) cover an
 * outage of about 10 minutes.
 */
export const RUN_RETRY = { attempts: 8, backoffMs: 5000 } as const;

/** BullMQ options of a run: the fleet's {@link RUN_RETRY}, deduplication per job, retention. */
export function runJobOptions(jobId: string, reconcile = false): JobsOptions {
  return {
    attempts: RUN_RETRY.attempts,
    backoff: { type: 'exponential', delay: RUN_RETRY.backoffMs, jitter: 0.2 },
    // Reconciling runs deduplicate among themselves: a plain trigger merged into one would lose its
    // listing, or one merged into a plain run lose the reconciliation. The job's lease runs them one at a time.
    deduplication: { id: runDeduplicationId(jobId, reconcile), keepLastIfActive: true },
    removeOnComplete: { count: 500, age: 7 * 24 * 3600 },
    removeOnFail: { count: 2000, age: 30 * 24 * 3600 },
  };
}

/** What became of a trigger (see {@link enqueueRun}). */
export type EnqueueOutcome =
  /** A new run waits in the queue. */
  | 'queued'
  /** A run of the job is active: this trigger is the one run queued to follow it. */
  | 'follow-up'
  /** A run of the job was already waiting (not started): this trigger was merged into it. */
  | 'merged-waiting'
  /** A run of the job is active and a follow-up was already queued: this trigger was merged into the follow-up. */
  | 'merged-follow-up';

/** What became of a trigger, in words (the board's flash and API, the CLI). */
export const ENQUEUE_OUTCOME_MESSAGES: Readonly<Record<EnqueueOutcome, string>> = {
  'queued': 'queued; a worker starts it shortly',
  'follow-up': 'a run of this job is active; this trigger queued one follow-up run, which starts when the active one ends',
  'merged-waiting': 'a run of this job is already queued; this trigger was merged into it',
  'merged-follow-up': 'a run of this job is active and its follow-up run is already queued; this trigger was merged into the follow-up',
};

export interface EnqueuedRun {
  /**
   * The queue job that will run: the new one, or the one already waiting that absorbed this
   * trigger. For a follow-up, the id the queue job gets when the active run ends (BullMQ keeps it
   * aside until then).
   */
  readonly queueJobId: string;
  /**
   * The `runId` the run will be recorded under (its first attempt). Null only when this trigger
   * was merged into a run queued without one (by hand, or by a version before run ids were chosen
   * at enqueue time).
   */
  readonly runId: string | null;
  /** True when this trigger was merged into a run that was already queued (no new run). */
  readonly deduplicated: boolean;
  readonly outcome: EnqueueOutcome;
}

/** The run id attempt `attempt` (1-based) of a queue job records: `runId` itself, then `runId.2`, `runId.3`… */
export const attemptRunId = (runId: string, attempt: number): string => (attempt <= 1 ? runId : `${runId}.${attempt}`);

/** The run id chosen at enqueue time behind an attempt's run id (`x.3` → `x`; `x` → `x`). */
export function baseRunIdOf(runId: string): string {
  const match = /^(.+)\.(\d+)$/.exec(runId);
  return match ? match[1]! : runId;
}

/** A follow-up run BullMQ keeps aside while the job's active run goes on (`keepLastIfActive`). */
export interface FollowUpRun {
  /** The id its queue job will get. */
  readonly queueJobId: string;
  readonly data: RunJobData;
}

/**
 * The follow-up run of `jobId` BullMQ holds while a run of the job is active, or null. BullMQ
 * 6 keeps it in the hash `<prefix>:<queue>:dn:<deduplication id>` (fields `jid`, `data`) and has
 * no getter for it; the layout is pinned with the bullmq version.
 */
export async function followUpRunOf(queue: Queue, jobId: string, reconcile = false): Promise<FollowUpRun | null> {
  const client = await queue.getBackend().client;
  const [jid, data] = await client.hmget(queue.toKey(`dn:${runDeduplicationId(jobId, reconcile)}`), 'jid', 'data');
  if (!jid || !data) return null;
  try {
    const parsed = JSON.parse(data) as RunJobData;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.jobId === 'string' ? { queueJobId: jid, data: parsed } : null;
  } catch {
    return null;
  }
}

/**
 * Adds a run of `jobId` and says what became of it. A trigger that arrives while a run of the job
 * waits is merged into it; one that arrives while a run is active becomes exactly one follow-up
 * run (`keepLastIfActive`), and later triggers during the same active run are merged into that
 * follow-up.
 *
 * The run's id is chosen here (a random UUID, also used as the queue job's id), so the caller can
 * follow it before a worker starts it. A merged trigger reports the id of the run it joined. A
 * follow-up keeps the identity of the first trigger that created it: BullMQ replaces the held
 * follow-up with the latest trigger's data, so each trigger during the active run re-uses the
 * held run's ids.
 */
export async function enqueueRun(
  queue: Queue, job: { readonly id: string }, trigger: RunTrigger, now: Date = new Date(), options: { readonly reconcile?: boolean } = {},
): Promise<EnqueuedRun> {
  const reconcile = options.reconcile === true;
  const held = await followUpRunOf(queue, job.id, reconcile);
  const reused = held !== null && typeof held.data.runId === 'string';
  const runId = reused ? held.data.runId! : randomUUID();
  const queueJobId = reused ? held.queueJobId : runId;
  const data: RunJobData = { jobId: job.id, trigger, requestedAt: now.toISOString(), runId, ...(reconcile ? { reconcile: true } : {}) };
  const added = await queue.add(RUN_JOB_NAME, data, { ...runJobOptions(job.id, reconcile), jobId: queueJobId });
  if (reused) return { queueJobId, runId, deduplicated: true, outcome: 'merged-follow-up' };
  if (added.id === queueJobId) return { queueJobId, runId, deduplicated: false, outcome: 'queued' };
  // Deduplicated: BullMQ answered with the id of the run it found. Active → ours is held as its
  // follow-up (or already became a queue job, if the active run ended meanwhile); waiting → merged.
  const next = await followUpRunOf(queue, job.id, reconcile);
  if (next?.queueJobId === queueJobId || (await queue.getJob(queueJobId))) {
    return { queueJobId, runId, deduplicated: false, outcome: 'follow-up' };
  }
  if (next) {
    // Another trigger replaced ours as the follow-up in the instant between: we joined it.
    return { queueJobId: next.queueJobId, runId: next.data.runId ?? null, deduplicated: true, outcome: 'merged-follow-up' };
  }
  const existing = await queue.getJob(added.id!);
  const existingRunId = (existing?.data as Partial<RunJobData> | undefined)?.runId;
  return { queueJobId: added.id!, runId: typeof existingRunId === 'string' ? existingRunId : null, deduplicated: true, outcome: 'merged-waiting' };
}
