import type { Conflict, PendingDelete, PendingDeleteDecision, Side } from '@syncframe/engine';
import { conflictState, NotFoundError, systemClock } from '@syncframe/engine';
import type { EnqueuedRun, EnqueueOutcome } from '@syncframe/fleet';
import { ENQUEUE_OUTCOME_MESSAGES, enqueueRun } from '@syncframe/fleet';
import type { BoardDeps } from './board-deps.js';
import { ConflictNotOpenError, isJobDisabledError } from './errors/index.js';
import { assertRunnable, findJob } from './job-lookup.js';
import type { JobView } from './job-overview.js';
import { jobView } from './job-overview.js';
import { runApiPath, runPagePath } from './run-paths.js';

/**
 * What operators can change, shared by the JSON API and the page's forms so both obey the same
 * rules. A run enqueued here goes through the same guards as a scheduled one: BullMQ
 * deduplication per job, then the workers' PostgreSQL lease (one active run per job).
 */

/** What an enqueue answers: the queue job, the run id to follow, what became of the trigger in words, and links. */
export interface EnqueuedRunView {
  readonly queueJobId: string;
  /** The run id it will be recorded under; null only when merged into a run queued without one (by hand, or an older version). */
  readonly runId: string | null;
  /** True when this trigger was merged into a run already queued (no new run). */
  readonly deduplicated: boolean;
  readonly outcome: EnqueueOutcome;
  readonly message: string;
  /** Where to follow it: the board's run page and the API's; null without a run id. */
  readonly links: { readonly run: string | null; readonly api: string | null };
}

/** The API's (and the page's) view of an enqueued run. */
export function enqueuedRunView(run: EnqueuedRun): EnqueuedRunView {
  const untraceable = run.runId === null ? '; that run was queued without a run id, so only Bull Board shows it' : '';
  return {
    queueJobId: run.queueJobId,
    runId: run.runId,
    deduplicated: run.deduplicated,
    outcome: run.outcome,
    message: `${ENQUEUE_OUTCOME_MESSAGES[run.outcome]}${untraceable}`,
    links: run.runId === null ? { run: null, api: null } : { run: runPagePath(run.runId), api: runApiPath(run.runId) },
  };
}

/**
 * Enqueues an ad-hoc run (trigger `api`); `reconcile`: a reconciling run (lists every id to find
 * records deleted for good). NotFoundError for an unknown job, JobDisabledError for a disabled one.
 */
export async function enqueueJobRun(deps: BoardDeps, jobId: string, options: { readonly reconcile?: boolean } = {}): Promise<EnqueuedRunView> {
  const job = findJob(deps, jobId);
  await assertRunnable(deps.store, job);
  const reconcile = options.reconcile === true;
  const run = await enqueueRun(deps.queues.runs, job, 'api', new Date((deps.clock ?? systemClock).now()), { reconcile });
  deps.logger.info({ jobId, reconcile, ...run }, reconcile ? 'reconciliation enqueued from the board' : 'run enqueued from the board');
  return enqueuedRunView(run);
}

/** What deciding pending deletes did. */
export interface DecidedDeletes {
  /** Those decided now (still open before): a delete someone decided meanwhile is not among them. */
  readonly decided: readonly PendingDelete[];
  /** The run that carries the decisions out; null when none was decided or the job cannot run now. */
  readonly run: EnqueuedRunView | null;
  readonly runSkipped?: string;
}

/**
 * Approves or rejects pending deletes of a job (those named, or every open one), then enqueues a
 * run to carry the decisions out. Each delete is decided once: the store decides only open ones,
 * in one step. NotFoundError for a job not in the config.
 */
export async function decideDeletesAndRun(
  deps: BoardDeps, jobId: string, ids: readonly string[] | 'all', decision: Exclude<PendingDeleteDecision, 'cancelled'>,
): Promise<DecidedDeletes> {
  const job = findJob(deps, jobId);
  const decided = await deps.store.decidePendingDeletes(job.id, ids, decision, new Date((deps.clock ?? systemClock).now()));
  deps.logger.info({ jobId, decision, count: decided.length }, 'pending deletes decided from the board');
  if (decided.length === 0) return { decided, run: null, runSkipped: 'nothing was waiting for a decision' };
  try {
    return { decided, run: await enqueueJobRun(deps, job.id) };
  } catch (err) {
    if (isJobDisabledError(err)) return { decided, run: null, runSkipped: err.message };
    throw err;
  }
}

/** Enables (clearing fail counts) or disables the job in the LinkIndex; returns its new view (`scrub` cleans its last run's messages). */
export async function setJobEnabled(deps: BoardDeps, jobId: string, enabled: boolean, scrub?: (text: string) => string): Promise<JobView> {
  const job = findJob(deps, jobId);
  if (enabled) await deps.store.enableJob(job.id);
  else await deps.store.disableJob(job.id, new Date((deps.clock ?? systemClock).now()));
  deps.logger.info({ jobId, enabled }, enabled ? 'job enabled from the board' : 'job disabled from the board');
  return jobView(deps, job, scrub);
}

/** What resolving a conflict did. */
export interface ResolvedConflict {
  readonly conflict: Conflict;
  /** The run that applies the decision; null when the job cannot run now (it applies on the next run). */
  readonly run: EnqueuedRunView | null;
  /** Why no run was enqueued. */
  readonly runSkipped?: string;
}

/**
 * Records a person's decision, then enqueues a run of the job so the kept side is applied soon.
 * NotFoundError for an unknown conflict, ConflictNotOpenError when it was already decided.
 */
export async function resolveConflictAndRun(deps: BoardDeps, conflictId: string, keep: Side): Promise<ResolvedConflict> {
  // The store resolves only a conflict still open, in one step: of two people deciding the same
  // conflict at once, exactly one succeeds; the other gets ConflictNotOpenError.
  // It throws NotFoundError itself for an unknown id.
  const conflict = await deps.store.resolveConflict(conflictId, keep, new Date((deps.clock ?? systemClock).now()));
  if (!conflict) throw new ConflictNotOpenError(conflictId, await decidedState(deps, conflictId));
  deps.logger.info({ jobId: conflict.jobId, conflictId, keep }, 'conflict resolved from the board');
  try {
    const run = await enqueueJobRun(deps, conflict.jobId);
    return { conflict, run };
  } catch (err) {
    if (err instanceof NotFoundError || isJobDisabledError(err)) {
      return { conflict, run: null, runSkipped: err.message };
    }
    throw err;
  }
}

/** What became of a conflict the store refused to resolve (it is never deleted, so it exists: resolved unless applied). */
async function decidedState(deps: BoardDeps, conflictId: string): Promise<'resolved' | 'applied'> {
  const existing = await deps.store.getConflict(conflictId);
  return existing && conflictState(existing) === 'applied' ? 'applied' : 'resolved';
}
