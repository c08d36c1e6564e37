import type { LinkIndex } from './link-index.js';

/** Proof of holding a job's lease: `token` is a fencing number that grows with every new holder. */
export interface LeaseGrant {
  readonly jobId: string;
  readonly holder: string;
  readonly token: number;
  /** Database time at which the lease lapses unless renewed (ISO). */
  readonly expiresAt: string;
}

/**
 * At most one active run per job across the fleet: the store of record is the referee. A lease
 * lapses `ttlMs` after its last renewal, so a worker that dies releases its job within `ttlMs`.
 */
export interface JobLeases {
  /** The lease, or null while another holder's unexpired lease stands. Taking over a lapsed lease increments the token. */
  acquireLease(jobId: string, holder: string, ttlMs: number): Promise<LeaseGrant | null>;
  /** Extends the lease; false when it was lost (expired and taken by another holder). */
  renewLease(grant: LeaseGrant, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (no-op when it is no longer ours). */
  releaseLease(grant: LeaseGrant): Promise<void>;
  /**
   * A view of the LinkIndex whose every write first checks, in the same transaction, that
   * `grant.token` is still the job's current token, and throws `LeaseLostError` otherwise: a
   * run that lost its lease can write nothing more.
   */
  fenced(grant: LeaseGrant): LinkIndex;
}
