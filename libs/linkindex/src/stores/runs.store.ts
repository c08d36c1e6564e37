import { and, eq, lt, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { RunQuery, RunSummary } from '@syncframe/engine';
import { DEFAULT_RUNS_PAGE } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { affectedRowsOf } from '../database.js';
import { runs } from '../schema.js';
import { dateOf } from './values.js';

/** The `runs` table: one summary per run, kept as JSON next to the columns it is listed by. */

/** The row of a run; validates its times (a bad one throws RangeError before anything is sent). */
export function runRow(run: RunSummary): typeof runs.$inferInsert {
  return {
    runId: run.runId,
    jobId: run.jobId,
    startedAt: dateOf(run.startedAt, 'run startedAt'),
    endedAt: dateOf(run.endedAt, 'run endedAt'),
    status: run.status,
    summaryJson: run,
  };
}

export async function insertRun(ex: LinkIndexExecutor, row: typeof runs.$inferInsert): Promise<void> {
  await ex
    .insert(runs)
    .values(row)
    .onConflictDoUpdate({
      target: runs.runId,
      set: {
        jobId: sql`excluded.job_id`,
        startedAt: sql`excluded.started_at`,
        endedAt: sql`excluded.ended_at`,
        status: sql`excluded.status`,
        summaryJson: sql`excluded.summary_json`,
      },
    });
}

export async function getRun(ex: LinkIndexExecutor, runId: string): Promise<RunSummary | null> {
  const rows = await ex.select({ summary: runs.summaryJson }).from(runs).where(eq(runs.runId, runId));
  return rows[0]?.summary ?? null;
}

/** A run query turned into its limit and conditions; validates `before` (RangeError before anything is sent). */
export interface RunFilter {
  readonly limit: number;
  readonly conditions: SQL[];
}

export function runFilter(query: RunQuery): RunFilter {
  const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_RUNS_PAGE));
  const conditions: SQL[] = [];
  if (limit === 0) return { limit, conditions };
  if (query.jobId !== undefined) conditions.push(eq(runs.jobId, query.jobId));
  if (query.status !== undefined) conditions.push(eq(runs.status, query.status));
  if (query.before !== undefined) conditions.push(lt(runs.startedAt, dateOf(query.before, 'listRuns before')));
  return { limit, conditions };
}

/** Newest first. */
export async function listRuns(ex: LinkIndexExecutor, filter: RunFilter): Promise<RunSummary[]> {
  if (filter.limit === 0) return [];
  const rows = await ex
    .select({ summary: runs.summaryJson })
    .from(runs)
    .where(and(...filter.conditions))
    // Spelled like the indexes (DESC NULLS LAST), so PostgreSQL reads them in order instead of sorting.
    .orderBy(sql`${runs.startedAt} DESC NULLS LAST`, sql`${runs.runId} DESC NULLS LAST`)
    .limit(filter.limit);
  return rows.map((r) => r.summary);
}

/** Deletes runs that started before `olderThan`; returns how many. */
export async function pruneRuns(ex: LinkIndexExecutor, olderThan: Date): Promise<number> {
  return affectedRowsOf(await ex.delete(runs).where(lt(runs.startedAt, olderThan)));
}
