import { and, eq } from 'drizzle-orm';
import { LeaseLostError } from '@syncframe/engine';
import type { LeaseGrant } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { jobLeases } from '../schema.sqlite.js';

/** The lease row still carries `grant`'s token and holder: nobody took the job over, nobody released it. */
export function grantIsCurrent(grant: LeaseGrant) {
  return and(eq(jobLeases.jobId, grant.jobId), eq(jobLeases.token, grant.token), eq(jobLeases.holder, grant.holder));
}

/**
 * Throws `LeaseLostError` unless `grant.token` is still the job's token. Run first in the
 * transaction of a fenced write: the transaction holds SQLite's write lock from its start
 * (BEGIN IMMEDIATE), so no takeover can land between the check and the write. The SQLite
 * counterpart of `stores/fencing.ts` (where FOR SHARE does that job).
 */
export async function assertLeaseHeld(tx: SqliteExecutor, grant: LeaseGrant): Promise<void> {
  const rows = await tx.select({ token: jobLeases.token }).from(jobLeases).where(grantIsCurrent(grant));
  if (rows.length === 0) {
    throw new LeaseLostError(`job ${grant.jobId}: lease ${grant.token} of ${grant.holder} was lost (taken over or released); nothing was written`);
  }
}
