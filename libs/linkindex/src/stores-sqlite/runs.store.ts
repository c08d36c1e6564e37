import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { RunQuery, RunSummary } from '@syncframe/engine';
import { DEFAULT_RUNS_PAGE } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { runs } from '../schema.sqlite.js';
import { runRow } from '../stores/runs.store.js';
import { dateOf } from '../stores/values.js';

/** The `runs` table on SQLite (see `stores/runs.store.ts`; the row is the same). */

export { runRow };

export async function insertRun(ex: SqliteExecutor, row: typeof runs.$inferInsert): Promise<void> {
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

export async function getRun(ex: SqliteExecutor, runId: string): Promise<RunSummary | null> {
  const rows = await ex.select({ summary: runs.summaryJson }).from(runs).where(eq(runs.runId, runId));
  return rows[0]?.summary ?? null;
}

export interface SqliteRunFilter {
  readonly limit: number;
  readonly conditions: SQL[];
}

/** A run query turned into its limit and conditions; validates `before` (RangeError before anything is sent). */
export function runFilter(query: RunQuery): SqliteRunFilter {
  const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_RUNS_PAGE));
  const conditions: SQL[] = [];
  if (limit === 0) return { limit, conditions };
  if (query.jobId !== undefined) conditions.push(eq(runs.jobId, query.jobId));
  if (query.status !== undefined) conditions.push(eq(runs.status, query.status));
  if (query.before !== undefined) conditions.push(lt(runs.startedAt, dateOf(query.before, 'listRuns before')));
  return { limit, conditions };
}

/** Newest first. */
export async function listRuns(ex: SqliteExecutor, filter: SqliteRunFilter): Promise<RunSummary[]> {
  if (filter.limit === 0) return [];
  const rows = await ex
    .select({ summary: runs.summaryJson })
    .from(runs)
    .where(and(...filter.conditions))
    .orderBy(desc(runs.startedAt), desc(runs.runId))
    .limit(filter.limit);
  return rows.map((r) => r.summary);
}

/** Deletes runs that started before `olderThan`; returns how many. */
export async function pruneRuns(ex: SqliteExecutor, olderThan: Date): Promise<number> {
  const result = await ex.delete(runs).where(lt(runs.startedAt, olderThan));
  return result.rowsAffected;
}
