import { DEFAULT_RUNS_PAGE, NotFoundError, START_CURSOR, conflictState, pendingDeleteState } from '@syncframe/engine';
import type { LinkKey, NewPendingDelete, PendingDelete, PendingDeleteDecision, PendingDeleteState } from '@syncframe/engine';
import type {
  Conflict, ConflictState, Cursor, DetectedRange, JobState, Link, LinkIndex, NewConflict, RunQuery, RunSummary, Side, TablePair, TableRef,
} from '@syncframe/engine';
import { MemoryHeldRecords } from './memory-held-records.js';
import type { NewRecordFailure, RecordFailure, RecordKey } from '@syncframe/engine';
import { MemoryRecordFailures } from './memory-record-failures.js';

const SEP = '\u0000';
const refKey = (ref: TableRef) => `${ref.adapter}${SEP}${ref.table}`;
const pairKey = (pair: TablePair) => `${refKey(pair.source)}${SEP}${refKey(pair.dest)}`;
const clone = <T>(v: T): T => structuredClone(v);
const compareLinkKeys = (a: LinkKey, b: LinkKey) =>
  a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : a.destId < b.destId ? -1 : a.destId > b.destId ? 1 : 0;

/** A link as the PostgreSQL store gives it back: per-field hashes only when set (field_merge jobs). */
function storedLink(link: Link): Link {
  const { sourceFields, destFields, ...rest } = clone(link);
  return { ...rest, ...(sourceFields ? { sourceFields } : {}), ...(destFields ? { destFields } : {}) };
}

function withoutFields<T extends { readonly fields?: unknown }>(c: T): Omit<T, 'fields'> {
  const { fields: _fields, ...rest } = c;
  return rest;
}

/** A conflict's field names, only when it names fields (as the PostgreSQL store gives them back). */
const fieldsOf = (c: NewConflict): Pick<Conflict, 'fields'> => (c.fields ? { fields: [...c.fields] } : {});

/**
 * A complete LinkIndex in memory, the store of the `memory` driver (MemoryLinkIndex adds the leases).
 * Production code: no call log (the test kit's InMemoryLinkIndex has one). Lost with the process.
 */
export class MemoryLinkStore implements LinkIndex {
  private readonly links = new Map<string, Map<string, Link>>();
  private readonly cursors = new Map<string, Cursor>();
  private readonly failCounts = new Map<string, number>();
  private readonly jobs = new Map<string, JobState>();
  private readonly runs = new Map<string, RunSummary>();
  private readonly conflicts = new Map<string, Conflict>();
  private readonly held = new MemoryHeldRecords();
  private readonly pendingDeletes = new Map<string, PendingDelete>();
  private readonly failing = new MemoryRecordFailures();

  protected pairLinks(pair: TablePair): Map<string, Link> {
    const key = pairKey(pair);
    let m = this.links.get(key);
    if (!m) this.links.set(key, (m = new Map()));
    return m;
  }

  async findLinks(pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
    const wanted = new Set(ids);
    const out: Link[] = [];
    for (const link of this.pairLinks(pair).values()) {
      if (wanted.has(side === 'source' ? link.sourceId : link.destId)) out.push(clone(link));
    }
    return out;
  }

  async upsertLinks(pair: TablePair, links: readonly Link[]): Promise<void> {
    const m = this.pairLinks(pair);
    for (const link of links) m.set(`${link.sourceId}${SEP}${link.destId}`, storedLink(link));
  }

  async loadCursor(jobId: string, ref: TableRef): Promise<Cursor> {
    return clone(this.cursors.get(`${jobId}${SEP}${refKey(ref)}`) ?? START_CURSOR);
  }

  async saveCursor(jobId: string, ref: TableRef, cursor: Cursor): Promise<void> {
    this.cursors.set(`${jobId}${SEP}${refKey(ref)}`, clone(cursor));
  }

  async findHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<Map<string, string>> {
    return this.held.find(jobId, ref, ids);
  }

  async holdRecords(jobId: string, ref: TableRef, ids: readonly string[], at: Date): Promise<Map<string, string>> {
    return this.held.hold(jobId, ref, ids, at);
  }

  async releaseHeld(jobId: string, ref: TableRef, ids: readonly string[]): Promise<void> {
    this.held.release(jobId, ref, ids);
  }

  async getJobState(jobId: string): Promise<JobState> {
    return clone(this.jobs.get(jobId) ?? { disabledAt: null });
  }

  async disableJob(jobId: string, at: Date): Promise<void> {
    if (this.jobs.get(jobId)?.disabledAt) return;
    this.jobs.set(jobId, { disabledAt: at.toISOString() });
  }

  async enableJob(jobId: string): Promise<void> {
    this.jobs.set(jobId, { disabledAt: null });
    for (const key of this.failCounts.keys()) if (key.startsWith(`${jobId}${SEP}`)) this.failCounts.delete(key);
  }

  async incrementFailCount(jobId: string, ref: TableRef): Promise<number> {
    const key = `${jobId}${SEP}${refKey(ref)}`;
    const n = (this.failCounts.get(key) ?? 0) + 1;
    this.failCounts.set(key, n);
    return n;
  }

  async resetFailCount(jobId: string, ref: TableRef): Promise<void> {
    this.failCounts.delete(`${jobId}${SEP}${refKey(ref)}`);
  }

  async getFailCount(jobId: string, ref: TableRef): Promise<number> {
    return this.failCounts.get(`${jobId}${SEP}${refKey(ref)}`) ?? 0;
  }

  async insertRun(run: RunSummary): Promise<void> {
    this.runs.set(run.runId, clone(run));
  }

  async getRun(runId: string): Promise<RunSummary | null> {
    const run = this.runs.get(runId);
    return run ? clone(run) : null;
  }

  async listRuns(query: RunQuery): Promise<RunSummary[]> {
    return [...this.runs.values()]
      .filter((r) => (query.jobId === undefined || r.jobId === query.jobId) &&
        (query.status === undefined || r.status === query.status) &&
        (query.before === undefined || r.startedAt < query.before))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.runId.localeCompare(a.runId)))
      .slice(0, query.limit ?? DEFAULT_RUNS_PAGE)
      .map(clone);
  }

  async pruneRuns(olderThan: Date): Promise<number> {
    const limit = olderThan.toISOString();
    let n = 0;
    for (const [id, run] of this.runs) {
      if (run.startedAt < limit) {
        this.runs.delete(id);
        n++;
      }
    }
    return n;
  }

  async recordConflict(conflict: NewConflict): Promise<Conflict> {
    const existing = [...this.conflicts.values()].find(
      (c) => c.jobId === conflict.jobId && c.sourceId === conflict.sourceId && c.destId === conflict.destId &&
        pairKey(c.pair) === pairKey(conflict.pair) && conflictState(c) === 'open',
    );
    const row: Conflict = existing
      ? { ...withoutFields(existing), sourcePayload: clone(conflict.sourcePayload), destPayload: clone(conflict.destPayload), ...fieldsOf(conflict) }
      : { ...withoutFields(clone(conflict)), resolvedAt: null, keep: null, appliedAt: null, ...fieldsOf(conflict) };
    this.conflicts.set(row.conflictId, row);
    return clone(row);
  }

  async getConflict(conflictId: string): Promise<Conflict | null> {
    const c = this.conflicts.get(conflictId);
    return c ? clone(c) : null;
  }

  async listConflicts(jobId: string, state: ConflictState, range: DetectedRange = {}): Promise<Conflict[]> {
    const from = range.from === undefined ? -Infinity : Date.parse(range.from);
    const to = range.to === undefined ? Infinity : Date.parse(range.to);
    return [...this.conflicts.values()]
      .filter((c) => c.jobId === jobId && conflictState(c) === state)
      .filter((c) => Date.parse(c.detectedAt) >= from && Date.parse(c.detectedAt) <= to)
      .sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.conflictId.localeCompare(b.conflictId))
      .map(clone);
  }

  async resolveConflict(conflictId: string, keep: Side, at: Date = new Date()): Promise<Conflict | null> {
    const c = this.conflicts.get(conflictId);
    if (!c) throw new NotFoundError(`conflict ${conflictId} not found`);
    // Checked and written in one turn of the event loop: of two concurrent decisions one lands.
    if (conflictState(c) !== 'open') return null;
    const row: Conflict = { ...c, keep, resolvedAt: at.toISOString() };
    this.conflicts.set(conflictId, row);
    return clone(row);
  }

  async supersedeConflict(conflictId: string, keep: Side, at: Date = new Date()): Promise<void> {
    const c = this.conflicts.get(conflictId);
    if (!c) throw new NotFoundError(`conflict ${conflictId} not found`);
    this.conflicts.set(conflictId, { ...c, keep, resolvedAt: at.toISOString(), appliedAt: at.toISOString() });
  }

  async markConflictApplied(conflictId: string, at: Date = new Date()): Promise<void> {
    const c = this.conflicts.get(conflictId);
    if (!c) throw new NotFoundError(`conflict ${conflictId} not found`);
    this.conflicts.set(conflictId, { ...c, appliedAt: at.toISOString() });
  }

  // ---- links, walked whole (reconciliation) ----------------------------------------------------

  async listLinks(pair: TablePair, after: LinkKey | null, limit: number): Promise<Link[]> {
    return [...this.pairLinks(pair).values()]
      .filter((l) => l.deletedAt === null && (after === null || compareLinkKeys(l, after) > 0))
      .sort(compareLinkKeys)
      .slice(0, limit)
      .map(storedLink);
  }

  async countLinks(pair: TablePair): Promise<number> {
    let n = 0;
    for (const link of this.pairLinks(pair).values()) if (link.deletedAt === null) n++;
    return n;
  }

  async deleteLinks(pair: TablePair, keys: readonly LinkKey[]): Promise<void> {
    const m = this.pairLinks(pair);
    for (const k of keys) m.delete(`${k.sourceId}${SEP}${k.destId}`);
  }

  // ---- pending deletes ---------------------------------------------------------------------------

  async addPendingDeletes(deletes: readonly NewPendingDelete[]): Promise<PendingDelete[]> {
    const added: PendingDelete[] = [];
    for (const d of deletes) {
      const waiting = [...this.pendingDeletes.values()].some((p) => p.jobId === d.jobId && pairKey(p.pair) === pairKey(d.pair) &&
        p.sourceId === d.sourceId && p.destId === d.destId && pendingDeleteState(p) !== 'done');
      if (waiting) continue;
      const row: PendingDelete = { ...clone(d), decision: null, decidedAt: null, appliedAt: null };
      this.pendingDeletes.set(row.deleteId, row);
      added.push(clone(row));
    }
    return added;
  }

  async listPendingDeletes(jobId: string, states?: readonly PendingDeleteState[]): Promise<PendingDelete[]> {
    return [...this.pendingDeletes.values()]
      .filter((p) => p.jobId === jobId && (states === undefined || states.includes(pendingDeleteState(p))))
      .sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.deleteId.localeCompare(b.deleteId))
      .map(clone);
  }

  async decidePendingDeletes(jobId: string, ids: readonly string[] | 'all', decision: PendingDeleteDecision, at: Date = new Date()): Promise<PendingDelete[]> {
    const wanted = ids === 'all' ? null : new Set(ids);
    const decided: PendingDelete[] = [];
    // Checked and written in one turn of the event loop: of two concurrent decisions one lands.
    for (const p of this.pendingDeletes.values()) {
      if (p.jobId !== jobId || pendingDeleteState(p) !== 'open' || (wanted !== null && !wanted.has(p.deleteId))) continue;
      const row: PendingDelete = { ...p, decision, decidedAt: at.toISOString() };
      this.pendingDeletes.set(p.deleteId, row);
      decided.push(clone(row));
    }
    return decided.sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.deleteId.localeCompare(b.deleteId));
  }

  async markPendingDeletesApplied(ids: readonly string[], at: Date = new Date()): Promise<void> {
    for (const id of ids) {
      const p = this.pendingDeletes.get(id);
      if (p) this.pendingDeletes.set(id, { ...p, appliedAt: at.toISOString() });
    }
  }

  // ---- failing records ---------------------------------------------------------------------------

  async recordFailures(jobId: string, failures: readonly NewRecordFailure[]): Promise<void> {
    this.failing.record(jobId, failures);
  }

  async clearRecordFailures(jobId: string, keys: readonly RecordKey[]): Promise<void> {
    this.failing.clear(jobId, keys);
  }

  async listRecordFailures(jobId: string, keys?: readonly RecordKey[]): Promise<RecordFailure[]> {
    return this.failing.list(jobId, keys);
  }

  async requestRecordRetry(jobId: string, keys: readonly RecordKey[] | 'all', at: Date = new Date()): Promise<number> {
    return this.failing.requestRetry(jobId, keys, at);
  }
}

