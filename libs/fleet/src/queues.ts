import type { JobsOptions, Queue } from 'bullmq';
import type { RetrySettings, RunTrigger } from '@syncframe/engine';

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
}

export type TickJobData =
  | { readonly kind: 'sync'; readonly jobId: string; readonly specHash: string }
  | { readonly kind: 'prune'; readonly olderThanDays: number };

/** Scheduler ids: stable, readable, no ':' (BullMQ uses it in its own ids). */
export const schedulerIdOf = (jobId: string): string => `sync.${jobId}`;
export const PRUNE_SCHEDULER_ID = 'maintenance.prune';
export const SYNC_SCHEDULER_PREFIX = 'sync.';

/** The deduplication id that keeps one run per job active (plus at most one follow-up). */
export const runDeduplicationId = (jobId: string): string => `run.${jobId}`;

/** BullMQ options of a run: attempts and exponential back-off from the job's `retries`. */
export function runJobOptions(jobId: string, retries: RetrySettings): JobsOptions {
  return {
    attempts: Math.max(1, retries.max_attempts),
    backoff: { type: 'exponential', delay: retries.backoff_sec * 1000, jitter: 0.2 },
    deduplication: { id: runDeduplicationId(jobId), keepLastIfActive: true },
    removeOnComplete: { count: 500, age: 7 * 24 * 3600 },
    removeOnFail: { count: 2000, age: 30 * 24 * 3600 },
  };
}

export interface EnqueuedRun {
  /** The queue job that will run: the new one, or the one already waiting that absorbed this trigger. */
  readonly queueJobId: string;
  /** True when a waiting or active run of the same job absorbed this trigger. */
  readonly deduplicated: boolean;
}

/**
 * Adds a run of `jobId`. A trigger that arrives while a run of the job waits is absorbed by it; one
 * that arrives while a run is active becomes exactly one follow-up run (`keepLastIfActive`).
 */
export async function enqueueRun(
  queue: Queue, job: { readonly id: string; readonly retries: RetrySettings }, trigger: RunTrigger, now: Date = new Date(),
): Promise<EnqueuedRun> {
  const before = await queue.getDeduplicationJobId(runDeduplicationId(job.id));
  const data: RunJobData = { jobId: job.id, trigger, requestedAt: now.toISOString() };
  const added = await queue.add(RUN_JOB_NAME, data, runJobOptions(job.id, job.retries));
  return { queueJobId: added.id!, deduplicated: before !== null && added.id === before };
}
