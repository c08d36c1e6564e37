import type { JobLeases, LeaseGrant } from '@syncframe/engine';
import { rideOutOutage, systemClock } from '@syncframe/engine';
import type { Clock } from '@syncframe/engine';
import type { LinkIndexDatabase, LinkIndexExecutor } from './database.js';
import { mapDatabaseError } from './db-errors.js';
import type { DatabaseUnavailableError } from './errors/database-unavailable-error.js';
import { isDatabaseUnavailableError } from './errors/database-unavailable-error.js';
import { PostgresJobLeases } from './job-leases.postgres.js';
import { linkIndexStores, StoreLinkIndex } from './store-link-index.js';
import type { LinkIndexStores, Replay } from './store-link-index.js';
import * as conflictsStore from './stores/conflicts.store.js';
import * as cursorsStore from './stores/cursors.store.js';
import * as heldRecordsStore from './stores/held-records.store.js';
import * as jobsStore from './stores/jobs.store.js';
import * as linkScanStore from './stores/link-scan.store.js';
import * as linksStore from './stores/links.store.js';
import * as pendingDeletesStore from './stores/pending-deletes.store.js';
import * as recordFailuresStore from './stores/record-failures.store.js';
import * as runsStore from './stores/runs.store.js';
import { inWriteTransaction } from './stores/transaction.js';

export { LINKS_PER_STATEMENT } from './stores/links.store.js';

/** Construction options of {@link PostgresLinkIndex}. */
export interface PostgresLinkIndexOptions {
  /** How the database is named in error messages, e.g. `PostgreSQL at db:5432/syncframe`. */
  readonly where: string;
  /** Closes the connection (pool or PGlite) when the link index is closed. */
  readonly close?: () => Promise<void>;
  /** Set on a fenced view: every write first checks this grant still holds the lease. */
  readonly fence?: LeaseGrant;
  /**
   * How long an operation rides out a lost connection (a failover, a restart, a network blip) by
   * trying again, before it throws `DatabaseUnavailableError`. 0: it throws at once. @defaultValue 0
   */
  readonly outageToleranceMs?: number;
  /** Told of each try that met a lost connection (e.g. to log it). */
  readonly onOutage?: (operation: string, err: DatabaseUnavailableError, waitedMs: number) => void;
  /** @defaultValue the system clock */
  readonly clock?: Clock;
}

/** The PostgreSQL (and PGlite) stores as the facade calls them. */
const POSTGRES_STORES: LinkIndexStores<LinkIndexExecutor> = linkIndexStores({
  links: linksStore, linkScan: linkScanStore, cursors: cursorsStore, heldRecords: heldRecordsStore, jobs: jobsStore,
  runs: runsStore, conflicts: conflictsStore, pendingDeletes: pendingDeletesStore, recordFailures: recordFailuresStore,
});

/**
 * The LinkIndex (and JobLeases) on PostgreSQL, or on PGlite: both speak the same SQL through
 * drizzle. The operations are {@link StoreLinkIndex}'s over the stores of `stores/`; this class says
 * how they reach the database: replayable ones ride out a lost connection, writes go through
 * {@link inWriteTransaction} (a write of several statements, and every fenced write, is one
 * transaction). A lookup is one statement whatever its size, an upsert one statement per
 * {@link linksStore.LINKS_PER_STATEMENT} links.
 */
export class PostgresLinkIndex extends StoreLinkIndex<LinkIndexExecutor> implements JobLeases {
  private readonly leases: PostgresJobLeases;
  private closed = false;

  constructor(
    private readonly db: LinkIndexDatabase,
    private readonly options: PostgresLinkIndexOptions,
  ) {
    super(POSTGRES_STORES);
    this.leases = new PostgresJobLeases(db);
  }

  // ---- job leases -----------------------------------------------------------------------------

  async acquireLease(jobId: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    return this.read('acquireLease', () => this.leases.acquire(jobId, holder, ttlMs), 'once');
  }

  async renewLease(grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    return this.read('renewLease', () => this.leases.renew(grant, ttlMs), 'once');
  }

  async releaseLease(grant: LeaseGrant): Promise<void> {
    await this.read('releaseLease', () => this.leases.release(grant), 'once');
  }

  /** A view on the same connection whose every write first checks, in its transaction, that `grant` still holds. */
  fenced(grant: LeaseGrant): PostgresLinkIndex {
    const { close: _close, ...shared } = this.options;
    return new PostgresLinkIndex(this.db, { ...shared, fence: grant });
  }

  /** Closes the pool (or PGlite); a fenced view closes nothing. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.options.close?.();
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  /**
   * Runs `body` on the database as is, turning driver errors into ones callers can act on. A
   * replayable operation that lost its connection is tried again (the engine's `rideOutOutage`: 250 ms
   * doubling up to 4 s) until `outageToleranceMs` have passed since its first try; then it throws
   * `DatabaseUnavailableError`.
   */
  protected read<T>(operation: string, body: (ex: LinkIndexExecutor) => Promise<T>, replay: Replay = 'replayable'): Promise<T> {
    return rideOutOutage(() => body(this.db), {
      map: (err) => mapDatabaseError(err, operation, this.options.where),
      isOutage: isDatabaseUnavailableError,
      toleranceMs: replay === 'replayable' ? this.options.outageToleranceMs ?? 0 : 0,
      clock: this.options.clock ?? systemClock,
      onOutage: (err, waitedMs) => this.options.onOutage?.(operation, err, waitedMs),
    });
  }

  /** Runs a write through the shared transaction helper (fenced and multi-statement writes in a transaction). */
  protected async write<T>(operation: string, body: (ex: LinkIndexExecutor) => Promise<T>, severalStatements = false, replay: Replay = 'replayable'): Promise<T> {
    return this.read(operation, () => inWriteTransaction(this.db, { fence: this.options.fence, severalStatements }, body), replay);
  }
}
