import type {
  Conflict, ConflictState, Cursor, DetectedRange, JobState, Link, LinkIndex, LinkKey, NewConflict, NewPendingDelete,
  NewRecordFailure, PendingDelete, PendingDeleteDecision, PendingDeleteState, RecordFailure, RecordKey, RunQuery, RunSummary,
  Side, TablePair, TableRef,
} from '@syncframe/engine';
import type { SQL } from 'drizzle-orm';

/**
 * Whether an operation may be tried again after its connection was lost, when it may have been
 * applied before the answer was lost: yes when applying it twice leaves what applying it once does.
 * Not for `incrementFailCount` and `recordFailures` (they would count twice), `insertRun` (the second insert would find the
 * first), `recordConflict` (a second conflict), and the lease calls (the heartbeat and the processor
 * decide themselves; a renewal that waited out an outage could outlive the lease). A database
 * that has no outages to ride out (a SQLite file) ignores it.
 */
export type Replay = 'replayable' | 'once';

/**
 * One SQL dialect's stores (one per table: `stores/` for PostgreSQL and PGlite, `stores-sqlite/`),
 * as {@link StoreLinkIndex} calls them; `ex` is the dialect's database or transaction.
 */
export interface LinkIndexStores<Ex> {
  readonly findLinks: (ex: Ex, pair: TablePair, side: Side, ids: readonly string[]) => Promise<Link[]>;
  /** The statements that upsert `batch`, one per so many links. */
  readonly linkUpserts: (pair: TablePair, batch: readonly Link[]) => SQL[];
  readonly runLinkUpserts: (ex: Ex, statements: readonly SQL[]) => Promise<void>;
  readonly listLinks: (ex: Ex, pair: TablePair, after: LinkKey | null, limit: number) => Promise<Link[]>;
  readonly countLinks: (ex: Ex, pair: TablePair) => Promise<number>;
  readonly deleteLinks: (ex: Ex, pair: TablePair, keys: readonly LinkKey[]) => Promise<void>;

  readonly loadCursor: (ex: Ex, jobId: string, ref: TableRef) => Promise<Cursor>;
  readonly saveCursor: (ex: Ex, jobId: string, ref: TableRef, cursor: Cursor) => Promise<void>;
  readonly incrementFailCount: (ex: Ex, jobId: string, ref: TableRef) => Promise<number>;
  readonly resetFailCount: (ex: Ex, jobId: string, ref: TableRef) => Promise<void>;
  readonly resetJobFailCounts: (ex: Ex, jobId: string) => Promise<void>;
  readonly getFailCount: (ex: Ex, jobId: string, ref: TableRef) => Promise<number>;

  readonly findHeld: (ex: Ex, jobId: string, ref: TableRef, ids: readonly string[]) => Promise<Map<string, string>>;
  readonly holdRecords: (ex: Ex, jobId: string, ref: TableRef, ids: readonly string[], at: Date) => Promise<Map<string, string>>;
  readonly releaseHeld: (ex: Ex, jobId: string, ref: TableRef, ids: readonly string[]) => Promise<void>;

  readonly getJobState: (ex: Ex, jobId: string) => Promise<JobState>;
  readonly disableJob: (ex: Ex, jobId: string, at: Date) => Promise<void>;
  readonly clearDisabled: (ex: Ex, jobId: string) => Promise<void>;

  readonly insertRun: (ex: Ex, run: RunSummary) => Promise<void>;
  readonly getRun: (ex: Ex, runId: string) => Promise<RunSummary | null>;
  readonly listRuns: (ex: Ex, query: RunQuery) => Promise<RunSummary[]>;
  readonly pruneRuns: (ex: Ex, olderThan: Date) => Promise<number>;

  readonly recordConflict: (ex: Ex, conflict: NewConflict) => Promise<Conflict>;
  readonly getConflict: (ex: Ex, conflictId: string) => Promise<Conflict | null>;
  readonly listConflicts: (ex: Ex, jobId: string, state: ConflictState, range: DetectedRange) => Promise<Conflict[]>;
  readonly resolveOpenConflict: (ex: Ex, conflictId: string, keep: Side, at: Date) => Promise<Conflict | null>;
  readonly supersedeConflict: (ex: Ex, conflictId: string, keep: Side, at: Date) => Promise<void>;
  readonly markConflictApplied: (ex: Ex, conflictId: string, at: Date) => Promise<void>;

  readonly addPendingDeletes: (ex: Ex, deletes: readonly NewPendingDelete[]) => Promise<PendingDelete[]>;
  readonly listPendingDeletes: (ex: Ex, jobId: string, states?: readonly PendingDeleteState[]) => Promise<PendingDelete[]>;
  readonly decidePendingDeletes: (ex: Ex, jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at: Date) => Promise<PendingDelete[]>;
  readonly markPendingDeletesApplied: (ex: Ex, ids: readonly string[], at: Date) => Promise<void>;

  readonly recordFailures: (ex: Ex, jobId: string, failures: readonly NewRecordFailure[]) => Promise<void>;
  readonly clearRecordFailures: (ex: Ex, jobId: string, keys: readonly RecordKey[]) => Promise<void>;
  readonly listRecordFailures: (ex: Ex, jobId: string, keys?: readonly RecordKey[]) => Promise<RecordFailure[]>;
  readonly requestRecordRetry: (ex: Ex, jobId: string, keys: readonly RecordKey[] | 'all', at: Date) => Promise<number>;
}

type Ops<Ex, K extends keyof LinkIndexStores<Ex>> = Pick<LinkIndexStores<Ex>, K>;

/**
 * The store modules of one dialect's folder (`stores/`, `stores-sqlite/`: the same names in both),
 * with the row and filter types each dialect has its own of.
 */
export interface StoreModules<Ex, RunRow, RunFilter, ConflictRow, ConflictFilter, PendingDeleteRow> {
  readonly links: Ops<Ex, 'findLinks' | 'linkUpserts' | 'runLinkUpserts'>;
  readonly linkScan: Ops<Ex, 'listLinks' | 'countLinks' | 'deleteLinks'>;
  readonly cursors: Ops<Ex, 'loadCursor' | 'saveCursor' | 'incrementFailCount' | 'resetFailCount' | 'resetJobFailCounts' | 'getFailCount'>;
  readonly heldRecords: Ops<Ex, 'findHeld' | 'holdRecords' | 'releaseHeld'>;
  readonly jobs: Ops<Ex, 'getJobState' | 'disableJob' | 'clearDisabled'>;
  readonly runs: Ops<Ex, 'getRun' | 'pruneRuns'> & {
    readonly runRow: (run: RunSummary) => RunRow;
    readonly insertRun: (ex: Ex, row: RunRow) => Promise<void>;
    readonly runFilter: (query: RunQuery) => RunFilter;
    readonly listRuns: (ex: Ex, filter: RunFilter) => Promise<RunSummary[]>;
  };
  readonly conflicts: Ops<Ex, 'getConflict' | 'resolveOpenConflict' | 'supersedeConflict' | 'markConflictApplied'> & {
    readonly conflictRow: (conflict: NewConflict) => ConflictRow;
    readonly recordConflict: (ex: Ex, row: ConflictRow) => Promise<Conflict>;
    readonly conflictFilter: (jobId: string, state: ConflictState, range: DetectedRange) => ConflictFilter;
    readonly listConflicts: (ex: Ex, filter: ConflictFilter) => Promise<Conflict[]>;
  };
  readonly pendingDeletes: Ops<Ex, 'listPendingDeletes' | 'decidePendingDeletes' | 'markPendingDeletesApplied'> & {
    readonly pendingDeleteRow: (d: NewPendingDelete) => PendingDeleteRow;
    readonly addPendingDeletes: (ex: Ex, rows: readonly PendingDeleteRow[]) => Promise<PendingDelete[]>;
  };
  readonly recordFailures: Ops<Ex, 'clearRecordFailures' | 'listRecordFailures' | 'requestRecordRetry'> & {
    readonly recordFailuresOf: (ex: Ex, jobId: string, failures: readonly NewRecordFailure[]) => Promise<void>;
  };
}

/** A dialect's {@link LinkIndexStores} from its store modules: domain values turned into its rows and filters. */
export function linkIndexStores<Ex, RunRow, RunFilter, ConflictRow, ConflictFilter, PendingDeleteRow>(
  m: StoreModules<Ex, RunRow, RunFilter, ConflictRow, ConflictFilter, PendingDeleteRow>,
): LinkIndexStores<Ex> {
  const { links, linkScan, cursors, heldRecords, jobs, runs, conflicts, pendingDeletes, recordFailures } = m;
  return {
    findLinks: links.findLinks,
    linkUpserts: links.linkUpserts,
    runLinkUpserts: links.runLinkUpserts,
    listLinks: linkScan.listLinks,
    countLinks: linkScan.countLinks,
    deleteLinks: linkScan.deleteLinks,
    loadCursor: cursors.loadCursor,
    saveCursor: cursors.saveCursor,
    incrementFailCount: cursors.incrementFailCount,
    resetFailCount: cursors.resetFailCount,
    resetJobFailCounts: cursors.resetJobFailCounts,
    getFailCount: cursors.getFailCount,
    findHeld: heldRecords.findHeld,
    holdRecords: heldRecords.holdRecords,
    releaseHeld: heldRecords.releaseHeld,
    getJobState: jobs.getJobState,
    disableJob: jobs.disableJob,
    clearDisabled: jobs.clearDisabled,
    insertRun: (ex, run) => runs.insertRun(ex, runs.runRow(run)),
    getRun: runs.getRun,
    listRuns: (ex, query) => runs.listRuns(ex, runs.runFilter(query)),
    pruneRuns: runs.pruneRuns,
    recordConflict: (ex, conflict) => conflicts.recordConflict(ex, conflicts.conflictRow(conflict)),
    getConflict: conflicts.getConflict,
    listConflicts: (ex, jobId, state, range) => conflicts.listConflicts(ex, conflicts.conflictFilter(jobId, state, range)),
    resolveOpenConflict: conflicts.resolveOpenConflict,
    supersedeConflict: conflicts.supersedeConflict,
    markConflictApplied: conflicts.markConflictApplied,
    addPendingDeletes: (ex, deletes) => pendingDeletes.addPendingDeletes(ex, deletes.map((d) => pendingDeletes.pendingDeleteRow(d))),
    listPendingDeletes: pendingDeletes.listPendingDeletes,
    decidePendingDeletes: pendingDeletes.decidePendingDeletes,
    markPendingDeletesApplied: pendingDeletes.markPendingDeletesApplied,
    recordFailures: recordFailures.recordFailuresOf,
    clearRecordFailures: recordFailures.clearRecordFailures,
    listRecordFailures: recordFailures.listRecordFailures,
    requestRecordRetry: recordFailures.requestRecordRetry,
  };
}

/**
 * The LinkIndex over one dialect's stores, written once: it names each operation for error
 * messages, skips the database for empty inputs, and says how each write runs (several statements
 * in one transaction; may it be replayed after a lost connection). How an operation reaches the
 * database (outage riding, a serial queue, error mapping, fencing) is the dialect's `read`/`write`.
 */
export abstract class StoreLinkIndex<Ex> implements LinkIndex {
  protected constructor(private readonly stores: LinkIndexStores<Ex>) {}

  /** Runs `body` on the database, turning driver errors into ones callers can act on. */
  protected abstract read<T>(operation: string, body: (ex: Ex) => Promise<T>, replay?: Replay): Promise<T>;
  /** Runs a write: in one transaction when fenced or of several statements. */
  protected abstract write<T>(operation: string, body: (ex: Ex) => Promise<T>, severalStatements?: boolean, replay?: Replay): Promise<T>;

  // ---- links --------------------------------------------------------------------------------

  async findLinks(pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
    if (ids.length === 0) return [];
    return this.read('findLinks', (ex) => this.stores.findLinks(ex, pair, side, ids));
  }

  async upsertLinks(pair: TablePair, batch: readonly Link[]): Promise<void> {
    if (batch.length === 0) return;
    const statements = this.stores.linkUpserts(pair, batch);
    await this.write('upsertLinks', (ex) => this.stores.runLinkUpserts(ex, statements), statements.length > 1);
  }

  async listLinks(pair: TablePair, after: LinkKey | null, limit: number): Promise<Link[]> {
    if (limit <= 0) return [];
    return this.read('listLinks', (ex) => this.stores.listLinks(ex, pair, after, limit));
  }

  async countLinks(pair: TablePair): Promise<number> {
    return this.read('countLinks', (ex) => this.stores.countLinks(ex, pair));
  }

  async deleteLinks(pair: TablePair, keys: readonly LinkKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.write('deleteLinks', (ex) => this.stores.deleteLinks(ex, pair, keys));
  }

  // ---- cursors and fail counts ----------------------------------------------------------------

  async loadCursor(jobId: string, ref: TableRef): Promise<Cursor> {
    return this.read('loadCursor', (ex) => this.stores.loadCursor(ex, jobId, ref));
  }

  async saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
    await this.write('saveCursor', (ex) => this.stores.saveCursor(ex, jobId, ref, cursor));
  }

  async incrementFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.write('incrementFailCount', (ex) => this.stores.incrementFailCount(ex, jobId, ref), false, 'once');
  }

  async resetFailCount(jobId: string, ref: TableRef): Promise<void> {
    await this.write('resetFailCount', (ex) => this.stores.resetFailCount(ex, jobId, ref));
  }

  async getFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.read('getFailCount', (ex) => this.stores.getFailCount(ex, jobId, ref));
  }

  // ---- held records (edit settling) -------------------------------------------------------------

  async findHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    return this.read('findHeld', (ex) => this.stores.findHeld(ex, jobId, ref, ids));
  }

  async holdRecords(jobId: string, ref: TableRef, ids: readonly string[], at: Date): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    return this.write('holdRecords', (ex) => this.stores.holdRecords(ex, jobId, ref, ids, at));
  }

  async releaseHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.write('releaseHeld', (ex) => this.stores.releaseHeld(ex, jobId, ref, ids));
  }

  // ---- job state --------------------------------------------------------------------------------

  async getJobState(jobId: string): Promise<JobState> {
    return this.read('getJobState', (ex) => this.stores.getJobState(ex, jobId));
  }

  async disableJob(jobId: string, at: Date): Promise<void> {
    await this.write('disableJob', (ex) => this.stores.disableJob(ex, jobId, at));
  }

  async enableJob(jobId: string): Promise<void> {
    await this.write(
      'enableJob',
      async (ex) => {
        await this.stores.clearDisabled(ex, jobId);
        await this.stores.resetJobFailCounts(ex, jobId);
      },
      true,
    );
  }

  // ---- runs -------------------------------------------------------------------------------------

  async insertRun(run: RunSummary): Promise<void> {
    await this.write('insertRun', (ex) => this.stores.insertRun(ex, run), false, 'once');
  }

  async getRun(runId: string): Promise<RunSummary | null> {
    return this.read('getRun', (ex) => this.stores.getRun(ex, runId));
  }

  async listRuns(query: RunQuery): Promise<RunSummary[]> {
    // A page of no runs asks nothing of the database (the stores read `limit` the same way).
    if (query.limit !== undefined && Math.floor(query.limit) <= 0) return [];
    return this.read('listRuns', (ex) => this.stores.listRuns(ex, query));
  }

  async pruneRuns(olderThan: Date): Promise<number> {
    return this.write('pruneRuns', (ex) => this.stores.pruneRuns(ex, olderThan));
  }

  // ---- conflicts ------------------------------------------------------------------------------

  async recordConflict(conflict: NewConflict): Promise<Conflict> {
    return this.write('recordConflict', (ex) => this.stores.recordConflict(ex, conflict), false, 'once');
  }

  async getConflict(conflictId: string): Promise<Conflict | null> {
    return this.read('getConflict', (ex) => this.stores.getConflict(ex, conflictId));
  }

  async listConflicts(jobId: string, state: ConflictState, range: DetectedRange = {}): Promise<Conflict[]> {
    return this.read('listConflicts', (ex) => this.stores.listConflicts(ex, jobId, state, range));
  }

  async resolveConflict(conflictId: string, keep: Side, at: Date = new Date()): Promise<Conflict | null> {
    return this.write('resolveConflict', (ex) => this.stores.resolveOpenConflict(ex, conflictId, keep, at));
  }

  async supersedeConflict(conflictId: string, keep: Side, at: Date = new Date()): Promise<void> {
    await this.write('supersedeConflict', (ex) => this.stores.supersedeConflict(ex, conflictId, keep, at));
  }

  async markConflictApplied(conflictId: string, at: Date = new Date()): Promise<void> {
    await this.write('markConflictApplied', (ex) => this.stores.markConflictApplied(ex, conflictId, at));
  }

  // ---- pending deletes ----------------------------------------------------------------------------

  async addPendingDeletes(deletes: readonly NewPendingDelete[]): Promise<PendingDelete[]> {
    if (deletes.length === 0) return [];
    return this.write('addPendingDeletes', (ex) => this.stores.addPendingDeletes(ex, deletes), deletes.length > 1);
  }

  async listPendingDeletes(jobId: string, states?: readonly PendingDeleteState[]): Promise<PendingDelete[]> {
    return this.read('listPendingDeletes', (ex) => this.stores.listPendingDeletes(ex, jobId, states));
  }

  async decidePendingDeletes(jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at: Date = new Date()): Promise<PendingDelete[]> {
    return this.write('decidePendingDeletes', (ex) => this.stores.decidePendingDeletes(ex, jobId, ids, decision, at));
  }

  async markPendingDeletesApplied(ids: readonly string[], at: Date = new Date()): Promise<void> {
    await this.write('markPendingDeletesApplied', (ex) => this.stores.markPendingDeletesApplied(ex, ids, at));
  }

  // ---- failing records ----------------------------------------------------------------------------

  async recordFailures(jobId: string, failures: readonly NewRecordFailure[]): Promise<void> {
    if (failures.length === 0) return;
    await this.write('recordFailures', (ex) => this.stores.recordFailures(ex, jobId, failures), false, 'once');
  }

  async clearRecordFailures(jobId: string, keys: readonly RecordKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.write('clearRecordFailures', (ex) => this.stores.clearRecordFailures(ex, jobId, keys));
  }

  async listRecordFailures(jobId: string, keys?: readonly RecordKey[]): Promise<RecordFailure[]> {
    if (keys !== undefined && keys.length === 0) return [];
    return this.read('listRecordFailures', (ex) => this.stores.listRecordFailures(ex, jobId, keys));
  }

  async requestRecordRetry(jobId: string, keys: readonly RecordKey[] | 'all', at: Date = new Date()): Promise<number> {
    if (keys !== 'all' && keys.length === 0) return 0;
    return this.write('requestRecordRetry', (ex) => this.stores.requestRecordRetry(ex, jobId, keys, at));
  }
}
