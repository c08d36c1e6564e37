import { sql } from 'drizzle-orm';
import type { LeaseGrant } from '@syncframe/engine';
import type { SqliteDatabase } from './database.sqlite.js';
import { jobLeases } from './schema.sqlite.js';
import { grantIsCurrent as current } from './stores-sqlite/fencing.js';

/** The database clock in epoch milliseconds (SQLite ≥ 3.42): one value for the whole statement. */
const NOW_MS = sql`CAST(ROUND(unixepoch('subsec') * 1000) AS INTEGER)`;

/**
 * Job leases on SQLite, with the rules of `PostgresJobLeases`: expiry judged by the database clock,
 * a new grant increments the token, the row is never deleted, so a token is never handed out twice.
 * One process uses the file, so leases here fence that process's own runs of a job (a job
 * triggered twice) rather than a fleet's workers.
 */
export class SqliteJobLeases {
  constructor(private readonly db: SqliteDatabase) {}

  async acquire(jobId: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    const rows = await this.db
      .insert(jobLeases)
      .values({ jobId, holder, token: 1, expiresAt: expiresIn(ttlMs) })
      .onConflictDoUpdate({
        target: jobLeases.jobId,
        set: { holder: sql`excluded.holder`, token: sql`${jobLeases.token} + 1`, expiresAt: sql`excluded.expires_at` },
        setWhere: sql`${jobLeases.expiresAt} <= ${NOW_MS} OR ${jobLeases.holder} = excluded.holder`,
      })
      .returning();
    const row = rows[0];
    return row ? { jobId: row.jobId, holder: row.holder, token: row.token, expiresAt: row.expiresAt.toISOString() } : null;
  }

  /** Extends the lease while `grant.token` is still the job's token (a lapsed lease nobody took over is still ours). */
  async renew(grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    const rows = await this.db
      .update(jobLeases)
      .set({ expiresAt: expiresIn(ttlMs) })
      .where(current(grant))
      .returning({ token: jobLeases.token });
    return rows.length > 0;
  }

  /** Lets the lease lapse now and retires the token with it: a released grant is as dead as a lost one. */
  async release(grant: LeaseGrant): Promise<void> {
    await this.db
      .update(jobLeases)
      .set({ token: sql`${jobLeases.token} + 1`, expiresAt: NOW_MS })
      .where(current(grant));
  }
}

function expiresIn(ttlMs: number) {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`lease ttlMs must be a non-negative number, got ${ttlMs}`);
  return sql`${NOW_MS} + ${Math.round(ttlMs)}`;
}
