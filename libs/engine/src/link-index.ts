import type { Conflict, ConflictState, NewConflict } from './conflict.js';
import type { NewPendingDelete, PendingDelete, PendingDeleteDecision, PendingDeleteState } from './pending-delete.js';
import type { NewRecordFailure, RecordFailure, RecordKey } from './record-failure.js';
import type { Cursor, Side, TableRef } from './record.js';
import type { RunStatus, RunSummary } from './run-summary.js';

/** The two tables a job syncs: links are stored per pair, so other jobs can look them up. */
export interface TablePair {
  readonly source: TableRef;
  readonly dest: TableRef;
}

/** One record on the source table linked to one record on the destination table. */
export interface Link {
  readonly sourceId: string;
  readonly destId: string;
  /**
   * Content hash of the source record's mapped content (source → dest mapper output) as last
   * synced; null when never synced (a link made by `match`).
   */
  readonly sourceHash: string | null;
  /** Content hash of the destination record's mapped content (dest → source) as last synced. */
  readonly destHash: string | null;
  /**
   * `conflict_policy: field_merge` only: per field of the source record's mapped content (keyed by
   * destination field), the hash of its value as last synced ({@link fieldHashes}); null otherwise.
   */
  readonly sourceFields?: Readonly<Record<string, string>> | null;
  /** Like `sourceFields`, for the destination record's mapped content (keyed by source field). */
  readonly destFields?: Readonly<Record<string, string>> | null;
  /** Set once the pair was deleted: a tombstone, so a stale copy never re-creates it. */
  readonly deletedAt: string | null;
  readonly syncedAt: string;
}

/** Detection times of conflicts to list, inclusive, ISO 8601. */
export interface DetectedRange {
  readonly from?: string;
  readonly to?: string;
}

export interface JobState {
  readonly disabledAt: string | null;
}

/** Runs `listRuns` returns when the query gives no limit; the board's API pages by it too. */
export const DEFAULT_RUNS_PAGE = 50;

export interface RunQuery {
  readonly jobId?: string;
  readonly status?: RunStatus;
  /** Newest first; at most this many. @defaultValue {@link DEFAULT_RUNS_PAGE} */
  readonly limit?: number;
  /** Only runs that started strictly before this ISO time (paging). */
  readonly before?: string;
}

/**
 * Where the fleet keeps what must survive any worker: links, cursors, fail counts, disabled
 * jobs, runs and conflicts. Every batch form is one round trip; the engine never calls one per record.
 */
export interface LinkIndex {
  // links
  /** Links of `pair` whose `side` id is one of `ids` (tombstones included). */
  findLinks(pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]>;
  /** Insert or replace many links (keyed by pair + sourceId + destId) in one transaction. */
  upsertLinks(pair: TablePair, links: readonly Link[]): Promise<void>;
  /**
   * Live links of `pair` (no tombstones), ordered by source id then destination id, after `after`
   * (exclusive; null: from the first), at most `limit`: how reconciliation walks every link.
   */
  listLinks(pair: TablePair, after: LinkKey | null, limit: number): Promise<Link[]>;
  /** How many live links `pair` has. */
  countLinks(pair: TablePair): Promise<number>;
  /** Removes these links (a rejected delete lets its pair go); unknown keys are ignored. */
  deleteLinks(pair: TablePair, keys: readonly LinkKey[]): Promise<void>;

  // cursors
  loadCursor(jobId: string, ref: TableRef): Promise<Cursor>;
  saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void>;

  // held records (edit settling, `settle_sec`)
  /** When each of `ids` (records of `ref`) was first held by the job: id → ISO time; ids not held are absent. */
  findHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<Map<string, string>>;
  /**
   * Holds these records as of `at`; a record already held keeps its first time. Returns when each
   * of `ids` was first held (id → ISO time).
   */
  holdRecords(jobId: string, ref: TableRef, ids: readonly string[], at: Date): Promise<Map<string, string>>;
  /** Forgets these records' holds (they passed); ids not held are ignored. */
  releaseHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<void>;

  // job state
  getJobState(jobId: string): Promise<JobState>;
  disableJob(jobId: string, at: Date): Promise<void>;
  /** Clears `disabledAt` and resets every fail count of the job. */
  enableJob(jobId: string): Promise<void>;
  /** Adds one to the side's fail count and returns the new count. */
  incrementFailCount(jobId: string, ref: TableRef): Promise<number>;
  resetFailCount(jobId: string, ref: TableRef): Promise<void>;
  getFailCount(jobId: string, ref: TableRef): Promise<number>;

  // runs
  insertRun(run: RunSummary): Promise<void>;
  getRun(runId: string): Promise<RunSummary | null>;
  listRuns(query: RunQuery): Promise<RunSummary[]>;
  /** Deletes runs that started before `olderThan`; returns how many. */
  pruneRuns(olderThan: Date): Promise<number>;

  // conflicts
  /**
   * Records a conflict. When the same link already has an open conflict, its payloads are
   * replaced with these (newer) ones and the existing id is returned.
   */
  recordConflict(conflict: NewConflict): Promise<Conflict>;
  getConflict(conflictId: string): Promise<Conflict | null>;
  /** Oldest first; `range` keeps those detected within [from, to] (ISO times, inclusive). */
  listConflicts(jobId: string, state: ConflictState, range?: DetectedRange): Promise<Conflict[]>;
  /**
   * A person decided: `keep` wins, if the conflict is still open. The check and the write are
   * one atomic step, so of two concurrent decisions exactly one lands. Returns the resolved
   * conflict, or null when it was no longer open (already resolved or applied: nothing changed).
   * Throws `NotFoundError` for an unknown id.
   */
  resolveConflict(conflictId: string, keep: Side, at?: Date): Promise<Conflict | null>;
  /**
   * The engine closes a conflict that a delete made moot, open or resolved: `keep` (the side
   * whose delete wins) is recorded as kept, and the conflict resolved and applied at `at`.
   * Throws `NotFoundError` for an unknown id.
   */
  supersedeConflict(conflictId: string, keep: Side, at?: Date): Promise<void>;
  /** The engine applied the kept side. */
  markConflictApplied(conflictId: string, at?: Date): Promise<void>;

  // pending deletes (the delete brake)
  /**
   * Records deletes held back by the brake. A link that already has one waiting (open, or decided
   * and not carried out) keeps it: the new one is dropped. Returns those recorded.
   */
  addPendingDeletes(deletes: readonly NewPendingDelete[]): Promise<PendingDelete[]>;
  /** Oldest first; `states` keeps those in one of them (default: every state). */
  listPendingDeletes(jobId: string, states?: readonly PendingDeleteState[]): Promise<PendingDelete[]>;
  /**
   * Decides open pending deletes of `jobId`: those with the given ids, or (`'all'`) every open one.
   * Check and write are one atomic step: one already decided is left as it is. Returns those decided.
   */
  decidePendingDeletes(jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at?: Date): Promise<PendingDelete[]>;
  /** A run carried these decisions out. */
  markPendingDeletesApplied(ids: readonly string[], at?: Date): Promise<void>;

  // failing records
  /**
   * Records that failed in a run: a new one starts at 1 failure, a known one counts one more and
   * takes the new reason, stage, run and `retrying`; a pending retry request is cleared (served).
   */
  recordFailures(jobId: string, failures: readonly NewRecordFailure[]): Promise<void>;
  /** These records synced (or no longer fail): they leave the list. Unknown keys are ignored. */
  clearRecordFailures(jobId: string, keys: readonly RecordKey[]): Promise<void>;
  /** The job's failing records, most recently failed first; `keys` keeps those records only. */
  listRecordFailures(jobId: string, keys?: readonly RecordKey[]): Promise<RecordFailure[]>;
  /** Asks the job's next run to read these failing records (or all) by id and plan them again; returns how many. */
  requestRecordRetry(jobId: string, keys: readonly RecordKey[] | 'all', at?: Date): Promise<number>;
}

/** What identifies a link within its table pair. */
export interface LinkKey {
  readonly sourceId: string;
  readonly destId: string;
}
