import type { PlanEntry } from '@syncframe/engine';
import { isSyncFrameError, runSyncCycle } from '@syncframe/engine';
import { buildSyncJob } from '@syncframe/fleet';
import { isDatabaseUnavailableError } from '@syncframe/linkindex';
import type { BoardDeps } from './board-deps.js';
import { JobDisabledError, RemoteSideError } from './errors/index.js';
import { assertRunnable, findJob } from './job-lookup.js';
import type { SecretScrubber } from './secret-scrubber.js';

/** A preview that runs longer than this is aborted (504): an operator is waiting on the answer. @defaultValue 60 s */
export const PREVIEW_TIMEOUT_MS = 60_000;

/**
 * A dry run of the job: pulls both sides and plans, writes nothing (remote or LinkIndex).
 * Throws NotFoundError (404), JobDisabledError (409), RemoteSideError (502) when a side could not
 * be read; its message is scrubbed of every configured secret.
 */
export async function previewJob(
  deps: BoardDeps, jobId: string, scrubber: SecretScrubber, signal?: AbortSignal,
): Promise<PlanEntry[]> {
  const config = findJob(deps, jobId);
  await assertRunnable(deps.store, config);
  const logger = deps.logger.child({ jobId, preview: true });
  const built = buildSyncJob(config, { logger });
  // One attempt per request: an operator wants the reason now, not after minutes of back-off.
  const job = { ...built, retries: { ...built.retries, max_attempts: 1 } };
  const timeout = AbortSignal.timeout(PREVIEW_TIMEOUT_MS);
  try {
    const result = await runSyncCycle(job, {
      linkIndex: deps.store,
      throttles: deps.throttles,
      logger,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }, { dryRun: true, trigger: 'api' });
    // Disabled between our check and the cycle's own.
    if (result.status === 'skipped') throw new JobDisabledError(jobId, 'linkindex');
    if (result.status === 'failed') {
      const sideName = (side: 'source' | 'dest' | null) => (side === null ? 'run' : side === 'source' ? config.source.name : config.dest.name);
      const reason = result.failures.map((f) => `${sideName(f.side)}: ${f.message}`).join('; ') || 'a side could not be read';
      throw new RemoteSideError(scrubber.scrub(`preview failed: ${reason}`));
    }
    return result.plan;
  } catch (err) {
    // The LinkIndex being down is ours (503), not the remote's.
    if (isDatabaseUnavailableError(err) || !isSyncFrameError(err)) throw err;
    throw new RemoteSideError(scrubber.scrub(`preview failed: ${err.message}`), { cause: err });
  }
}
