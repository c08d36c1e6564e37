import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { DelayedError, UnrecoverableError, WaitingError } from 'bullmq';
import type { LoadedConfig } from '@syncframe/config';
import type { JobLeases, LinkIndex, Logger, RunSummary, ThrottleProvider } from '@syncframe/engine';
import { isLeaseLostError, LeaseLostError, runSyncCycle } from '@syncframe/engine';
import { buildSyncJob } from './build-sync-job.js';
import type { FleetSettings } from './fleet-settings.js';
import type { RunJobData } from './queues.js';
import { attemptRunId } from './queues.js';

export interface RunProcessorDeps {
  /** The worker's current config (re-read on reload). */
  readonly config: () => LoadedConfig;
  readonly store: LinkIndex & JobLeases;
  readonly throttles: ThrottleProvider;
  readonly logger: Logger;
  /** This worker's identity in leases, e.g. `host:pid`. */
  readonly holder: string;
  readonly settings: Pick<FleetSettings, 'leaseTtlMs' | 'busyRetryMs'>;
}

/** What a finished queue job returns (shown in Bull Board): counts and status, no record data, no credential. */
export type RunResult =
  | { readonly outcome: 'ran'; readonly runId: string; readonly status: RunSummary['status']; readonly counts: RunSummary['counts'] }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'superseded'; readonly reason: string };

/** Thrown as the abort reason when the worker shuts down: the run goes back to the queue. */
export class ShutdownAbort extends Error {
  constructor() {
    super('worker shutting down');
    this.name = 'ShutdownAbort';
  }
}

/** Attempts probed for a free run id before falling back to a random suffix. */
const MAX_RUN_ID_PROBES = 20;

/**
 * The engine's run id for this execution of `job`: the id chosen at enqueue time
 * (`job.data.runId`) for its first attempt, `<runId>.<n>` for attempt n, so every attempt keeps
 * its own record and the enqueuer's link leads to the first. A number already recorded (a run
 * handed back at shutdown, a retry from Bull Board) moves on to the next free one. Jobs added
 * without a run id (by hand, older versions) get a random one.
 */
async function runIdOf(job: Job<RunJobData>, store: LinkIndex): Promise<string> {
  const base = job.data.runId;
  if (typeof base !== 'string' || base === '') return randomUUID();
  const first = job.attemptsMade + 1;
  for (let attempt = first; attempt < first + MAX_RUN_ID_PROBES; attempt++) {
    const id = attemptRunId(base, attempt);
    if (!(await store.getRun(id))) return id;
  }
  return `${base}.${randomUUID()}`;
}

/**
 * The BullMQ processor of the `sync-runs` queue. One run of a job at a time across the fleet:
 * the PostgreSQL lease is the referee (BullMQ's deduplication keeps the queue tidy, but a retry
 * from Bull Board or a stalled job can bypass it). Every LinkIndex write of the run is fenced by
 * the lease's token, so a run that lost its lease writes nothing more.
 *
 * Outcomes: success/partial → completed; a failed run with a retryable failure → thrown, so BullMQ
 * retries it with back-off; auth/config failures, or a job just disabled → UnrecoverableError (no
 * retry); lease held elsewhere → delayed; shutdown → back to wait for another worker.
 */
export function createRunProcessor(deps: RunProcessorDeps) {
  return async function processRun(job: Job<RunJobData>, token?: string, signal?: AbortSignal): Promise<RunResult> {
    const { jobId } = job.data;
    const log = deps.logger.child({ queueJobId: job.id, jobId });
    const config = deps.config().jobs.find((j) => j.id === jobId);
    if (!config) throw new UnrecoverableError(`job "${jobId}" is not in this worker's config`);
    if (!config.enabled) return { outcome: 'skipped', reason: 'the job is disabled in the config' };

    const runId = await runIdOf(job, deps.store);
    const grant = await deps.store.acquireLease(jobId, `${deps.holder}/${job.id}`, deps.settings.leaseTtlMs);
    if (!grant) {
      log.info({}, 'another run of this job is active; delaying this one');
      await job.moveToDelayed(Date.now() + deps.settings.busyRetryMs, token);
      throw new DelayedError();
    }
    const abort = new AbortController();
    // BullMQ aborts with a plain string ("shutdown", "lock lost"): hand the engine an Error it knows.
    const onOuterAbort = () => abort.abort(new ShutdownAbort());
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    let renewedAt = Date.now();
    const heartbeat = setInterval(() => {
      deps.store.renewLease(grant, deps.settings.leaseTtlMs).then(
        (held) => {
          if (held) renewedAt = Date.now();
          else abort.abort(new LeaseLostError(`lease of job ${jobId} was taken over`));
        },
        (err: unknown) => {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'lease renewal failed; retrying');
          // Unrenewed for a whole TTL, the lease may belong to another worker now: stop writing to the remotes.
          if (Date.now() - renewedAt >= deps.settings.leaseTtlMs) abort.abort(new LeaseLostError(`lease of job ${jobId} could not be renewed`));
        },
      );
    }, Math.max(250, Math.floor(deps.settings.leaseTtlMs / 3)));

    try {
      const result = await runSyncCycle(buildSyncJob(config, { logger: log }), {
        linkIndex: deps.store.fenced(grant),
        throttles: deps.throttles,
        logger: log,
        signal: abort.signal,
        onProgress: (p) => void job.updateProgress({ ...p }).catch(() => undefined),
      }, { runId, trigger: job.attemptsMade > 0 ? 'retry' : job.data.trigger });
      if (result.status === 'skipped') return { outcome: 'skipped', reason: 'the job is disabled (fail count reached disable_job_after, or an operator disabled it)' };
      const summary = result.summary!;
      if (summary.status === 'failed') {
        const message = summary.failures.map((f) => `${f.side ?? 'run'}: ${f.message}`).join('; ');
        if (!summary.failures.some((f) => f.retryable)) throw new UnrecoverableError(message);
        if ((await deps.store.getJobState(jobId)).disabledAt) throw new UnrecoverableError(`${message} (job disabled)`);
        throw new Error(message);
      }
      return { outcome: 'ran', runId, status: summary.status, counts: summary.counts };
    } catch (err) {
      const reason = abort.signal.aborted ? abort.signal.reason : undefined;
      if (isLeaseLostError(err) || isLeaseLostError(reason)) {
        log.warn({ runId }, 'lease lost to another run; stopping without further writes');
        return { outcome: 'superseded', reason: 'another run of this job took its lease over' };
      }
      if (reason instanceof ShutdownAbort || (signal?.aborted && !isLeaseLostError(reason))) {
        log.warn({ runId }, 'run interrupted; handing it back to the queue');
        // Fails when the lock is already gone (another worker owns the job now): nothing to hand back then.
        await job.moveToWait(token).catch(() => undefined);
        throw new WaitingError();
      }
      throw err;
    } finally {
      clearInterval(heartbeat);
      signal?.removeEventListener('abort', onOuterAbort);
      await deps.store.releaseLease(grant).catch(() => undefined);
    }
  };
}
