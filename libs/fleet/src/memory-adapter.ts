import { PermanentError, systemClock } from '@syncframe/engine';
import type {
  AdapterCallOptions, ChangePage, Clock, Cursor, Fields, SourceAdapter, SyncRecord, TableRef, WriteOp, WriteResult,
} from '@syncframe/engine';

export interface MemoryAdapterOptions {
  readonly table: string;
  /** `soft` flags deleted records (they stay readable); `hard` removes them. @defaultValue 'soft' */
  readonly deleteMode?: 'soft' | 'hard';
  readonly clock?: Clock;
  /** Records per pull page. @defaultValue 100 */
  readonly pageSize?: number;
  /** Largest write batch accepted; more is a PermanentError. @defaultValue 100 */
  readonly maxBatch?: number;
}

interface StoredRecord {
  record: SyncRecord;
  seq: number;
}

/**
 * The `memory` side of a config job: a table held in the process, behind the SourceAdapter port.
 * Production code: no request log and no fault injection (tests inject the test kit's
 * InMemoryAdapter through `BuildOptions.memoryAdapters` when they need those). Lost with the process.
 */
export class MemoryAdapter implements SourceAdapter {
  readonly ref: TableRef;

  private readonly store = new Map<string, StoredRecord>();
  /** Every put in order (seq ascending); superseded entries are dropped as they are superseded. */
  private readonly changeLog = new Map<string, StoredRecord>();
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly maxBatch: number;
  private readonly deleteMode: 'soft' | 'hard';
  private seq = 0;
  private nextId = 1;
  private lastStamp = 0;

  constructor(options: MemoryAdapterOptions) {
    this.ref = { adapter: 'memory', table: options.table };
    this.clock = options.clock ?? systemClock;
    this.pageSize = options.pageSize ?? 100;
    this.maxBatch = options.maxBatch ?? 100;
    this.deleteMode = options.deleteMode ?? 'soft';
  }

  /** A record created on the table directly (not through a sync). */
  insert(fields: Fields): SyncRecord {
    return this.put(`r${this.nextId++}`, mergeFields({}, fields), false);
  }

  /** A record edited on the table directly (fields merge; `null` clears a field). */
  edit(id: string, fields: Fields): SyncRecord {
    const current = this.store.get(id);
    if (!current) throw new Error(`no record ${id} in ${this.ref.table}`);
    return this.put(id, mergeFields(current.record.fields, fields), current.record.deleted);
  }

  async *pull(cursor: Cursor, options: AdapterCallOptions): AsyncIterable<ChangePage> {
    const after = cursor.value === null ? 0 : Number(cursor.value);
    if (!Number.isFinite(after)) throw new PermanentError(`invalid cursor for ${this.ref.table}`);
    let from = after;
    for (;;) {
      (await options.throttle.acquire(options.signal)).sent();
      const page = this.changedSince(from, this.pageSize);
      if (page.length === 0) return;
      from = page[page.length - 1]!.seq;
      yield { records: page.map((s) => structuredClone(s.record)), cursor: { value: String(from) } };
      if (page.length < this.pageSize) return;
    }
  }

  async write(ops: readonly WriteOp[], options: AdapterCallOptions): Promise<WriteResult[]> {
    (await options.throttle.acquire(options.signal)).sent();
    if (ops.length > this.maxBatch) throw new PermanentError(`batch of ${ops.length} exceeds the limit of ${this.maxBatch}`);
    return ops.map((op) => this.apply(op));
  }

  async findByField(field: string, values: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    (await options.throttle.acquire(options.signal)).sent();
    const wanted = new Set(values);
    return [...this.store.values()]
      .filter((s) => !s.record.deleted && s.record.fields[field] !== undefined && wanted.has(String(s.record.fields[field])))
      .map((s) => structuredClone(s.record));
  }

  private apply(op: WriteOp): WriteResult {
    if (op.kind === 'create') return { ok: true, record: this.insert(op.fields) };
    const current = this.store.get(op.id);
    if (!current || (this.deleteMode === 'hard' && current.record.deleted)) {
      return { ok: false, reason: `record ${op.id} does not exist` };
    }
    if (op.kind === 'update') return { ok: true, record: this.put(op.id, mergeFields(current.record.fields, op.fields), current.record.deleted) };
    return { ok: true, record: this.put(op.id, current.record.fields, true) };
  }

  private put(id: string, fields: Fields, deleted: boolean): SyncRecord {
    const record: SyncRecord = { id, fields, updatedAt: this.stamp(), deleted };
    const stored = { record, seq: ++this.seq };
    this.store.set(id, stored);
    // Re-inserted at the end: the log holds each record once, in the order of its last change.
    this.changeLog.delete(id);
    this.changeLog.set(id, stored);
    return structuredClone(record);
  }

  /** Up to `limit` records changed after `seq`, oldest change first. */
  private changedSince(seq: number, limit: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const entry of this.changeLog.values()) {
      if (entry.seq <= seq) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Strictly increasing modification times, like a remote's own clock. */
  private stamp(): string {
    this.lastStamp = Math.max(this.clock.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
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
