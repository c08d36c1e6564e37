import type { Conflict, LinkIndex, RunSummary } from '@syncframe/engine';
import type { RunJobData } from '@syncframe/fleet';
import { attemptRunId, baseRunIdOf, followUpRunOf, RUN_RETRY } from '@syncframe/fleet';
import type { BoardDeps } from './board-deps.js';

/** Run ids the fleet chooses at enqueue time (random UUIDs); only these are looked up in the queue. */
const ENQUEUED_RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where a run not recorded yet stands in the queue. */
export type QueuedRunState =
  | 'waiting' | 'prioritized' | 'waiting-children' | 'delayed' | 'active' | 'completed' | 'failed' | 'unknown'
  /** Held by BullMQ as the follow-up of the job's active run: it becomes a queue job when that run ends. */
  | 'follow-up';

/** A run the queue knows about (by the run id chosen when it was enqueued). */
export interface QueuedRunView {
  /** The run id asked about (an attempt's `<runId>.<n>`, or the run id itself). */
  readonly runId: string;
  readonly queueJobId: string;
  readonly jobId: string;
  readonly trigger: string;
  readonly requestedAt: string | null;
  readonly state: QueuedRunState;
  /** Attempts BullMQ has made so far. */
  readonly attemptsMade: number;
  /** Finished without a recorded run: what the worker answered (skipped, superseded), in words. */
  readonly outcome: string | null;
  /** Failed: BullMQ's failure reason (scrubbed of configured secrets). */
  readonly failedReason: string | null;
}

function outcomeText(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const { outcome, reason } = value as { outcome?: unknown; reason?: unknown };
  if (typeof outcome !== 'string') return null;
  return typeof reason === 'string' ? `${outcome}: ${reason}` : outcome;
}

/**
 * The queue's view of `runId` (a run id handed out by an enqueue, or `<runId>.<n>` of a later
 * attempt): its queue job (whose id is the run id), or the follow-up BullMQ holds for one of the
 * configured jobs. Null when the queue does not know it (never enqueued, or its queue job was
 * already removed: kept 7 days after completing, 30 after failing).
 */
export async function findQueuedRun(
  deps: Pick<BoardDeps, 'queues' | 'config'>, runId: string, scrub: (text: string) => string,
): Promise<QueuedRunView | null> {
  const base = baseRunIdOf(runId);
  // Never a lookup of arbitrary ids: BullMQ keeps its own bookkeeping (meta, events…) beside job hashes.
  if (!ENQUEUED_RUN_ID.test(base)) return null;
  const queue = deps.queues.runs;
  const job = await queue.getJob(base);
  const data = job?.data as Partial<RunJobData> | undefined;
  if (job && data?.runId === base && typeof data.jobId === 'string') {
    const state = (await job.getState()) as QueuedRunState;
    return {
      runId, queueJobId: base, jobId: data.jobId, trigger: String(data.trigger ?? ''), requestedAt: data.requestedAt ?? null,
      state, attemptsMade: job.attemptsMade,
      outcome: state === 'completed' ? outcomeText(job.returnvalue) : null,
      failedReason: state === 'failed' && job.failedReason ? scrub(job.failedReason) : null,
    };
  }
  for (const configured of deps.config().jobs) {
    const held = await followUpRunOf(queue, configured.id);
    if (held?.queueJobId === base && held.data.runId === base) {
      return {
        runId, queueJobId: base, jobId: held.data.jobId, trigger: held.data.trigger, requestedAt: held.data.requestedAt,
        state: 'follow-up', attemptsMade: 0, outcome: null, failedReason: null,
      };
    }
  }
  return null;
}

/**
 * The run with its record errors' reasons and failures' messages cleaned of configured secrets:
 * they quote the remotes, and the engine already keeps credentials out; this is the second lock.
 */
export function scrubRun(run: RunSummary, scrub: (text: string) => string): RunSummary {
  return {
    ...run,
    errors: run.errors.map((e) => ({ ...e, reason: scrub(e.reason) })),
    failures: run.failures.map((f) => ({ ...f, message: scrub(f.message) })),
  };
}

/** Attempt numbers probed beyond the queue's own attempts (runs handed back at shutdown, retries from Bull Board). */
const EXTRA_ATTEMPTS = 3;

/**
 * Other recorded attempts of the same enqueued run (`<runId>`, `<runId>.2`, …), in attempt order,
 * without `run` itself: point lookups of every attempt number the queue's {@link RUN_RETRY} allows, and a few more.
 */
export async function otherAttemptsOf(deps: Pick<BoardDeps, 'store' | 'config'>, run: RunSummary): Promise<RunSummary[]> {
  const base = baseRunIdOf(run.runId);
  if (!ENQUEUED_RUN_ID.test(base)) return [];
  const count = RUN_RETRY.attempts + EXTRA_ATTEMPTS;
  const ids = Array.from({ length: count }, (_, i) => attemptRunId(base, i + 1)).filter((id) => id !== run.runId);
  const found = await Promise.all(ids.map((id) => deps.store.getRun(id)));
  return found.filter((r): r is RunSummary => r !== null);
}

/** The conflicts of the run's job detected while it ran (whatever their state now), oldest first. */
export async function conflictsOfRun(store: LinkIndex, run: RunSummary): Promise<Conflict[]> {
  // Only the run's own window is read (in SQL): resolved and applied conflicts are never pruned.
  const range = { from: run.startedAt, to: run.endedAt };
  const all = (await Promise.all((['open', 'resolved', 'applied'] as const).map((s) => store.listConflicts(run.jobId, s, range)))).flat();
  return all.sort((a, b) => a.detectedAt.localeCompare(b.detectedAt));
}
