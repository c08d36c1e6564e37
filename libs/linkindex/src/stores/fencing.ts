import { and, eq } from 'drizzle-orm';
import { LeaseLostError } from '@syncframe/engine';
import type { LeaseGrant } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { jobLeases } from '../schema.js';

/** The lease row still carries `grant`'s token and holder: nobody took the job over, nobody released it. */
export function grantIsCurrent(grant: LeaseGrant) {
  return and(eq(jobLeases.jobId, grant.jobId), eq(jobLeases.token, grant.token), eq(jobLeases.holder, grant.holder));
}

/**
 * Throws `LeaseLostError` unless `grant.token` is still the job's token. Run first in the
 * transaction of a fenced write: FOR SHARE holds the lease row until COMMIT, so a takeover
 * (which updates the row) waits for this write to finish and can never slip in between the
 * check and the write. Fenced writes of one run do not block each other.
 *
 * The one fencing check of every store; {@link inWriteTransaction} runs it.
 */
export async function assertLeaseHeld(tx: LinkIndexExecutor, grant: LeaseGrant): Promise<void> {
  const rows = await tx.select({ token: jobLeases.token }).from(jobLeases).where(grantIsCurrent(grant)).for('share');
  if (rows.length === 0) {
    throw new LeaseLostError(`job ${grant.jobId}: lease ${grant.token} of ${grant.holder} was lost (taken over or released); nothing was written`);
  }
}
