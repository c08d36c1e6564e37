import { AuthError, BatchRejectedError, PermanentError, RateLimitedError, RetryableError } from '@syncframe/engine';
import type { Fields, ThrottleSettings, WriteOp } from '@syncframe/engine';
import { MemoryAdapter } from '@syncframe/builtin-adapters/memory-adapter';
import type { MemoryAdapterOptions, MemoryOperation } from '@syncframe/builtin-adapters/memory-adapter';

export type InMemoryOperation = MemoryOperation;

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

export interface InMemoryAdapterOptions extends Omit<MemoryAdapterOptions, 'table'> {
  /** @defaultValue 'table' */
  readonly table?: string;
  readonly defaultThrottle?: ThrottleSettings;
  readonly rateLimitKey?: string;
  /**
   * Awaited before every answer (after a write is applied): tests make requests finish out of
   * order with it. @defaultValue none
   */
  readonly responseDelay?: (operation: InMemoryOperation) => Promise<void>;
}

/**
 * The production MemoryAdapter (a complete in-memory remote table behind the SourceAdapter port),
 * instrumented for tests: they edit it directly (as the remote's users would), tell it to fail in
 * every way the engine must survive, and read the log of every request it was sent.
 */
export class InMemoryAdapter extends MemoryAdapter {
  readonly defaultThrottle?: ThrottleSettings;
  readonly rateLimitKey?: string;
  readonly requests: InMemoryRequest[] = [];

  private readonly responseDelay: ((operation: InMemoryOperation) => Promise<void>) | undefined;
  private readonly failures: { op: InMemoryOperation | 'any'; failure: InjectedFailure }[] = [];
  private readonly rejections: { predicate: (fields: Fields) => boolean; mode: 'alone' | 'batch'; reason: string }[] = [];
  /** Writes applied whose answer is to be lost (keyed by the batch, so concurrent writes keep theirs). */
  private readonly losingAnswer = new WeakSet<readonly WriteOp[]>();

  constructor(options: InMemoryAdapterOptions = {}) {
    super({ ...options, table: options.table ?? 'table' });
    this.responseDelay = options.responseDelay;
    if (options.defaultThrottle) this.defaultThrottle = options.defaultThrottle;
    if (options.rateLimitKey) this.rateLimitKey = options.rateLimitKey;
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

  // ---- hooks of MemoryAdapter ----------------------------------------------------------------

  protected override beforeRequest(op: InMemoryOperation, size: number, ops?: readonly WriteOp[]): void {
    const kind = ops?.[0]?.kind;
    const failure = this.takeFailure(op);
    if (failure?.type === 'lost-response' && ops) this.losingAnswer.add(ops);
    else if (failure) this.throwFailure(failure, op, size, kind);
    if (!ops) return;
    if (ops.length > this.maxBatch) this.log(op, size, 'failed', kind); // MemoryAdapter refuses it next
    const batchRejection = ops.find((o) => o.kind !== 'delete' && this.rejectionFor(o.fields)?.mode === 'batch');
    if (batchRejection && batchRejection.kind !== 'delete') {
      this.log(op, size, 'failed', kind);
      throw new BatchRejectedError(`batch rejected: ${this.rejectionFor(batchRejection.fields)!.reason}`);
    }
  }

  protected override async afterRequest(op: InMemoryOperation, size: number, ops?: readonly WriteOp[]): Promise<void> {
    this.log(op, size, 'ok', ops?.[0]?.kind);
    await this.responseDelay?.(op);
    if (ops && this.losingAnswer.delete(ops)) throw new RetryableError('connection reset before the response arrived');
  }

  protected override rejectionOf(fields: Fields): string | null {
    return this.rejectionFor(fields)?.reason ?? null;
  }

  // ---- internals -----------------------------------------------------------------------------

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
