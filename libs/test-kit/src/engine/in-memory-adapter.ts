import type { Clock } from '@syncframe/engine';
import { systemClock } from '@syncframe/engine';
import { AuthError } from '@syncframe/engine';
import { BatchRejectedError } from '@syncframe/engine';
import { PermanentError } from '@syncframe/engine';
import { RateLimitedError } from '@syncframe/engine';
import { RetryableError } from '@syncframe/engine';
import type { ChangePage, Cursor, Fields, SyncRecord, TableRef } from '@syncframe/engine';
import type { AdapterCallOptions, SourceAdapter, WriteOp, WriteResult } from '@syncframe/engine';
import type { ThrottleSettings } from '@syncframe/engine';

export type InMemoryOperation = 'pull' | 'write' | 'findByField';

/** One request the adapter served (or refused), with the clock's time when it was sent. */
export interface InMemoryRequest {
  readonly at: number;
  readonly op: InMemoryOperation;
  readonly kind?: WriteOp['kind'];
  readonly size: number;
  readonly outcome: 'ok' | 'failed';
}

export type InjectedFailure =
  | { readonly type: 'transient' }
  | { readonly type: 'permanent' }
  | { readonly type: 'auth' }
  | { readonly type: 'rate-limited'; readonly retryAfterMs: number }
  /** The write is applied, then the response is lost (the caller sees a transient error). */
  | { readonly type: 'lost-response' };

export interface InMemoryAdapterOptions {
  readonly table?: string;
  readonly adapter?: string;
  readonly clock?: Clock;
  /** Records per pull page. @defaultValue 100 */
  readonly pageSize?: number;
  /** Largest write batch the fake remote accepts; more is a PermanentError. @defaultValue 100 */
  readonly maxBatch?: number;
  /** `soft` flags deleted records (they stay readable); `hard` removes them. @defaultValue 'soft' */
  readonly deleteMode?: 'soft' | 'hard';
  /** Id prefix of created records. @defaultValue 'r' */
  readonly idPrefix?: string;
  readonly defaultThrottle?: ThrottleSettings;
  readonly rateLimitKey?: string;
  /**
   * Awaited before every answer (after a write is applied): tests make requests finish out of
   * order with it. @defaultValue none
   */
  readonly responseDelay?: (operation: InMemoryOperation) => Promise<void>;
}

interface StoredRecord {
  record: SyncRecord;
  seq: number;
}

/**
 * A complete in-memory remote table behind the SourceAdapter port. Tests edit it directly (as the
 * remote's users would), tell it to fail in every way the engine must survive, and read the log
 * of every request it was sent.
 */
export class InMemoryAdapter implements SourceAdapter {
  readonly ref: TableRef;
  readonly defaultThrottle?: ThrottleSettings;
  readonly rateLimitKey?: string;
  readonly requests: InMemoryRequest[] = [];

  private readonly store = new Map<string, StoredRecord>();
  /** Every put in order (seq ascending); superseded entries are skipped when read. */
  private readonly changeLog: StoredRecord[] = [];
  private readonly clock: Clock;
  private readonly responseDelay: ((operation: InMemoryOperation) => Promise<void>) | undefined;
  private readonly pageSize: number;
  private readonly maxBatch: number;
  private readonly deleteMode: 'soft' | 'hard';
  private readonly idPrefix: string;
  private seq = 0;
  private nextId = 1;
  private lastStamp = 0;
  private readonly failures: { op: InMemoryOperation | 'any'; failure: InjectedFailure }[] = [];
  private readonly rejections: { predicate: (fields: Fields) => boolean; mode: 'alone' | 'batch'; reason: string }[] = [];

  constructor(options: InMemoryAdapterOptions = {}) {
    this.ref = { adapter: options.adapter ?? 'memory', table: options.table ?? 'table' };
    this.clock = options.clock ?? systemClock;
    this.responseDelay = options.responseDelay;
    this.pageSize = options.pageSize ?? 100;
    this.maxBatch = options.maxBatch ?? 100;
    this.deleteMode = options.deleteMode ?? 'soft';
    this.idPrefix = options.idPrefix ?? 'r';
    if (options.defaultThrottle) this.defaultThrottle = options.defaultThrottle;
    if (options.rateLimitKey) this.rateLimitKey = options.rateLimitKey;
  }

  // ---- the remote's own users -------------------------------------------------------------

  /** A person creates a record on the remote. */
  insert(fields: Fields): SyncRecord {
    return this.put(this.newId(), { ...fields }, false);
  }

  /** A person edits a record (fields merge; `null` clears a field). */
  edit(id: string, fields: Fields): SyncRecord {
    const current = this.mustGet(id);
    return this.put(id, mergeFields(current.fields, fields), current.deleted);
  }

  /** A person deletes a record (soft or hard, per `deleteMode`). */
  remove(id: string): SyncRecord {
    const current = this.mustGet(id);
    return this.put(id, current.fields, true);
  }

  /** A person brings a soft-deleted record back (e.g. un-archives it). */
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

  // ---- fault injection ---------------------------------------------------------------------

  /** The next call of `op` (or of any operation) fails as described; queue several for several calls. */
  failNext(failure: InjectedFailure, op: InMemoryOperation | 'any' = 'any', times = 1): this {
    for (let i = 0; i < times; i++) this.failures.push({ op, failure });
    return this;
  }

  /**
   * Writes of records matching `predicate` are rejected: `alone` rejects just that record (the
   * rest of its batch lands); `batch` refuses the whole batch it is in, as Airtable does.
   */
  rejectWhere(predicate: (fields: Fields) => boolean, mode: 'alone' | 'batch' = 'alone', reason = 'rejected by the remote'): this {
    this.rejections.push({ predicate, mode, reason });
    return this;
  }

  clearFaults(): void {
    this.failures.length = 0;
    this.rejections.length = 0;
  }

  writeRequests(): InMemoryRequest[] {
    return this.requests.filter((r) => r.op === 'write' && r.outcome === 'ok');
  }

  // ---- SourceAdapter -------------------------------------------------------------------------

  async *pull(cursor: Cursor, options: AdapterCallOptions): AsyncIterable<ChangePage> {
    const after = cursor.value === null ? 0 : Number(cursor.value);
    if (!Number.isFinite(after)) throw new PermanentError(`invalid cursor for ${this.ref.table}`);
    let from = after;
    for (;;) {
      (await options.throttle.acquire(options.signal)).sent();
      const failure = this.takeFailure('pull');
      const page = this.changedSince(from, this.pageSize);
      if (failure) this.throwFailure(failure, 'pull', page.length);
      this.log('pull', page.length, 'ok');
      if (page.length === 0) return;
      from = page[page.length - 1]!.seq;
      await this.responseDelay?.('pull');
      yield { records: page.map((s) => structuredClone(s.record)), cursor: { value: String(from) } };
      if (page.length < this.pageSize) return;
    }
  }

  async write(ops: readonly WriteOp[], options: AdapterCallOptions): Promise<WriteResult[]> {
    (await options.throttle.acquire(options.signal)).sent();
    const kind = ops[0]?.kind;
    const failure = this.takeFailure('write');
    if (failure && failure.type !== 'lost-response') this.throwFailure(failure, 'write', ops.length, kind);
    if (ops.length > this.maxBatch) {
      this.log('write', ops.length, 'failed', kind);
      throw new PermanentError(`batch of ${ops.length} exceeds the limit of ${this.maxBatch}`);
    }
    const batchRejection = ops.find((op) => op.kind !== 'delete' && this.rejectionFor(op.fields)?.mode === 'batch');
    if (batchRejection && batchRejection.kind !== 'delete') {
      this.log('write', ops.length, 'failed', kind);
      throw new BatchRejectedError(`batch rejected: ${this.rejectionFor(batchRejection.fields)!.reason}`);
    }
    const results = ops.map((op) => this.apply(op));
    this.log('write', ops.length, 'ok', kind);
    await this.responseDelay?.('write');
    if (failure?.type === 'lost-response') throw new RetryableError('connection reset before the response arrived');
    return results;
  }

  async findByField(field: string, values: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    (await options.throttle.acquire(options.signal)).sent();
    const failure = this.takeFailure('findByField');
    if (failure) this.throwFailure(failure, 'findByField', values.length);
    this.log('findByField', values.length, 'ok');
    await this.responseDelay?.('findByField');
    const wanted = new Set(values);
    return [...this.store.values()]
      .filter((s) => !s.record.deleted && s.record.fields[field] !== undefined && wanted.has(String(s.record.fields[field])))
      .map((s) => structuredClone(s.record));
  }

  // ---- internals -----------------------------------------------------------------------------

  private apply(op: WriteOp): WriteResult {
    if (op.kind !== 'delete') {
      const rejection = this.rejectionFor(op.fields);
      if (rejection) return { ok: false, reason: rejection.reason };
    }
    if (op.kind === 'create') return { ok: true, record: this.put(this.newId(), stripNulls(op.fields), false) };
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
    this.changeLog.push(stored);
    return structuredClone(record);
  }

  /** Up to `limit` current records changed after `seq`, oldest first: a page costs its size, not the table's. */
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
      // A record changed again later appears again later in the log: only its newest entry counts.
      if (this.store.get(entry.record.id) === entry) out.push(entry);
    }
    return out;
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
    if (!stored) throw new Error(`no record ${id} in ${this.ref.table}`);
    return stored.record;
  }

  private rejectionFor(fields: Fields) {
    return this.rejections.find((r) => r.predicate(fields));
  }

  private takeFailure(op: InMemoryOperation): InjectedFailure | undefined {
    const i = this.failures.findIndex((f) => f.op === op || f.op === 'any');
    if (i < 0) return undefined;
    return this.failures.splice(i, 1)[0]!.failure;
  }

  private throwFailure(failure: InjectedFailure, op: InMemoryOperation, size: number, kind?: WriteOp['kind']): never {
    this.log(op, size, 'failed', kind);
    const where = `${this.ref.adapter} ${this.ref.table}`;
    switch (failure.type) {
      case 'transient':
      case 'lost-response':
        throw new RetryableError(`${where}: 503 service unavailable`);
      case 'permanent':
        throw new PermanentError(`${where}: 400 invalid request`);
      case 'auth':
        throw new AuthError(`${where}: 401 authentication required`);
      case 'rate-limited':
        throw new RateLimitedError(`${where}: 429 too many requests`, failure.retryAfterMs);
    }
  }

  private log(op: InMemoryOperation, size: number, outcome: 'ok' | 'failed', kind?: WriteOp['kind']): void {
    this.requests.push({ at: this.clock.now(), op, size, outcome, ...(kind ? { kind } : {}) });
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

function stripNulls(fields: Fields): Fields {
  return mergeFields({}, fields);
}
