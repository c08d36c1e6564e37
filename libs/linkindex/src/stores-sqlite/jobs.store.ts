import { eq, sql } from 'drizzle-orm';
import type { JobState } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { jobs } from '../schema.sqlite.js';
import { isoOrNull } from '../stores/values.js';

/** The `jobs` table on SQLite (see `stores/jobs.store.ts`). */

export async function getJobState(ex: SqliteExecutor, jobId: string): Promise<JobState> {
  const rows = await ex.select({ disabledAt: jobs.disabledAt }).from(jobs).where(eq(jobs.jobId, jobId));
  return { disabledAt: isoOrNull(rows[0]?.disabledAt ?? null) };
}

/** A job already disabled keeps the time it was first disabled. */
export async function disableJob(ex: SqliteExecutor, jobId: string, at: Date): Promise<void> {
  await ex
    .insert(jobs)
    .values({ jobId, disabledAt: at })
    .onConflictDoUpdate({ target: jobs.jobId, set: { disabledAt: sql`COALESCE(${jobs.disabledAt}, excluded.disabled_at)` } });
}

/** Clears `disabledAt` (the job's fail counts live in the cursors store). */
export async function clearDisabled(ex: SqliteExecutor, jobId: string): Promise<void> {
  await ex.insert(jobs).values({ jobId, disabledAt: null }).onConflictDoUpdate({ target: jobs.jobId, set: { disabledAt: null } });
}
