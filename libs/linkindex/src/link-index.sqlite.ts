import type { JobLeases, LeaseGrant } from '@syncframe/engine';
import type { SqliteDatabase, SqliteExecutor } from './database.sqlite.js';
import { SqliteJobLeases } from './job-leases.sqlite.js';
import type { SerialQueue } from './serial-queue.js';
import { mapSqliteError } from './sqlite-errors.js';
import { linkIndexStores, StoreLinkIndex } from './store-link-index.js';
import type { LinkIndexStores } from './store-link-index.js';
import * as conflictsStore from './stores-sqlite/conflicts.store.js';
import * as cursorsStore from './stores-sqlite/cursors.store.js';
import * as heldRecordsStore from './stores-sqlite/held-records.store.js';
import * as jobsStore from './stores-sqlite/jobs.store.js';
import * as linkScanStore from './stores-sqlite/link-scan.store.js';
import * as linksStore from './stores-sqlite/links.store.js';
import * as pendingDeletesStore from './stores-sqlite/pending-deletes.store.js';
import * as recordFailuresStore from './stores-sqlite/record-failures.store.js';
import * as runsStore from './stores-sqlite/runs.store.js';
import { inSqliteWriteTransaction } from './stores-sqlite/transaction.js';

/** Construction options of {@link SqliteLinkIndex}. */
export interface SqliteLinkIndexOptions {
  /** How the database is named in error messages, e.g. `SQLite at /srv/syncframe.db`. */
  readonly where: string;
  /** Every operation on the database runs through it, one at a time (shared by fenced views). */
  readonly queue: SerialQueue;
  /** Closes the connection when the link index is closed. */
  readonly close?: () => Promise<void>;
  /** Set on a fenced view: every write first checks this grant still holds the lease. */
  readonly fence?: LeaseGrant;
}

/** The SQLite stores as the facade calls them. */
const SQLITE_STORES: LinkIndexStores<SqliteExecutor> = linkIndexStores({
  links: linksStore, linkScan: linkScanStore, cursors: cursorsStore, heldRecords: heldRecordsStore, jobs: jobsStore,
  runs: runsStore, conflicts: conflictsStore, pendingDeletes: pendingDeletesStore, recordFailures: recordFailuresStore,
});

/**
 * The LinkIndex (and JobLeases) on a SQLite file, for one process: {@link StoreLinkIndex}'s
 * operations over the stores of `stores-sqlite/`. Operations run one at a time (the connection's
 * {@link SerialQueue}); a write of several statements, and every fenced write, is one transaction.
 * A local file has no outages to ride out, so nothing is replayed.
 */
export class SqliteLinkIndex extends StoreLinkIndex<SqliteExecutor> implements JobLeases {
  private readonly leases: SqliteJobLeases;
  private closed = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SqliteLinkIndexOptions,
  ) {
    super(SQLITE_STORES);
    this.leases = new SqliteJobLeases(db);
  }

  // ---- job leases -----------------------------------------------------------------------------

  async acquireLease(jobId: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    return this.read('acquireLease', () => this.leases.acquire(jobId, holder, ttlMs));
  }

  async renewLease(grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    return this.read('renewLease', () => this.leases.renew(grant, ttlMs));
  }

  async releaseLease(grant: LeaseGrant): Promise<void> {
    await this.read('releaseLease', () => this.leases.release(grant));
  }

  /** A view on the same connection (and queue) whose every write first checks, in its transaction, that `grant` still holds. */
  fenced(grant: LeaseGrant): SqliteLinkIndex {
    const { close: _close, ...shared } = this.options;
    return new SqliteLinkIndex(this.db, { ...shared, fence: grant });
  }

  /** Closes the database; a fenced view closes nothing. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // After whatever is queued, so no operation meets a closed connection.
    await this.options.queue.run(async () => this.options.close?.());
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  /** Runs `body` on the database in its turn, turning driver errors into ones callers can act on. */
  protected async read<T>(operation: string, body: (ex: SqliteExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.options.queue.run(() => body(this.db));
    } catch (err) {
      throw mapSqliteError(err, operation, this.options.where);
    }
  }

  /** A write: in a transaction when fenced or of several statements. */
  protected write<T>(operation: string, body: (ex: SqliteExecutor) => Promise<T>, severalStatements = false): Promise<T> {
    return this.read(operation, () => inSqliteWriteTransaction(this.db, { fence: this.options.fence, severalStatements }, body));
  }
}
