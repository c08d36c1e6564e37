import type { RecordExplanation, RecordKey } from '@syncframe/engine';
import { isSyncFrameError, explainRecord, systemClock } from '@syncframe/engine';
import { buildSyncJob } from '@syncframe/fleet';
import { isDatabaseUnavailableError } from '@syncframe/linkindex';
import type { BoardDeps } from './board-deps.js';
import { RemoteSideError } from './errors/index.js';
import type { EnqueuedRunView } from './job-commands.js';
import { enqueueJobRun } from './job-commands.js';
import { findJob } from './job-lookup.js';
import { isJobDisabledError } from './errors/index.js';
import type { SecretScrubber } from './secret-scrubber.js';

/** An explanation that takes longer than this is aborted: a person waits on it. @defaultValue 30 s */
export const EXPLAIN_TIMEOUT_MS = 30_000;

/**
 * "Why didn't record X sync?" for the API and the board: `explainRecord` on the configured job
 * (one attempt per request), its text scrubbed of every configured secret. NotFoundError for a job
 * not in the config; RemoteSideError (502) when a remote cannot be read.
 */
export async function explainJobRecord(
  deps: BoardDeps, jobId: string, recordId: string, scrubber: SecretScrubber, signal?: AbortSignal,
): Promise<RecordExplanation> {
  const config = findJob(deps, jobId);
  const built = buildSyncJob(config, { logger: deps.logger.child({ jobId, explain: recordId }) });
  const timeout = AbortSignal.timeout(EXPLAIN_TIMEOUT_MS);
  try {
    const explained = await explainRecord({ ...built, retries: { ...built.retries, max_attempts: 1 } }, {
      linkIndex: deps.store, throttles: deps.throttles, logger: deps.logger,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }, recordId);
    return JSON.parse(scrubber.scrub(JSON.stringify(explained))) as RecordExplanation;
  } catch (err) {
    if (isDatabaseUnavailableError(err) || !isSyncFrameError(err)) throw err;
    throw new RemoteSideError(scrubber.scrub(`explaining record ${recordId} failed: ${err.message}`), { cause: err });
  }
}

/** What asking for a retry did. */
export interface RequestedRetry {
  /** Failing records the next run reads by id again. */
  readonly requested: number;
  readonly run: EnqueuedRunView | null;
  readonly runSkipped?: string;
}

/**
 * Asks the job's next run to read these failing records (or all) by id and plan them again, and
 * enqueues that run. NotFoundError for a job not in the config.
 */
export async function retryFailingRecords(deps: BoardDeps, jobId: string, keys: readonly RecordKey[] | 'all'): Promise<RequestedRetry> {
  const job = findJob(deps, jobId);
  const requested = await deps.store.requestRecordRetry(job.id, keys, new Date((deps.clock ?? systemClock).now()));
  deps.logger.info({ jobId, requested }, 'retry of failing records asked for from the board');
  if (requested === 0) return { requested, run: null, runSkipped: 'no such failing record' };
  try {
    return { requested, run: await enqueueJobRun(deps, job.id) };
  } catch (err) {
    if (isJobDisabledError(err)) return { requested, run: null, runSkipped: err.message };
    throw err;
  }
}
