import type { JobConfig } from '@syncframe/config';
import { NotFoundError } from '@syncframe/engine';
import type { LinkIndex } from '@syncframe/engine';
import type { BoardDeps } from './board-deps.js';
import { JobDisabledError } from './errors/index.js';

/** The configured job `jobId`; NotFoundError (404) when the config has none. */
export function findJob(deps: Pick<BoardDeps, 'config'>, jobId: string): JobConfig {
  const job = deps.config().jobs.find((j) => j.id === jobId);
  if (!job) throw new NotFoundError(`job "${jobId}" is not in the config`);
  return job;
}

/** Throws JobDisabledError (409) unless the job is enabled in the config and not disabled in the LinkIndex. */
export async function assertRunnable(store: LinkIndex, job: JobConfig): Promise<void> {
  if (!job.enabled) throw new JobDisabledError(job.id, 'config');
  if ((await store.getJobState(job.id)).disabledAt) throw new JobDisabledError(job.id, 'linkindex');
}
