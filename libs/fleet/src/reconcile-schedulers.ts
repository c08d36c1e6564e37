import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { ParsedJobConfig } from '@syncframe/config';
import type { TickJobData } from './queues.js';
import {
  PRUNE_JOB_NAME, PRUNE_SCHEDULER_ID, RECONCILE_SCHEDULER_PREFIX, reconcileSchedulerIdOf, schedulerIdOf, SYNC_SCHEDULER_PREFIX, TICK_JOB_NAME,
} from './queues.js';

/** One BullMQ job scheduler as SyncFrame wants it. */
export interface DesiredScheduler {
  readonly id: string;
  /** A cron pattern, or (reconciliation) none: then `every`. */
  readonly pattern?: string;
  readonly every?: number;
  readonly tz?: string;
  readonly name: string;
  readonly data: TickJobData;
}

/** What Redis holds (the parts compared). */
export interface ExistingScheduler {
  readonly key: string;
  readonly pattern?: string | null;
  readonly every?: number | null;
  readonly tz?: string | null;
  readonly data?: unknown;
}

/** Nightly prune of run records older than 30 days, at 03:15 UTC. */
export const PRUNE_SCHEDULE = { pattern: '15 3 * * *', tz: 'UTC', olderThanDays: 30 };

/**
 * The schedulers the config asks for: one per enabled job with a schedule, one per enabled job
 * with `reconcile`, plus the nightly prune.
 */
export function desiredSchedulers(jobs: readonly ParsedJobConfig[]): DesiredScheduler[] {
  const out: DesiredScheduler[] = jobs
    .filter((j) => j.enabled && j.schedule)
    .map((j) => {
      const tz = j.schedule!.timezone ?? 'UTC';
      const specHash = createHash('sha256').update(`${j.schedule!.cron}\u0000${tz}`).digest('hex').slice(0, 12);
      return { id: schedulerIdOf(j.id), pattern: j.schedule!.cron, tz, name: TICK_JOB_NAME, data: { kind: 'sync', jobId: j.id, specHash } };
    });
  for (const j of jobs) {
    if (!j.enabled || !j.reconcile) continue;
    out.push({ id: reconcileSchedulerIdOf(j.id), every: j.reconcile.everyMs, name: TICK_JOB_NAME, data: { kind: 'reconcile', jobId: j.id, everyMs: j.reconcile.everyMs } });
  }
  out.push({
    id: PRUNE_SCHEDULER_ID, pattern: PRUNE_SCHEDULE.pattern, tz: PRUNE_SCHEDULE.tz, name: PRUNE_JOB_NAME,
    data: { kind: 'prune', olderThanDays: PRUNE_SCHEDULE.olderThanDays },
  });
  return out;
}

/**
 * Pure reconciliation: upsert what is missing or different, remove what SyncFrame owns and no
 * longer wants. Unchanged schedulers are left alone, so a restart or a second replica changes nothing.
 */
export function diffSchedulers(desired: readonly DesiredScheduler[], existing: readonly ExistingScheduler[]) {
  const have = new Map(existing.map((e) => [e.key, e]));
  const upsert = desired.filter((d) => {
    const e = have.get(d.id);
    if (!e) return true;
    const timing = d.every !== undefined ? Number(e.every ?? NaN) !== d.every : e.pattern !== d.pattern || (e.tz ?? 'UTC') !== d.tz;
    return timing || JSON.stringify(e.data ?? null) !== JSON.stringify(d.data);
  });
  const wanted = new Set(desired.map((d) => d.id));
  const ours = (key: string) => key.startsWith(SYNC_SCHEDULER_PREFIX) || key.startsWith(RECONCILE_SCHEDULER_PREFIX) || key === PRUNE_SCHEDULER_ID;
  const remove = existing
    .filter((e) => ours(e.key) && !wanted.has(e.key))
    .map((e) => e.key);
  return { upsert, remove };
}

export interface ReconcileReport {
  readonly upserted: string[];
  readonly removed: string[];
  readonly unchanged: number;
}

/** Applies `diffSchedulers` to the ticks queue. */
export async function reconcileSchedulers(ticks: Queue, jobs: readonly ParsedJobConfig[]): Promise<ReconcileReport> {
  const desired = desiredSchedulers(jobs);
  const existing = (await ticks.getJobSchedulers(0, -1, true)).map((s) => ({
    key: s.key, pattern: s.pattern ?? null, every: s.every === undefined || s.every === null ? null : Number(s.every), tz: s.tz ?? null, data: s.template?.data,
  }));
  const { upsert, remove } = diffSchedulers(desired, existing);
  for (const d of upsert) {
    await ticks.upsertJobScheduler(d.id, d.every !== undefined ? { every: d.every } : { pattern: d.pattern!, tz: d.tz! }, {
      name: d.name, data: d.data, opts: { removeOnComplete: { count: 200 }, removeOnFail: { count: 1000 } },
    });
  }
  for (const id of remove) await ticks.removeJobScheduler(id);
  return { upserted: upsert.map((d) => d.id), removed: remove, unchanged: desired.length - upsert.length };
}
