import { eq, sql } from 'drizzle-orm';
import type { JobState } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { jobs } from '../schema.js';
import { isoOrNull } from './values.js';

/** The `jobs` table: whether (since when) a job is disabled. Functions over an executor. */

export async function getJobState(ex: LinkIndexExecutor, jobId: string): Promise<JobState> {
  const rows = await ex.select({ disabledAt: jobs.disabledAt }).from(jobs).where(eq(jobs.jobId, jobId));
  return { disabledAt: isoOrNull(rows[0]?.disabledAt ?? null) };
}

/** A job already disabled keeps the time it was first disabled. */
export async function disableJob(ex: LinkIndexExecutor, jobId: string, at: Date): Promise<void> {
  await ex
    .insert(jobs)
    .values({ jobId, disabledAt: at })
    .onConflictDoUpdate({ target: jobs.jobId, set: { disabledAt: sql`COALESCE(${jobs.disabledAt}, excluded.disabled_at)` } });
}

/** Clears `disabledAt` (the job's fail counts live in the cursors store). */
export async function clearDisabled(ex: LinkIndexExecutor, jobId: string): Promise<void> {
  await ex.insert(jobs).values({ jobId, disabledAt: null }).onConflictDoUpdate({ target: jobs.jobId, set: { disabledAt: null } });
}
