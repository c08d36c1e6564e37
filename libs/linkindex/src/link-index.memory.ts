import { LeaseLostError, systemClock } from '@syncframe/engine';
import type {
  Clock, Conflict, ConflictState, Cursor, DetectedRange, JobLeases, JobState, LeaseGrant, Link, LinkIndex, NewConflict, RunQuery,
  RunSummary, Side, TablePair, TableRef,
} from '@syncframe/engine';
import type { LinkKey, NewPendingDelete, PendingDelete, PendingDeleteDecision, PendingDeleteState } from '@syncframe/engine';
import type { NewRecordFailure, RecordFailure, RecordKey } from '@syncframe/engine';
import { MemoryLinkStore } from './memory-link-store.js';

interface LeaseRow {
  holder: string;
  token: number;
  expiresAt: number;
}

/**
 * The in-memory link store (memory-link-store.ts) plus JobLeases, with the same lease rules as the PostgreSQL
 * store (see `PostgresJobLeases`): the `memory` driver, for tests and single-process trials.
 * Time comes from `clock`, so tests can expire a lease without waiting.
 */
export class MemoryLinkIndex extends MemoryLinkStore implements JobLeases {
  private readonly leases = new Map<string, LeaseRow>();

  constructor(private readonly clock: Clock = systemClock) {
    super();
  }

  async acquireLease(jobId: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    checkTtl(ttlMs);
    const now = this.clock.now();
    const row = this.leases.get(jobId);
    if (row && row.expiresAt > now && row.holder !== holder) return null;
    const next: LeaseRow = { holder, token: (row?.token ?? 0) + 1, expiresAt: now + ttlMs };
    this.leases.set(jobId, next);
    return { jobId, holder, token: next.token, expiresAt: new Date(next.expiresAt).toISOString() };
  }

  async renewLease(grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const row = this.current(grant);
    if (!row) return false;
    row.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  async releaseLease(grant: LeaseGrant): Promise<void> {
    const row = this.current(grant);
    if (!row) return;
    // As on PostgreSQL: release retires the token, so the released grant can write nothing more.
    row.token += 1;
    row.expiresAt = this.clock.now();
  }

  fenced(grant: LeaseGrant): LinkIndex {
    return new FencedLinkIndex(this, () => {
      if (!this.current(grant)) {
        throw new LeaseLostError(`job ${grant.jobId}: lease ${grant.token} of ${grant.holder} was lost (taken over or released); nothing was written`);
      }
    });
  }

  /** Nothing to close; here so every driver's link index has the same shape. */
  async close(): Promise<void> {}

  private current(grant: LeaseGrant): LeaseRow | undefined {
    const row = this.leases.get(grant.jobId);
    return row && row.token === grant.token && row.holder === grant.holder ? row : undefined;
  }
}

/**
 * Checks the lease before every write, then delegates. The check and the write happen in the
 * same turn of the event loop (the in-memory writes do not await before mutating), so nothing
 * can take the lease over in between.
 */
class FencedLinkIndex implements LinkIndex {
  constructor(
    private readonly inner: LinkIndex,
    private readonly check: () => void,
  ) {}

  findLinks(pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
    return this.inner.findLinks(pair, side, ids);
  }
  upsertLinks(pair: TablePair, links: readonly Link[]): Promise<void> {
    return this.guarded(() => this.inner.upsertLinks(pair, links));
  }
  loadCursor(jobId: string, ref: TableRef): Promise<Cursor> {
    return this.inner.loadCursor(jobId, ref);
  }
  saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
    return this.guarded(() => this.inner.saveCursor(jobId, ref, cursor));
  }
  findHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<Map<string, string>> {
    return this.inner.findHeld(jobId, ref, ids);
  }
  holdRecords(jobId: string, ref: TableRef, ids: readonly string[], at: Date): Promise<Map<string, string>> {
    return this.guarded(() => this.inner.holdRecords(jobId, ref, ids, at));
  }
  releaseHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<void> {
    return this.guarded(() => this.inner.releaseHeld(jobId, ref, ids));
  }
  getJobState(jobId: string): Promise<JobState> {
    return this.inner.getJobState(jobId);
  }
  disableJob(jobId: string, at: Date): Promise<void> {
    return this.guarded(() => this.inner.disableJob(jobId, at));
  }
  enableJob(jobId: string): Promise<void> {
    return this.guarded(() => this.inner.enableJob(jobId));
  }
  incrementFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.guarded(() => this.inner.incrementFailCount(jobId, ref));
  }
  resetFailCount(jobId: string, ref: TableRef): Promise<void> {
    return this.guarded(() => this.inner.resetFailCount(jobId, ref));
  }
  getFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.inner.getFailCount(jobId, ref);
  }
  insertRun(run: RunSummary): Promise<void> {
    return this.guarded(() => this.inner.insertRun(run));
  }
  getRun(runId: string): Promise<RunSummary | null> {
    return this.inner.getRun(runId);
  }
  listRuns(query: RunQuery): Promise<RunSummary[]> {
    return this.inner.listRuns(query);
  }
  pruneRuns(olderThan: Date): Promise<number> {
    return this.guarded(() => this.inner.pruneRuns(olderThan));
  }
  recordConflict(conflict: NewConflict): Promise<Conflict> {
    return this.guarded(() => this.inner.recordConflict(conflict));
  }
  getConflict(conflictId: string): Promise<Conflict | null> {
    return this.inner.getConflict(conflictId);
  }
  listConflicts(jobId: string, state: ConflictState, range?: DetectedRange): Promise<Conflict[]> {
    return this.inner.listConflicts(jobId, state, range);
  }
  resolveConflict(conflictId: string, keep: Side, at?: Date): Promise<Conflict | null> {
    return this.guarded(() => this.inner.resolveConflict(conflictId, keep, at));
  }
  supersedeConflict(conflictId: string, keep: Side, at?: Date): Promise<void> {
    return this.guarded(() => this.inner.supersedeConflict(conflictId, keep, at));
  }
  markConflictApplied(conflictId: string, at?: Date): Promise<void> {
    return this.guarded(() => this.inner.markConflictApplied(conflictId, at));
  }
  listLinks(pair: TablePair, after: LinkKey | null, limit: number): Promise<Link[]> {
    return this.inner.listLinks(pair, after, limit);
  }
  countLinks(pair: TablePair): Promise<number> {
    return this.inner.countLinks(pair);
  }
  deleteLinks(pair: TablePair, keys: readonly LinkKey[]): Promise<void> {
    return this.guarded(() => this.inner.deleteLinks(pair, keys));
  }
  addPendingDeletes(deletes: readonly NewPendingDelete[]): Promise<PendingDelete[]> {
    return this.guarded(() => this.inner.addPendingDeletes(deletes));
  }
  listPendingDeletes(jobId: string, states?: readonly PendingDeleteState[]): Promise<PendingDelete[]> {
    return this.inner.listPendingDeletes(jobId, states);
  }
  decidePendingDeletes(jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at?: Date): Promise<PendingDelete[]> {
    return this.guarded(() => this.inner.decidePendingDeletes(jobId, ids, decision, at));
  }
  markPendingDeletesApplied(ids: readonly string[], at?: Date): Promise<void> {
    return this.guarded(() => this.inner.markPendingDeletesApplied(ids, at));
  }
  recordFailures(jobId: string, failures: readonly NewRecordFailure[]): Promise<void> {
    return this.guarded(() => this.inner.recordFailures(jobId, failures));
  }
  clearRecordFailures(jobId: string, keys: readonly RecordKey[]): Promise<void> {
    return this.guarded(() => this.inner.clearRecordFailures(jobId, keys));
  }
  listRecordFailures(jobId: string, keys?: readonly RecordKey[]): Promise<RecordFailure[]> {
    return this.inner.listRecordFailures(jobId, keys);
  }
  requestRecordRetry(jobId: string, keys: readonly RecordKey[] | 'all', at?: Date): Promise<number> {
    return this.guarded(() => this.inner.requestRecordRetry(jobId, keys, at));
  }

  private async guarded<T>(write: () => Promise<T>): Promise<T> {
    this.check();
    return write();
  }
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`lease ttlMs must be a non-negative number, got ${ttlMs}`);
}
