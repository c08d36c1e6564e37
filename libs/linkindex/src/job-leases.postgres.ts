import { sql } from 'drizzle-orm';
import type { LeaseGrant } from '@syncframe/engine';
import type { LinkIndexDatabase } from './database.js';
import { jobLeases } from './schema.js';
import { grantIsCurrent as current } from './stores/fencing.js';

/**
 * Job leases on PostgreSQL (or PGlite), refereed by the database: expiry is judged by the
 * database clock (`now()`), never by a worker's, so skewed clocks across the fleet cannot make
 * two holders. Every new grant increments the job's token; the row is never deleted, so a token
 * is never handed out twice.
 */
export class PostgresJobLeases {
  constructor(private readonly db: LinkIndexDatabase) {}

  /**
   * The lease, or null while another holder's unexpired lease stands. A holder acquiring again
   * gets a new grant (and token), which fences off its own older grant: a job that BullMQ
   * re-delivers to the same worker cannot have two live copies.
   */
  async acquire(jobId: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    const rows = await this.db
      .insert(jobLeases)
      .values({ jobId, holder, token: 1, expiresAt: expiresIn(ttlMs) })
      .onConflictDoUpdate({
        target: jobLeases.jobId,
        set: { holder: sql`excluded.holder`, token: sql`${jobLeases.token} + 1`, expiresAt: sql`excluded.expires_at` },
        setWhere: sql`${jobLeases.expiresAt} <= now() OR ${jobLeases.holder} = excluded.holder`,
      })
      .returning();
    const row = rows[0];
    return row ? { jobId: row.jobId, holder: row.holder, token: row.token, expiresAt: row.expiresAt.toISOString() } : null;
  }

  /**
   * Extends the lease while `grant.token` is still the job's token. A lease that lapsed but that
   * nobody took over is still ours: nobody else could have written in between.
   */
  async renew(grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    const rows = await this.db
      .update(jobLeases)
      .set({ expiresAt: expiresIn(ttlMs) })
      .where(current(grant))
      .returning({ token: jobLeases.token });
    return rows.length > 0;
  }

  /**
   * Lets the lease lapse now, and retires the token with it: a released grant is as dead as a
   * lost one, so a late write of the releasing run is refused too.
   */
  async release(grant: LeaseGrant): Promise<void> {
    await this.db
      .update(jobLeases)
      .set({ token: sql`${jobLeases.token} + 1`, expiresAt: sql`now()` })
      .where(current(grant));
  }
}

export { assertLeaseHeld } from './stores/fencing.js';

function expiresIn(ttlMs: number) {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`lease ttlMs must be a non-negative number, got ${ttlMs}`);
  return sql`now() + ${ttlMs}::double precision * interval '1 millisecond'`;
}
