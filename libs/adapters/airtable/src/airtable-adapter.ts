import { createHash } from 'node:crypto';
import { BatchRejectedError, ConfigError, PermanentError, RetryableError } from '@syncframe/engine';
import type {
  AdapterCallOptions, ChangePage, Cursor, RateLimitScope, SourceAdapter, SyncRecord, TableRef, ThrottleSettings, WriteOp, WriteResult,
} from '@syncframe/engine';
import { HttpClient, OverlapCursorTracker, contentKey, describeSide, writeBatchKind } from '@syncframe/adapter-kit';
import type { HttpResponse } from '@syncframe/adapter-kit';
import { decodeCursor, settleCap } from './airtable-cursor.js';
import { describeAirtableError, parseAirtableError } from './airtable-error-body.js';
import { chunkValuesForUrl, equalsAnyFormula, modifiedSinceFormula, recordIdsFormula } from './airtable-formula.js';
import { AIRTABLE_HTTP } from './airtable-http.js';
import { lastModifiedOf, normalizeRecord, toAirtableFields } from './airtable-normalize.js';
import type { AirtableApiRecord } from './airtable-normalize.js';
import type { AirtableSideOptions } from './airtable-options.js';
import { AIRTABLE_DEFAULT_API_URL, AIRTABLE_DEFAULT_THROTTLE, AIRTABLE_MAX_BATCH, AIRTABLE_TOKEN_LIMIT } from './airtable-options.js';

/** Records per list page: Airtable's maximum. */
const PAGE_SIZE = 100;
/** Listing restarts allowed per pull after Airtable expired the iterator. */
const MAX_ITERATOR_RESTARTS = 3;
/** Record ids per RECORD_ID() lookup: about 9,000 encoded characters, under the URL limit. */
const IDS_PER_LOOKUP = 300;
/** Encoded formula budget per lookup, well under the 16,000-character URL limit. */
const MAX_FORMULA_URL_CHARS = 12_000;

export const DELETES_NOT_CONFIGURED = 'deletes are not configured for this side: set soft_delete_field or hard_delete';

/** Record-level 422 types: one record's cell or id is wrong; the rest of the batch is fine. */
const RECORD_MISSING_TYPES = new Set(['ROW_DOES_NOT_EXIST', 'MODEL_ID_NOT_FOUND']);

/**
 * One Airtable table behind the engine's SourceAdapter port.
 *
 * Pull: list with `filterByFormula` on the last-modified time (inclusive overlap, repeats at the
 * cursor's second dropped by id + content), 100 per page, offset paging, restarting the listing
 * when Airtable expires the iterator. Write: ≤10 records per request, PATCH merges, deletes are
 * soft (a checkbox), hard, or refused per record when neither is configured.
 */
export class AirtableAdapter implements SourceAdapter {
  readonly ref: TableRef;
  readonly defaultThrottle: ThrottleSettings = AIRTABLE_DEFAULT_THROTTLE;
  readonly rateLimitKey: string;
  readonly sharedRateLimits: readonly RateLimitScope[];

  private readonly http: HttpClient;
  private readonly tablePath: string;
  private readonly where: string;

  constructor(private readonly options: AirtableSideOptions) {
    if (!options?.table) throw new ConfigError('airtable side: `table` is required');
    if (!options.creds?.apiKey || !options.creds.baseId) throw new ConfigError('airtable side: `creds.apiKey` and `creds.baseId` are required');
    if (options.soft_delete_field !== undefined && options.hard_delete === true) {
      throw new ConfigError('airtable side: set either `soft_delete_field` or `hard_delete`, not both');
    }
    this.ref = { adapter: 'airtable', table: options.table };
    this.rateLimitKey = `airtable:${options.creds.baseId}`;
    const tokenHash = createHash('sha256').update(options.creds.apiKey).digest('hex').slice(0, 16);
    this.sharedRateLimits = [{ key: `airtable-token:${tokenHash}`, ...AIRTABLE_TOKEN_LIMIT }];
    this.tablePath = `/v0/${encodeURIComponent(options.creds.baseId)}/${encodeURIComponent(options.table)}`;
    this.where = describeSide('airtable', options, `table "${options.table}"`);
    this.http = new HttpClient(AIRTABLE_HTTP, options, { baseUrl: options.api_url ?? AIRTABLE_DEFAULT_API_URL, token: options.creds.apiKey, where: this.where });
  }

  async *pull(cursor: Cursor, options: AdapterCallOptions): AsyncIterable<ChangePage> {
    const start = decodeCursor(cursor);
    const field = this.options.last_modified_field;
    // Airtable sorts on fields only: with LAST_MODIFIED_TIME() the listing is unordered and
    // records do not carry their time, so the cursor can move only once the listing is done.
    const ordered = field !== undefined;
    const tracker = new OverlapCursorTracker(start);
    let repeats = new OverlapCursorTracker(start);
    let filterFrom = start.t;
    let offset: string | undefined;
    let cap: number | undefined;
    let restarts = 0;
    let lastYielded = JSON.stringify(start);

    for (;;) {
      const query = new URLSearchParams({ pageSize: String(PAGE_SIZE) });
      if (filterFrom !== null) query.set('filterByFormula', modifiedSinceFormula(filterFrom, field));
      if (ordered) {
        query.set('sort[0][field]', field);
        query.set('sort[0][direction]', 'asc');
      }
      if (offset !== undefined) query.set('offset', offset);
      const res = await this.http.send({ method: 'GET', path: this.tablePath, query }, options);
      if (res.status !== 200) {
        if (offset !== undefined && isIteratorExpired(res)) {
          if (++restarts > MAX_ITERATOR_RESTARTS) {
            throw new RetryableError(`${this.where}: the list iterator expired ${restarts} times in one pull`);
          }
          this.options.logger?.warn({ remote: 'airtable', path: this.tablePath }, 'list iterator expired; restarting the listing');
          // Restart from the progress made so far: what was already delivered repeats at most.
          offset = undefined;
          if (ordered) {
            filterFrom = tracker.state().t;
            repeats = new OverlapCursorTracker(tracker.state());
          }
          continue;
        }
        throw this.listError(res);
      }
      // The snapshot is taken by the first request of a listing; a restart only makes it later.
      cap ??= settleCap(res.headers.get('date'), res.sentAt, res.durationMs);
      const body = res.body as { records?: unknown; offset?: unknown } | null;
      if (!Array.isArray(body?.records)) {
        // Never an empty page: with an unordered listing the cursor would move past records not delivered.
        throw new RetryableError(`${this.where}: GET ${this.tablePath} → 200 without a records list`);
      }
      const records: SyncRecord[] = [];
      for (const raw of body.records as AirtableApiRecord[]) {
        const record = this.normalize(raw);
        const modifiedAt = lastModifiedOf(raw, field);
        if (modifiedAt !== undefined) {
          const key = contentKey(record);
          if (repeats.isRepeat(raw.id, modifiedAt, key)) continue;
          tracker.observe(raw.id, modifiedAt, key, cap);
        }
        records.push(record);
      }
      offset = typeof body.offset === 'string' ? body.offset : undefined;
      // Every change up to the snapshot is now delivered, whether or not records carry times.
      if (offset === undefined && !ordered) tracker.advanceTo(cap);
      const next = tracker.state();
      if (records.length > 0 || JSON.stringify(next) !== lastYielded) {
        lastYielded = JSON.stringify(next);
        yield { records, cursor: tracker.cursor() };
      }
      if (offset === undefined) return;
    }
  }

  async write(ops: readonly WriteOp[], options: AdapterCallOptions): Promise<WriteResult[]> {
    if (ops.length === 0) return [];
    const kind = writeBatchKind(ops, AIRTABLE_MAX_BATCH, 'Airtable', this.where);
    const lastModifiedField = this.options.last_modified_field;
    const typecast = this.options.typecast === true;

    if (kind === 'create') {
      const records = ops.map((op) => ({ fields: toAirtableFields(op.kind === 'create' ? op.fields : {}, { create: true, lastModifiedField }) }));
      const res = await this.http.send({ method: 'POST', path: this.tablePath, body: { records, typecast } }, options);
      return this.writeResults(res, ops);
    }
    if (kind === 'update') {
      const records = ops.map((op) => ({ id: idOf(op), fields: toAirtableFields(op.kind === 'update' ? op.fields : {}, { create: false, lastModifiedField }) }));
      const res = await this.http.send({ method: 'PATCH', path: this.tablePath, body: { records, typecast } }, options);
      return this.writeResults(res, ops);
    }
    const softField = this.options.soft_delete_field;
    if (softField !== undefined) {
      const records = ops.map((op) => ({ id: idOf(op), fields: { [softField]: true } }));
      const res = await this.http.send({ method: 'PATCH', path: this.tablePath, body: { records, typecast } }, options);
      return this.writeResults(res, ops);
    }
    if (this.options.hard_delete === true) {
      const query = new URLSearchParams();
      for (const op of ops) query.append('records[]', idOf(op));
      const res = await this.http.send({ method: 'DELETE', path: this.tablePath, query }, options);
      if (res.status === 200) return ops.map((op) => ({ ok: true, record: goneRecord(idOf(op)) }));
      return this.writeFailure(res, ops);
    }
    return ops.map(() => ({ ok: false, reason: DELETES_NOT_CONFIGURED }));
  }

  async findByField(field: string, values: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    const found = new Map<string, SyncRecord>();
    for (const chunk of chunkValuesForUrl(field, [...new Set(values)], MAX_FORMULA_URL_CHARS)) {
      for await (const page of this.listPages({ filterByFormula: equalsAnyFormula(field, chunk) }, options, field)) {
        for (const raw of page) {
          const record = this.normalize(raw);
          if (!record.deleted) found.set(record.id, record);
        }
      }
    }
    return [...found.values()];
  }

  /**
   * Every record id, 100 per page, asking for one small field only (the last-modified or the
   * soft-delete field when configured) to cut what each page carries. An expired iterator restarts
   * the listing (ids seen twice count once); a page without a records list is an error, never an end.
   */
  async *listIds(options: AdapterCallOptions): AsyncIterable<readonly string[]> {
    const field = this.options.last_modified_field ?? this.options.soft_delete_field;
    for await (const page of this.listPages(field !== undefined ? { 'fields[]': field } : {}, options)) yield page.map((r) => r.id);
  }

  /** The records with these ids (one listing per 300 ids, filtered by RECORD_ID()). */
  async readRecords(ids: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    const found = new Map<string, SyncRecord>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += IDS_PER_LOOKUP) {
      const filterByFormula = recordIdsFormula(unique.slice(i, i + IDS_PER_LOOKUP));
      for await (const page of this.listPages({ filterByFormula }, options)) for (const raw of page) found.set(raw.id, this.normalize(raw));
    }
    return [...found.values()];
  }

  /**
   * The pages of one listing (100 records each, offset paging). When Airtable expires the iterator
   * the listing starts over (up to {@link MAX_ITERATOR_RESTARTS} times): callers see earlier pages
   * again and keep records by id. A page without a records list is an error, never an end.
   */
  private async *listPages(params: Readonly<Record<string, string>>, options: AdapterCallOptions, lookupField?: string): AsyncIterable<AirtableApiRecord[]> {
    let offset: string | undefined;
    let restarts = 0;
    for (;;) {
      const query = new URLSearchParams({ pageSize: String(PAGE_SIZE), ...params });
      if (offset !== undefined) query.set('offset', offset);
      const res = await this.http.send({ method: 'GET', path: this.tablePath, query }, options);
      if (res.status !== 200) {
        if (offset !== undefined && isIteratorExpired(res) && ++restarts <= MAX_ITERATOR_RESTARTS) {
          offset = undefined;
          continue;
        }
        throw this.listError(res, lookupField);
      }
      const body = res.body as { records?: unknown; offset?: unknown } | null;
      if (!Array.isArray(body?.records)) throw new RetryableError(`${this.where}: GET ${this.tablePath} → 200 without a records list`);
      yield body.records as AirtableApiRecord[];
      offset = typeof body.offset === 'string' ? body.offset : undefined;
      if (offset === undefined) return;
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private normalize(raw: AirtableApiRecord): SyncRecord {
    return normalizeRecord(raw, {
      ...(this.options.last_modified_field !== undefined ? { lastModifiedField: this.options.last_modified_field } : {}),
      ...(this.options.soft_delete_field !== undefined ? { softDeleteField: this.options.soft_delete_field } : {}),
    });
  }

  private writeResults(res: HttpResponse, ops: readonly WriteOp[]): WriteResult[] {
    if (res.status !== 200) return this.writeFailure(res, ops);
    const records = (res.body as { records?: AirtableApiRecord[] } | null)?.records;
    if (!Array.isArray(records) || records.length !== ops.length) {
      throw new PermanentError(`${this.where}: unexpected write response (${Array.isArray(records) ? records.length : 'no'} records for ${ops.length} ops)`);
    }
    // Airtable answers in the request's order; creates have no id to match on otherwise.
    return records.map((raw) => ({ ok: true, record: this.normalize(raw) }));
  }

  /** A 4xx (other than auth and 429) answered to a write. */
  private writeFailure(res: HttpResponse, ops: readonly WriteOp[]): WriteResult[] {
    const error = parseAirtableError(res.body);
    const detail = describeAirtableError(res.status, error);
    const cause = { status: res.status, type: error.type, message: error.message };
    if (error.type === 'UNKNOWN_FIELD_NAME') {
      const name = /"([^"]*)"/.exec(error.message ?? '')?.[1];
      throw new PermanentError(`${this.where}: Airtable does not know the field ${name !== undefined ? `"${name}"` : `(${detail})`}: fix the mapper or the table`, { cause });
    }
    if (error.type === 'INVALID_RECORDS' || res.status === 400) {
      throw new PermanentError(`${this.where}: write refused: ${detail}`, { cause });
    }
    if (res.status === 404 && !RECORD_MISSING_TYPES.has(error.type ?? '')) {
      throw new PermanentError(`${this.where}: table or base not found: ${detail}`, { cause });
    }
    if (res.status !== 422 && res.status !== 404 && res.status !== 413) {
      throw new PermanentError(`${this.where}: write refused: ${detail}`, { cause });
    }
    // Airtable refuses a whole batch for one bad record: the engine splits it to find that one.
    if (ops.length > 1) throw new BatchRejectedError(`${this.where}: batch of ${ops.length} rejected: ${detail}`, { cause });
    const op = ops[0]!;
    if (op.kind === 'delete' && RECORD_MISSING_TYPES.has(error.type ?? '')) {
      return [{ ok: true, record: goneRecord(op.id) }]; // already gone: the delete's goal holds
    }
    return [{ ok: false, reason: detail }];
  }

  private listError(res: HttpResponse, lookupField?: string): Error {
    const error = parseAirtableError(res.body);
    const detail = describeAirtableError(res.status, error);
    const cause = { status: res.status, type: error.type, message: error.message };
    if (error.type === 'INVALID_FILTER_BY_FORMULA' || error.type === 'UNKNOWN_FIELD_NAME') {
      const fields = [lookupField, this.options.last_modified_field].filter((f) => f !== undefined).map((f) => `"${f}"`).join(' or ');
      return new PermanentError(`${this.where}: list refused (check the field ${fields || 'names'}): ${detail}`, { cause });
    }
    if (res.status === 404) return new PermanentError(`${this.where}: table or base not found: ${detail}`, { cause });
    return new PermanentError(`${this.where}: list refused: ${detail}`, { cause });
  }
}

/** Builds the adapter for one Airtable side. */
export function createAirtableAdapter(options: AirtableSideOptions): AirtableAdapter {
  return new AirtableAdapter(options);
}

function idOf(op: WriteOp): string {
  if (op.kind === 'create') throw new PermanentError('a create op has no id');
  return op.id;
}

function isIteratorExpired(res: HttpResponse): boolean {
  return res.status === 422 && parseAirtableError(res.body).type === 'LIST_RECORDS_ITERATOR_NOT_AVAILABLE';
}

/** What a hard-deleted record looks like to the engine: its id, flagged deleted. */
function goneRecord(id: string): SyncRecord {
  return { id, fields: {}, updatedAt: new Date().toISOString(), deleted: true };
}

