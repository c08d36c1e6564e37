import type {
  Conflict, ConflictState, Cursor, DetectedRange, JobLeases, JobState, LeaseGrant, Link, LinkIndex, NewConflict, RunQuery,
  RunSummary, Side, TablePair, TableRef,
} from '@syncframe/engine';
import type { LinkKey, NewPendingDelete, PendingDelete, PendingDeleteDecision, PendingDeleteState } from '@syncframe/engine';
import type { NewRecordFailure, RecordFailure, RecordKey } from '@syncframe/engine';
import type { SqliteDatabase, SqliteExecutor } from './database.sqlite.js';
import { SqliteJobLeases } from './job-leases.sqlite.js';
import type { SerialQueue } from './serial-queue.js';
import { mapSqliteError } from './sqlite-errors.js';
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

/**
 * The LinkIndex (and JobLeases) on a SQLite file, for one process: the semantics of
 * `PostgresLinkIndex`, over one store per table (`stores-sqlite/`). Operations run one at a time
 * (the connection's {@link SerialQueue}); a write of several statements, and every fenced write,
 * is one transaction. A local file has no outages to ride out.
 */
export class SqliteLinkIndex implements LinkIndex, JobLeases {
  private readonly leases: SqliteJobLeases;
  private closed = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SqliteLinkIndexOptions,
  ) {
    this.leases = new SqliteJobLeases(db);
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

  // ---- cursors and fail counts ----------------------------------------------------------------

  async loadCursor(jobId: string, ref: TableRef): Promise<Cursor> {
    return this.read('loadCursor', (ex) => cursorsStore.loadCursor(ex, jobId, ref));
  }

  async saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
    await this.write('saveCursor', (ex) => cursorsStore.saveCursor(ex, jobId, ref, cursor));
  }

  async incrementFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.write('incrementFailCount', (ex) => cursorsStore.incrementFailCount(ex, jobId, ref));
  }

  async resetFailCount(jobId: string, ref: TableRef): Promise<void> {
    await this.write('resetFailCount', (ex) => cursorsStore.resetFailCount(ex, jobId, ref));
  }

  async getFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.read('getFailCount', (ex) => cursorsStore.getFailCount(ex, jobId, ref));
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
    await this.write('insertRun', (ex) => runsStore.insertRun(ex, row));
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
    const row = conflictsStore.conflictRow(conflict);
    return this.write('recordConflict', (ex) => conflictsStore.recordConflict(ex, row));
  }

  async getConflict(conflictId: string): Promise<Conflict | null> {
    return this.read('getConflict', (ex) => conflictsStore.getConflict(ex, conflictId));
  }

  async listConflicts(jobId: string, state: ConflictState, range: DetectedRange = {}): Promise<Conflict[]> {
    const filter = conflictsStore.conflictFilter(jobId, state, range);
    return this.read('listConflicts', (ex) => conflictsStore.listConflicts(ex, filter));
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

  // ---- pending deletes ----------------------------------------------------------------------------

  async addPendingDeletes(deletes: readonly NewPendingDelete[]): Promise<PendingDelete[]> {
    if (deletes.length === 0) return [];
    const rows = deletes.map(pendingDeletesStore.pendingDeleteRow);
    return this.write('addPendingDeletes', (ex) => pendingDeletesStore.addPendingDeletes(ex, rows), rows.length > 1);
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
    await this.write('recordFailures', (ex) => recordFailuresStore.recordFailuresOf(ex, jobId, failures));
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
  private async read<T>(operation: string, body: (ex: SqliteExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.options.queue.run(() => body(this.db));
    } catch (err) {
      throw mapSqliteError(err, operation, this.options.where);
    }
  }

  /** A write: in a transaction when fenced or of several statements. */
  private write<T>(operation: string, body: (ex: SqliteExecutor) => Promise<T>, severalStatements = false): Promise<T> {
    return this.read(operation, () => inSqliteWriteTransaction(this.db, { fence: this.options.fence, severalStatements }, body));
  }
}
