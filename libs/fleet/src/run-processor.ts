import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { DelayedError, UnrecoverableError, WaitingError } from 'bullmq';
import type { LoadedConfig } from '@syncframe/config';
import type { JobLeases, LinkIndex, Logger, ThrottleProvider } from '@syncframe/engine';
import { runSyncCycle } from '@syncframe/engine';
import { FileRecordSpool } from './file-record-spool.js';
import { buildSyncJob } from './build-sync-job.js';
import type { FleetSettings } from './fleet-settings.js';
import { LeaseHeartbeat } from './lease-heartbeat.js';
import type { RunAbortState, RunHappening, RunOutcome, RunResult } from './run-outcome.js';
import { needsDisabledCheck, runOutcome, ShutdownAbort } from './run-outcome.js';
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
  readonly settings: Pick<FleetSettings, 'leaseTtlMs' | 'busyRetryMs'> & Partial<Pick<FleetSettings, 'spillAfterRecords'>>;
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
 * the lease's token, so a run that lost its lease writes nothing more; a {@link LeaseHeartbeat}
 * renews the lease and stops the run when it is lost.
 *
 * What happened is mapped to an outcome by {@link runOutcome} (`run-outcome.ts`, pure), which
 * {@link applyOutcome} turns into BullMQ's return value or error.
 */
export function createRunProcessor(deps: RunProcessorDeps) {
  return async function processRun(job: Job<RunJobData>, token?: string, signal?: AbortSignal): Promise<RunResult> {
    const { jobId } = job.data;
    const log = deps.logger.child({ queueJobId: job.id, jobId });
    const apply = (outcome: RunOutcome, runId?: string) => applyOutcome(outcome, { job, token, log, runId, busyRetryMs: deps.settings.busyRetryMs });
    const config = deps.config().jobs.find((j) => j.id === jobId);
    if (!config) return apply(runOutcome({ kind: 'not-in-config', jobId }));
    if (!config.enabled) return apply(runOutcome({ kind: 'disabled-in-config' }));

    const runId = await runIdOf(job, deps.store);
    const grant = await deps.store.acquireLease(jobId, `${deps.holder}/${job.id}`, deps.settings.leaseTtlMs);
    if (!grant) return apply(runOutcome({ kind: 'lease-busy' }));

    const abort = new AbortController();
    // BullMQ aborts with a plain string ("shutdown", "lock lost"): hand the engine an Error it knows.
    const onOuterAbort = () => abort.abort(new ShutdownAbort());
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    const heartbeat = new LeaseHeartbeat({
      jobId,
      ttlMs: deps.settings.leaseTtlMs,
      renew: () => deps.store.renewLease(grant, deps.settings.leaseTtlMs),
      onRenewError: (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'lease renewal failed; retrying'),
    });
    const onLeaseLost = () => abort.abort(heartbeat.signal.reason);
    heartbeat.signal.addEventListener('abort', onLeaseLost, { once: true });
    heartbeat.start();

    let happened: RunHappening;
    try {
      const result = await runSyncCycle(buildSyncJob(config, { logger: log }), {
        linkIndex: deps.store.fenced(grant),
        throttles: deps.throttles,
        logger: log,
        signal: abort.signal,
        openSpool: () => FileRecordSpool.open(),
        onProgress: (p) => void job.updateProgress({ ...p }).catch(() => undefined),
      }, { runId, trigger: job.attemptsMade > 0 ? 'retry' : job.data.trigger, keepPlan: false, reconcile: job.data.reconcile === true, ...(deps.settings.spillAfterRecords !== undefined ? { spillAfter: deps.settings.spillAfterRecords } : {}) });
      const jobDisabled = needsDisabledCheck(result) && Boolean((await deps.store.getJobState(jobId)).disabledAt);
      happened = { kind: 'finished', runId, result, jobDisabled, abort: abortState(abort.signal, signal) };
    } catch (error) {
      happened = { kind: 'threw', error, abort: abortState(abort.signal, signal) };
    }
    try {
      return await apply(runOutcome(happened), runId);
    } finally {
      heartbeat.stop();
      heartbeat.signal.removeEventListener('abort', onLeaseLost);
      signal?.removeEventListener('abort', onOuterAbort);
      await deps.store.releaseLease(grant).catch(() => undefined);
    }
  };
}

function abortState(run: AbortSignal, outer: AbortSignal | undefined): RunAbortState {
  return { reason: run.aborted ? run.reason : undefined, outerAborted: outer?.aborted ?? false };
}

interface ApplyContext {
  readonly job: Job<RunJobData>;
  readonly token: string | undefined;
  readonly log: Logger;
  readonly runId: string | undefined;
  readonly busyRetryMs: number;
}

/** The one place an outcome becomes BullMQ calls: a returned result, or a thrown error. */
async function applyOutcome(outcome: RunOutcome, { job, token, log, runId, busyRetryMs }: ApplyContext): Promise<RunResult> {
  switch (outcome.kind) {
    case 'completed':
      return outcome.result;
    case 'superseded':
      log.warn({ runId }, 'lease lost to another run; stopping without further writes');
      return outcome.result;
    case 'retry':
      throw outcome.error;
    case 'unrecoverable':
      throw new UnrecoverableError(outcome.message);
    case 'hand-back':
      log.warn({ runId }, 'run interrupted; handing it back to the queue');
      // Fails when the lock is already gone (another worker owns the job now): nothing to hand back then.
      await job.moveToWait(token).catch(() => undefined);
      throw new WaitingError();
    case 'delayed':
      log.info({}, 'another run of this job is active; delaying this one');
      await job.moveToDelayed(Date.now() + busyRetryMs, token);
      throw new DelayedError();
  }
}
