import { NotFoundError, PermanentError, systemClock } from '@syncframe/engine';
import type {
  AdapterCallOptions, ChangePage, Clock, Cursor, Fields, SourceAdapter, SyncRecord, TableRef, WriteOp, WriteResult,
} from '@syncframe/engine';

export interface MemoryAdapterOptions {
  readonly table: string;
  /** The adapter name in its `TableRef`. @defaultValue 'memory' */
  readonly adapter?: string;
  /** `soft` flags deleted records (they stay readable); `hard` removes them. @defaultValue 'soft' */
  readonly deleteMode?: 'soft' | 'hard';
  readonly clock?: Clock;
  /** Records per pull page. @defaultValue 100 */
  readonly pageSize?: number;
  /** Largest write batch accepted; more is a PermanentError. @defaultValue 100 */
  readonly maxBatch?: number;
  /** Id prefix of created records. @defaultValue 'r' */
  readonly idPrefix?: string;
}

/** Which SourceAdapter call a request serves. */
export type MemoryOperation = 'pull' | 'write' | 'findByField' | 'listIds' | 'readRecords';

interface StoredRecord {
  record: SyncRecord;
  seq: number;
}

/**
 * The `memory` side of a config job: a table held in the process, behind the SourceAdapter port.
 * Lost with the process; memory stays proportional to the table (the change log is compacted).
 *
 * Production code without a request log or fault injection. The test kit's InMemoryAdapter extends
 * it through the protected hooks ({@link beforeRequest}, {@link afterRequest}, {@link rejectionOf}),
 * which do nothing here.
 */
export class MemoryAdapter implements SourceAdapter {
  readonly ref: TableRef;

  protected readonly clock: Clock;
  protected readonly maxBatch: number;
  private readonly store = new Map<string, StoredRecord>();
  /** Puts in seq order; an entry whose record changed again later is stale until the next compaction. */
  private changeLog: StoredRecord[] = [];
  private readonly pageSize: number;
  private readonly deleteMode: 'soft' | 'hard';
  private readonly idPrefix: string;
  private seq = 0;
  private nextId = 1;
  private lastStamp = 0;

  constructor(options: MemoryAdapterOptions) {
    this.ref = { adapter: options.adapter ?? 'memory', table: options.table };
    this.clock = options.clock ?? systemClock;
    this.pageSize = options.pageSize ?? 100;
    this.maxBatch = options.maxBatch ?? 100;
    this.deleteMode = options.deleteMode ?? 'soft';
    this.idPrefix = options.idPrefix ?? 'r';
  }

  // ---- the table's own users (a record changed on the table directly, not through a sync) ----

  /** A record created on the table (`null` fields are left out). */
  insert(fields: Fields): SyncRecord {
    return this.put(this.newId(), mergeFields({}, fields), false);
  }

  /** A record edited on the table (fields merge; `null` clears a field). */
  edit(id: string, fields: Fields): SyncRecord {
    const current = this.mustGet(id);
    return this.put(id, mergeFields(current.fields, fields), current.deleted);
  }

  /** A record deleted on the table (flagged, whatever the delete mode: it is pulled as deleted). */
  remove(id: string): SyncRecord {
    const current = this.mustGet(id);
    return this.put(id, current.fields, true);
  }

  /**
   * A record deleted for good on the table (a hard delete): it is gone, and no pull ever shows it
   * (only a listing of every id, reconciliation, can notice).
   */
  purge(id: string): void {
    this.mustGet(id);
    this.store.delete(id);
    this.changeLog = this.changeLog.filter((e) => e.record.id !== id);
  }

  /** A soft-deleted record brought back (e.g. un-archived). */
  restore(id: string): SyncRecord {
    const current = this.mustGet(id);
    return this.put(id, current.fields, false);
  }

  get(id: string): SyncRecord | undefined {
    const stored = this.store.get(id);
    return stored ? structuredClone(stored.record) : undefined;
  }

  /** Records not deleted. */
  live(): SyncRecord[] {
    return [...this.store.values()].filter((s) => !s.record.deleted).map((s) => structuredClone(s.record));
  }

  all(): SyncRecord[] {
    return [...this.store.values()].map((s) => structuredClone(s.record));
  }

  // ---- SourceAdapter ----------------------------------------------------------------------------

  async *pull(cursor: Cursor, options: AdapterCallOptions): AsyncIterable<ChangePage> {
    const after = cursor.value === null ? 0 : Number(cursor.value);
    if (!Number.isFinite(after)) throw new PermanentError(`invalid cursor for ${this.ref.table}`);
    let from = after;
    for (;;) {
      (await options.throttle.acquire(options.signal)).sent();
      const page = this.changedSince(from, this.pageSize);
      this.beforeRequest('pull', page.length);
      await this.afterRequest('pull', page.length);
      if (page.length === 0) return;
      from = page[page.length - 1]!.seq;
      yield { records: page.map((s) => structuredClone(s.record)), cursor: { value: String(from) } };
      if (page.length < this.pageSize) return;
    }
  }

  async write(ops: readonly WriteOp[], options: AdapterCallOptions): Promise<WriteResult[]> {
    (await options.throttle.acquire(options.signal)).sent();
    this.beforeRequest('write', ops.length, ops);
    if (ops.length > this.maxBatch) throw new PermanentError(`batch of ${ops.length} exceeds the limit of ${this.maxBatch}`);
    const results = ops.map((op) => this.apply(op));
    await this.afterRequest('write', ops.length, ops);
    return results;
  }

  async findByField(field: string, values: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    (await options.throttle.acquire(options.signal)).sent();
    this.beforeRequest('findByField', values.length);
    await this.afterRequest('findByField', values.length);
    const wanted = new Set(values);
    return [...this.store.values()]
      .filter((s) => !s.record.deleted && s.record.fields[field] !== undefined && wanted.has(String(s.record.fields[field])))
      .map((s) => structuredClone(s.record));
  }

  async *listIds(options: AdapterCallOptions): AsyncIterable<readonly string[]> {
    const ids = [...this.store.values()].filter((s) => this.exists(s)).map((s) => s.record.id);
    for (let i = 0; i === 0 || i < ids.length; i += this.pageSize) {
      (await options.throttle.acquire(options.signal)).sent();
      const page = ids.slice(i, i + this.pageSize);
      this.beforeRequest('listIds', page.length);
      await this.afterRequest('listIds', page.length);
      yield page;
    }
  }

  async readRecords(ids: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    (await options.throttle.acquire(options.signal)).sent();
    this.beforeRequest('readRecords', ids.length);
    await this.afterRequest('readRecords', ids.length);
    return ids.flatMap((id) => {
      const stored = this.store.get(id);
      return stored && this.exists(stored) ? [structuredClone(stored.record)] : [];
    });
  }

  // ---- hooks (no-ops in production) ------------------------------------------------------------

  /** Called once a request is admitted and before it is served; throwing fails the request. */
  protected beforeRequest(_op: MemoryOperation, _size: number, _ops?: readonly WriteOp[]): void {}

  /** Called once a request was served (a write applied), before it answers; throwing loses the answer. */
  protected async afterRequest(_op: MemoryOperation, _size: number, _ops?: readonly WriteOp[]): Promise<void> {}

  /** Why the table refuses to store these fields (that record fails alone), or null. */
  protected rejectionOf(_fields: Fields): string | null {
    return null;
  }

  // ---- internals -------------------------------------------------------------------------------

  private apply(op: WriteOp): WriteResult {
    if (op.kind !== 'delete') {
      const rejection = this.rejectionOf(op.fields);
      if (rejection !== null) return { ok: false, reason: rejection };
    }
    if (op.kind === 'create') return { ok: true, record: this.insert(op.fields) };
    const current = this.store.get(op.id);
    if (!current || (this.deleteMode === 'hard' && current.record.deleted)) {
      return { ok: false, reason: `record ${op.id} does not exist` };
    }
    if (op.kind === 'update') return { ok: true, record: this.put(op.id, mergeFields(current.record.fields, op.fields), current.record.deleted) };
    return { ok: true, record: this.put(op.id, current.record.fields, true) };
  }

  /** Hard delete mode: a deleted record no longer exists (soft: it does, flagged). */
  private exists(stored: StoredRecord): boolean {
    return !(this.deleteMode === 'hard' && stored.record.deleted);
  }

  private put(id: string, fields: Fields, deleted: boolean): SyncRecord {
    const record: SyncRecord = { id, fields, updatedAt: this.stamp(), deleted };
    const stored = { record, seq: ++this.seq };
    this.store.set(id, stored);
    this.changeLog.push(stored);
    // Stale entries (records changed again since) are dropped once they are half the log: memory stays O(table).
    if (this.changeLog.length > 2 * this.store.size + 64) this.changeLog = this.changeLog.filter((e) => this.isCurrent(e));
    return structuredClone(record);
  }

  /** Up to `limit` records changed after `seq`, oldest change first: a page costs its size, not the table's. */
  private changedSince(seq: number, limit: number): StoredRecord[] {
    let lo = 0;
    let hi = this.changeLog.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.changeLog[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredRecord[] = [];
    for (let i = lo; i < this.changeLog.length && out.length < limit; i++) {
      const entry = this.changeLog[i]!;
      if (this.isCurrent(entry)) out.push(entry);
    }
    return out;
  }

  /** A record changed again later stands again later in the log: only its newest entry counts. */
  private isCurrent(entry: StoredRecord): boolean {
    return this.store.get(entry.record.id) === entry;
  }

  /** Strictly increasing modification times, like a remote's own clock. */
  private stamp(): string {
    this.lastStamp = Math.max(this.clock.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }

  private newId(): string {
    return `${this.idPrefix}${this.nextId++}`;
  }

  private mustGet(id: string): SyncRecord {
    const stored = this.store.get(id);
    if (!stored) throw new NotFoundError(`no record ${id} in ${this.ref.table}`);
    return stored.record;
  }
}

function mergeFields(current: Fields, patch: Fields): Fields {
  const out: Fields = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
