import type { Job, Queue } from 'bullmq';
import type { ParsedJobConfig } from '@syncframe/config';
import type { LinkIndex, Logger } from '@syncframe/engine';
import type { EnqueuedRun, TickJobData } from './queues.js';
import { enqueueRun } from './queues.js';

export interface TickProcessorDeps {
  readonly jobs: () => readonly ParsedJobConfig[];
  readonly runs: Queue;
  readonly linkIndex: LinkIndex;
  readonly logger: Logger;
}

/**
 * Turns scheduler ticks into work: a sync tick enqueues a (deduplicated) run of its job, a
 * reconcile tick a reconciling run (deduplicated among reconciling runs), looked up
 * in the current config (a stale tick never carries stale settings); a prune tick deletes old runs.
 */
export function createTickProcessor(deps: TickProcessorDeps) {
  return async function processTick(job: Job<TickJobData>): Promise<EnqueuedRun | { pruned: number } | { skipped: string }> {
    const data = job.data;
    if (data.kind === 'prune') {
      const pruned = await deps.linkIndex.pruneRuns(new Date(Date.now() - data.olderThanDays * 86_400_000));
      deps.logger.info({ pruned }, 'pruned old runs');
      return { pruned };
    }
    const config = deps.jobs().find((j) => j.id === data.jobId);
    if (!config || !config.enabled) return { skipped: `job "${data.jobId}" is not an enabled job of the config` };
    if ((await deps.linkIndex.getJobState(config.id)).disabledAt) return { skipped: `job "${config.id}" is disabled` };
    const reconcile = data.kind === 'reconcile';
    const enqueued = await enqueueRun(deps.runs, config, 'schedule', new Date(), { reconcile });
    deps.logger.info({ jobId: config.id, reconcile, ...enqueued }, reconcile ? 'scheduled reconciliation enqueued' : 'scheduled run enqueued');
    return enqueued;
  };
}
