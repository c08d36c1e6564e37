import type {
  Conflict, ConflictState, Cursor, DetectedRange, JobLeases, JobState, LeaseGrant, Link, LinkIndex, NewConflict, RunQuery,
  RunSummary, Side, TablePair, TableRef,
} from '@syncframe/engine';
import type { LinkKey, NewPendingDelete, PendingDelete, PendingDeleteDecision, PendingDeleteState } from '@syncframe/engine';
import type { NewRecordFailure, RecordFailure, RecordKey } from '@syncframe/engine';
import { rideOutOutage, systemClock } from '@syncframe/engine';
import type { Clock } from '@syncframe/engine';
import type { LinkIndexDatabase, LinkIndexExecutor } from './database.js';
import { mapDatabaseError } from './db-errors.js';
import type { DatabaseUnavailableError } from './errors/database-unavailable-error.js';
import { isDatabaseUnavailableError } from './errors/database-unavailable-error.js';
import { PostgresJobLeases } from './job-leases.postgres.js';
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

/**
 * Whether an operation may be tried again after its connection was lost, when it may have been
 * applied before the answer was lost: yes when applying it twice leaves what applying it once does.
 * Not for `incrementFailCount` and `recordFailures` (they would count twice), `insertRun` (the second insert would find the
 * first), `recordConflict` (a second conflict), and the lease calls (the heartbeat and the processor
 * decide themselves; a renewal that waited out an outage could outlive the lease).
 */
type Replay = 'replayable' | 'once';

/**
 * The LinkIndex (and JobLeases) on PostgreSQL, or on PGlite: both speak the same SQL through
 * drizzle. A thin facade over one store per table (`stores/`): it names each operation for error
 * messages and decides how each write runs ({@link inWriteTransaction}: a write of several
 * statements, and every fenced write, is one transaction). A lookup is one statement whatever its
 * size, an upsert one statement per {@link linksStore.LINKS_PER_STATEMENT} links.
 */
export class PostgresLinkIndex implements LinkIndex, JobLeases {
  private readonly leases: PostgresJobLeases;
  private closed = false;

  constructor(
    private readonly db: LinkIndexDatabase,
    private readonly options: PostgresLinkIndexOptions,
  ) {
    this.leases = new PostgresJobLeases(db);
  }

  // ---- links --------------------------------------------------------------------------------

  async findLinks(pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
    if (ids.length === 0) return [];
    return this.read('findLinks', (ex) => linksStore.findLinks(ex, pair, side, ids));
  }

  async upsertLinks(pair: TablePair, batch: readonly Link[]): Promise<void> {
    if (batch.length === 0) return;
    const statements = linksStore.linkUpserts(pair, batch);
    await this.write('upsertLinks', (ex) => linksStore.runLinkUpserts(ex, statements), statements.length > 1);
  }

  // ---- cursors and fail counts ----------------------------------------------------------------

  async loadCursor(jobId: string, ref: TableRef): Promise<Cursor> {
    return this.read('loadCursor', (ex) => cursorsStore.loadCursor(ex, jobId, ref));
  }

  async saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
    await this.write('saveCursor', (ex) => cursorsStore.saveCursor(ex, jobId, ref, cursor));
  }

  // ---- held records (edit settling) -------------------------------------------------------------

  async findHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    return this.read('findHeld', (ex) => heldRecordsStore.findHeld(ex, jobId, ref, ids));
  }

  async holdRecords(jobId: string, ref: TableRef, ids: readonly string[], at: Date): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    return this.write('holdRecords', (ex) => heldRecordsStore.holdRecords(ex, jobId, ref, ids, at));
  }

  async releaseHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.write('releaseHeld', (ex) => heldRecordsStore.releaseHeld(ex, jobId, ref, ids));
  }

  async incrementFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.write('incrementFailCount', (ex) => cursorsStore.incrementFailCount(ex, jobId, ref), false, 'once');
  }

  async resetFailCount(jobId: string, ref: TableRef): Promise<void> {
    await this.write('resetFailCount', (ex) => cursorsStore.resetFailCount(ex, jobId, ref));
  }

  async getFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.read('getFailCount', (ex) => cursorsStore.getFailCount(ex, jobId, ref));
  }

  // ---- job state --------------------------------------------------------------------------------

  async getJobState(jobId: string): Promise<JobState> {
    return this.read('getJobState', (ex) => jobsStore.getJobState(ex, jobId));
  }

  async disableJob(jobId: string, at: Date): Promise<void> {
    await this.write('disableJob', (ex) => jobsStore.disableJob(ex, jobId, at));
  }

  async enableJob(jobId: string): Promise<void> {
    await this.write(
      'enableJob',
      async (ex) => {
        await jobsStore.clearDisabled(ex, jobId);
        await cursorsStore.resetJobFailCounts(ex, jobId);
      },
      true,
    );
  }

  // ---- runs -------------------------------------------------------------------------------------

  async insertRun(run: RunSummary): Promise<void> {
    const row = runsStore.runRow(run);
    await this.write('insertRun', (ex) => runsStore.insertRun(ex, row), false, 'once');
  }

  async getRun(runId: string): Promise<RunSummary | null> {
    return this.read('getRun', (ex) => runsStore.getRun(ex, runId));
  }

  async listRuns(query: RunQuery): Promise<RunSummary[]> {
    const filter = runsStore.runFilter(query);
    if (filter.limit === 0) return [];
    return this.read('listRuns', (ex) => runsStore.listRuns(ex, filter));
  }

  async pruneRuns(olderThan: Date): Promise<number> {
    return this.write('pruneRuns', (ex) => runsStore.pruneRuns(ex, olderThan));
  }

  // ---- conflicts ------------------------------------------------------------------------------

  async recordConflict(conflict: NewConflict): Promise<Conflict> {
    return this.write('recordConflict', (ex) => conflictsStore.recordConflict(ex, conflictsStore.conflictRow(conflict)), false, 'once');
  }

  async getConflict(conflictId: string): Promise<Conflict | null> {
    return this.read('getConflict', (ex) => conflictsStore.getConflict(ex, conflictId));
  }

  async listConflicts(jobId: string, state: ConflictState, range: DetectedRange = {}): Promise<Conflict[]> {
    return this.read('listConflicts', (ex) => conflictsStore.listConflicts(ex, conflictsStore.conflictFilter(jobId, state, range)));
  }

  async resolveConflict(conflictId: string, keep: Side, at: Date = new Date()): Promise<Conflict | null> {
    return this.write('resolveConflict', (ex) => conflictsStore.resolveOpenConflict(ex, conflictId, keep, at));
  }

  async supersedeConflict(conflictId: string, keep: Side, at: Date = new Date()): Promise<void> {
    await this.write('supersedeConflict', (ex) => conflictsStore.supersedeConflict(ex, conflictId, keep, at));
  }

  async markConflictApplied(conflictId: string, at: Date = new Date()): Promise<void> {
    await this.write('markConflictApplied', (ex) => conflictsStore.markConflictApplied(ex, conflictId, at));
  }

  // ---- links walked whole, pending deletes --------------------------------------------------------

  async listLinks(pair: TablePair, after: LinkKey | null, limit: number): Promise<Link[]> {
    if (limit <= 0) return [];
    return this.read('listLinks', (ex) => linkScanStore.listLinks(ex, pair, after, limit));
  }

  async countLinks(pair: TablePair): Promise<number> {
    return this.read('countLinks', (ex) => linkScanStore.countLinks(ex, pair));
  }

  async deleteLinks(pair: TablePair, keys: readonly LinkKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.write('deleteLinks', (ex) => linkScanStore.deleteLinks(ex, pair, keys));
  }

  async addPendingDeletes(deletes: readonly NewPendingDelete[]): Promise<PendingDelete[]> {
    if (deletes.length === 0) return [];
    const rows = deletes.map(pendingDeletesStore.pendingDeleteRow);
    return this.write('addPendingDeletes', (ex) => pendingDeletesStore.addPendingDeletes(ex, rows));
  }

  async listPendingDeletes(jobId: string, states?: readonly PendingDeleteState[]): Promise<PendingDelete[]> {
    return this.read('listPendingDeletes', (ex) => pendingDeletesStore.listPendingDeletes(ex, jobId, states));
  }

  async decidePendingDeletes(jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at: Date = new Date()): Promise<PendingDelete[]> {
    return this.write('decidePendingDeletes', (ex) => pendingDeletesStore.decidePendingDeletes(ex, jobId, ids, decision, at));
  }

  async markPendingDeletesApplied(ids: readonly string[], at: Date = new Date()): Promise<void> {
    await this.write('markPendingDeletesApplied', (ex) => pendingDeletesStore.markPendingDeletesApplied(ex, ids, at));
  }

  // ---- failing records ----------------------------------------------------------------------------

  async recordFailures(jobId: string, failures: readonly NewRecordFailure[]): Promise<void> {
    if (failures.length === 0) return;
    await this.write('recordFailures', (ex) => recordFailuresStore.recordFailuresOf(ex, jobId, failures), false, 'once');
  }

  async clearRecordFailures(jobId: string, keys: readonly RecordKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.write('clearRecordFailures', (ex) => recordFailuresStore.clearRecordFailures(ex, jobId, keys));
  }

  async listRecordFailures(jobId: string, keys?: readonly RecordKey[]): Promise<RecordFailure[]> {
    if (keys !== undefined && keys.length === 0) return [];
    return this.read('listRecordFailures', (ex) => recordFailuresStore.listRecordFailures(ex, jobId, keys));
  }

  async requestRecordRetry(jobId: string, keys: readonly RecordKey[] | 'all', at: Date = new Date()): Promise<number> {
    if (keys !== 'all' && keys.length === 0) return 0;
    return this.write('requestRecordRetry', (ex) => recordFailuresStore.requestRecordRetry(ex, jobId, keys, at));
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
  private read<T>(operation: string, body: (ex: LinkIndexExecutor) => Promise<T>, replay: Replay = 'replayable'): Promise<T> {
    return rideOutOutage(() => body(this.db), {
      map: (err) => mapDatabaseError(err, operation, this.options.where),
      isOutage: isDatabaseUnavailableError,
      toleranceMs: replay === 'replayable' ? this.options.outageToleranceMs ?? 0 : 0,
      clock: this.options.clock ?? systemClock,
      onOutage: (err, waitedMs) => this.options.onOutage?.(operation, err, waitedMs),
    });
  }

  /** Runs a write through the shared transaction helper (fenced and multi-statement writes in a transaction). */
  private async write<T>(operation: string, body: (ex: LinkIndexExecutor) => Promise<T>, severalStatements = false, replay: Replay = 'replayable'): Promise<T> {
    return this.read(operation, () => inWriteTransaction(this.db, { fence: this.options.fence, severalStatements }, body), replay);
  }
}
