import { createHash } from 'node:crypto';
import { BatchRejectedError, ConfigError, PermanentError, RetryableError } from '@syncframe/engine';
import type {
  AdapterCallOptions, ChangePage, Cursor, SourceAdapter, SyncRecord, TableRef, ThrottleSettings, WriteOp, WriteResult,
} from '@syncframe/engine';
import { HttpClient, OverlapCursorTracker, contentKey, describeSide, writeBatchKind } from '@syncframe/adapter-kit';
import type { HttpResponse } from '@syncframe/adapter-kit';
import { WebflowCollectionResolver } from './webflow-collection.js';
import type { WebflowCollectionSchema } from './webflow-collection.js';
import { decodeCursor, settleCap } from './webflow-cursor.js';
import type { WebflowCursorState } from './webflow-cursor.js';
import { describeWebflowError, parseWebflowError } from './webflow-error-body.js';
import { WEBFLOW_HTTP } from './webflow-http.js';
import { SLUG_PATTERN, slugify } from './webflow-slug.js';
import { normalizeItem, toFieldData } from './webflow-normalize.js';
import type { WebflowApiItem } from './webflow-normalize.js';
import type { WebflowSideOptions } from './webflow-options.js';
import { WEBFLOW_DEFAULT_API_URL, WEBFLOW_DEFAULT_THROTTLE, WEBFLOW_MAX_BATCH } from './webflow-options.js';

const PAGE_SIZE = 100;
/** Up to this many values, findByField on `slug`/`name` asks the server per value; above, one scan is cheaper. */
const MAX_EXACT_LOOKUPS = 10;

/** Validation messages that name a field the collection does not have (a mapper bug, not a record's). */
const UNKNOWN_FIELD = /not described in schema/i;

/**
 * One Webflow CMS collection behind the engine's SourceAdapter port.
 *
 * Pull: `lastUpdated[gte]` + `sortBy=lastUpdated asc`, paged by keyset: each page re-asks from the
 * last `lastUpdated` seen and drops, by id, the items already seen at that time (never skips them
 * by count: an item edited or deleted mid-pull would shift an unseen one out of view). Falls back
 * to a full scan filtered in memory when the server ignores the filter or the sort.
 * Write: bulk endpoints (≤100), staged or `/live`; deletes archive or DELETE.
 */
export class WebflowAdapter implements SourceAdapter {
  readonly ref: TableRef;
  readonly defaultThrottle: ThrottleSettings = WEBFLOW_DEFAULT_THROTTLE;
  readonly rateLimitKey: string;

  private readonly http: HttpClient;
  private readonly collection: WebflowCollectionResolver;
  private readonly where: string;
  private readonly live: boolean;

  constructor(private readonly options: WebflowSideOptions) {
    if (!options?.collection) throw new ConfigError('webflow side: `collection` is required');
    if (!options.creds?.token) throw new ConfigError('webflow side: `creds.token` is required');
    if (options.publish !== undefined && options.publish !== 'live' && options.publish !== 'staged') {
      throw new ConfigError(`webflow side: publish must be 'live' or 'staged'`);
    }
    this.ref = { adapter: 'webflow', table: options.collection };
    // Webflow counts requests per token: sides sharing a token share a budget. Only a hash is kept.
    this.rateLimitKey = `webflow:${createHash('sha256').update(options.creds.token).digest('hex').slice(0, 16)}`;
    this.live = options.publish === 'live';
    this.where = describeSide('webflow', options, `collection "${options.collection}"`);
    this.http = new HttpClient(WEBFLOW_HTTP, options, { baseUrl: options.api_url ?? WEBFLOW_DEFAULT_API_URL, token: options.creds.token, where: this.where });
    this.collection = new WebflowCollectionResolver(this.http, options.collection, options.creds.site_id, this.where);
  }

  async *pull(cursor: Cursor, options: AdapterCallOptions): AsyncIterable<ChangePage> {
    const start = decodeCursor(cursor);
    const schema = await this.collection.get(options);
    const tracker = new OverlapCursorTracker(start);
    let lastYielded = JSON.stringify(start);
    // Keyset paging by identity: `from` is the time of the last item seen, `atFrom` the ids seen
    // (delivered, or dropped as repeats) with exactly that time. Each page re-asks from `from`
    // and drops those ids, so an item that leaves the group mid-pull (edited: it moves to the
    // end; deleted) cannot shift an unseen one out of view.
    let from = start.t;
    let atFrom = new Set<string>();
    let offset = 0;
    for (;;) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset), sortBy: 'lastUpdated', sortOrder: 'asc' });
      if (from !== null) query.set('lastUpdated[gte]', from);
      const res = await this.http.send({ method: 'GET', path: this.itemsPath(schema), query }, options);
      if (res.status !== 200) throw this.listError(res);
      const items = listedItems(res.body, this.where);
      if (!isOrderedFrom(items, from)) {
        this.options.logger?.warn({ remote: 'webflow', collection: schema.id }, 'the list ignored lastUpdated filter/sort: falling back to a full scan');
        yield* this.scan(start, tracker, schema, options);
        return;
      }
      if (offset > 0 && !(items.length > 0 && isSeenAt(items[0]!, atFrom, from))) {
        // The page was meant to start on the last item already seen (an overlap of one); it does
        // not, so items seen before it left the group and unseen ones moved down: step back.
        offset = Math.max(0, offset - (PAGE_SIZE - 1));
        continue;
      }
      const cap = settleCap(res.headers.get('date'), res.sentAt);
      const records: SyncRecord[] = [];
      for (const item of items) {
        if (isSeenAt(item, atFrom, from)) continue;
        const record = normalizeItem(item, schema);
        const key = contentKey(record);
        if (tracker.isRepeat(item.id, record.updatedAt, key)) continue;
        tracker.observe(item.id, record.updatedAt, key, cap);
        records.push(record);
      }
      const next = JSON.stringify(tracker.state());
      if (records.length > 0 || next !== lastYielded) {
        lastYielded = next;
        yield { records, cursor: tracker.cursor() };
      }
      if (items.length < PAGE_SIZE) return;
      const last = items[items.length - 1]!.lastUpdated!;
      const sameGroup = from !== null && Date.parse(last) === Date.parse(from);
      if (!sameGroup) {
        from = last;
        atFrom = new Set();
      }
      for (const item of items) if (Date.parse(item.lastUpdated!) === Date.parse(last)) atFrom.add(item.id);
      // A group smaller than a page is re-asked whole (offset 0), whatever order the server gives
      // items of one millisecond. A larger one (a bulk write) fills this whole page, so it needs
      // an offset: the next page starts on this page's last item, which must come back first
      // (checked above). A new group can fill a page only on a page asked from offset 0.
      offset = atFrom.size < PAGE_SIZE ? 0 : (sameGroup ? offset : 0) + PAGE_SIZE - 1;
    }
  }

  /**
   * Full scan in the default order, for a server that ignores `lastUpdated[gte]`/`sortBy`:
   * unchanged items are dropped in memory (their cost is their share of a 100-item page), and
   * since the order says nothing about times, the cursor moves only after the last page.
   */
  private async *scan(start: WebflowCursorState, tracker: OverlapCursorTracker, schema: WebflowCollectionSchema, options: AdapterCallOptions): AsyncIterable<ChangePage> {
    const since = start.t === null ? -Infinity : Date.parse(start.t);
    const seen: { id: string; at: string; key: string }[] = [];
    let cap = Infinity;
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
      const res = await this.http.send({ method: 'GET', path: this.itemsPath(schema), query }, options);
      if (res.status !== 200) throw this.listError(res);
      if (offset === 0) cap = settleCap(res.headers.get('date'), res.sentAt);
      const items = listedItems(res.body, this.where);
      const records: SyncRecord[] = [];
      for (const item of items) {
        const record = normalizeItem(item, schema);
        if (Date.parse(record.updatedAt) < since) continue;
        const key = contentKey(record);
        if (tracker.isRepeat(item.id, record.updatedAt, key)) continue;
        seen.push({ id: item.id, at: record.updatedAt, key });
        records.push(record);
      }
      const done = items.length < PAGE_SIZE;
      if (done) for (const s of seen) tracker.observe(s.id, s.at, s.key, cap);
      if (records.length > 0 || done) yield { records, cursor: tracker.cursor() };
      if (done) return;
    }
  }

  async write(ops: readonly WriteOp[], options: AdapterCallOptions): Promise<WriteResult[]> {
    if (ops.length === 0) return [];
    const kind = writeBatchKind(ops, WEBFLOW_MAX_BATCH, 'Webflow', this.where);
    const schema = await this.collection.get(options);
    const path = this.itemsPath(schema);

    if (kind === 'create' || kind === 'update') {
      const items = ops.map((op) => {
        const { fieldData, unknown } = toFieldData(op.kind === 'delete' ? {} : op.fields, schema, { create: kind === 'create' });
        if (unknown.length > 0) throw this.unknownFields(unknown);
        // Created items are queued for the site's next publish rather than left as drafts.
        return kind === 'create' ? { isArchived: false, isDraft: false, fieldData } : { id: (op as { id: string }).id, fieldData };
      });
      const res = await this.http.send({ method: kind === 'create' ? 'POST' : 'PATCH', path: this.live ? `${path}/live` : path, body: { items } }, options);
      if (kind === 'update' && this.live && res.status === 409) return this.updateStagedThenPublish(path, items, ops, schema, options);
      return this.itemResults(res, ops, schema);
    }

    const ids = ops.map((op) => (op as { id: string }).id);
    if (this.options.hard_delete === true) {
      if (this.live) await this.unpublish(path, ids, options);
      const res = await this.http.send({ method: 'DELETE', path, body: { items: ids.map((id) => ({ id })) } }, options);
      if (res.status >= 200 && res.status < 300) return ids.map((id) => ({ ok: true, record: goneRecord(id) }));
      return this.writeFailure(res, ops);
    }
    const res = await this.http.send({ method: 'PATCH', path, body: { items: ids.map((id) => ({ id, isArchived: true })) } }, options);
    const results = this.itemResults(res, ops, schema);
    // Archiving changes the staged item only; in live mode take it off the site now as well.
    if (this.live) await this.unpublish(path, ids.filter((_, i) => results[i]!.ok), options);
    return results;
  }

  /** A slug Webflow would refuse is stored slugified (see `toFieldData`): match keys compare as stored. */
  storedKey(field: string, value: string): string {
    return field === 'slug' && !SLUG_PATTERN.test(value) ? slugify(value) : value;
  }

  async findByField(field: string, values: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    const schema = await this.collection.get(options);
    const wanted = new Set(values);
    if (wanted.size === 0) return [];
    const found = new Map<string, SyncRecord>();
    const keep = (item: WebflowApiItem) => {
      const record = normalizeItem(item, schema);
      const value = record.fields[field];
      if (!record.deleted && value !== undefined && value !== null && wanted.has(String(value))) found.set(record.id, record);
    };
    const exact = (field === 'slug' || field === 'name') && wanted.size <= MAX_EXACT_LOOKUPS;
    const lookups: (URLSearchParams | null)[] = exact ? [...wanted].map((v) => new URLSearchParams({ [field]: v })) : [null];
    for (const filter of lookups) {
      for (let offset = 0; ; offset += PAGE_SIZE) {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset), sortBy: 'createdOn', sortOrder: 'asc' });
        for (const [k, v] of filter ?? []) query.set(k, v);
        const res = await this.http.send({ method: 'GET', path: this.itemsPath(schema), query }, options);
        if (res.status !== 200) throw this.listError(res);
        const items = listedItems(res.body, this.where);
        items.forEach(keep);
        if (items.length < PAGE_SIZE) break;
      }
    }
    return [...found.values()];
  }

  /**
   * Every item id (archived and draft items included), 100 per page in creation order (new items
   * land at the end). Webflow cannot leave fields out. A page without an items list is an error,
   * never an end.
   */
  async *listIds(options: AdapterCallOptions): AsyncIterable<readonly string[]> {
    const schema = await this.collection.get(options);
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset), sortBy: 'createdOn', sortOrder: 'asc' });
      const res = await this.http.send({ method: 'GET', path: this.itemsPath(schema), query }, options);
      if (res.status !== 200) throw this.listError(res);
      const items = listedItems(res.body, this.where);
      yield items.map((i) => i.id);
      if (items.length < PAGE_SIZE) return;
    }
  }

  /** The items with these ids, one GET each (Webflow lists by id no other way); a 404 is an item that is gone. */
  async readRecords(ids: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> {
    const schema = await this.collection.get(options);
    const found: SyncRecord[] = [];
    for (const id of new Set(ids)) {
      const res = await this.http.send({ method: 'GET', path: `${this.itemsPath(schema)}/${encodeURIComponent(id)}` }, options);
      if (res.status === 404) continue;
      if (res.status !== 200 || typeof (res.body as { id?: unknown } | null)?.id !== 'string') {
        throw new PermanentError(`${this.where}: reading item ${id} refused: ${describeWebflowError(res.status, parseWebflowError(res.body))}`);
      }
      found.push(normalizeItem(res.body as WebflowApiItem, schema));
    }
    return found;
  }

  // ---- internals -----------------------------------------------------------------------------

  private itemsPath(schema: WebflowCollectionSchema): string {
    return `/v2/collections/${encodeURIComponent(schema.id)}/items`;
  }

  /**
   * A live PATCH is refused (409) when an item of the batch was never published (or the
   * collection changed since the last publish). Then: update the staged items, and publish those
   * that were already live, so live items change on the site while drafts stay drafts.
   */
  private async updateStagedThenPublish(
    path: string, items: readonly unknown[], ops: readonly WriteOp[], schema: WebflowCollectionSchema, options: AdapterCallOptions,
  ): Promise<WriteResult[]> {
    this.options.logger?.info({ remote: 'webflow', count: items.length }, 'live update refused (409): updating staged items and publishing the live ones');
    const res = await this.http.send({ method: 'PATCH', path, body: { items } }, options);
    const results = this.itemResults(res, ops, schema);
    const published = itemsOf(res.body).filter((i) => i.lastPublished !== null && i.lastPublished !== undefined).map((i) => i.id);
    if (published.length > 0) {
      const pub = await this.http.send({ method: 'POST', path: `${path}/publish`, body: { itemIds: published } }, options);
      const errors = (pub.body as { errors?: unknown[] } | null)?.errors;
      if (pub.status < 200 || pub.status >= 300 || (Array.isArray(errors) && errors.length > 0)) {
        this.options.logger?.warn({ remote: 'webflow', status: pub.status, errors: Array.isArray(errors) ? errors.length : undefined }, 'publishing updated items failed; they reach the site at its next publish');
      }
    }
    return results;
  }

  /** `DELETE /items/live`: an item that is not live (404/409) is already where we want it. */
  private async unpublish(path: string, ids: string[], options: AdapterCallOptions): Promise<void> {
    if (ids.length === 0) return;
    const res = await this.http.send({ method: 'DELETE', path: `${path}/live`, body: { items: ids.map((id) => ({ id })) } }, options);
    if (res.status >= 200 && res.status < 300) return;
    if (res.status === 404 || res.status === 409) {
      this.options.logger?.warn({ remote: 'webflow', status: res.status, count: ids.length }, 'unpublish skipped: item(s) not live');
      return;
    }
    throw new PermanentError(`${this.where}: unpublish refused: ${describeWebflowError(res.status, parseWebflowError(res.body))}`);
  }

  private itemResults(res: HttpResponse, ops: readonly WriteOp[], schema: WebflowCollectionSchema): WriteResult[] {
    if (res.status < 200 || res.status >= 300) return this.writeFailure(res, ops);
    const body = res.body as { items?: WebflowApiItem[] } & Partial<WebflowApiItem>;
    const items = Array.isArray(body?.items) ? body.items : body && typeof body.id === 'string' ? [body as WebflowApiItem] : [];
    if (items.length !== ops.length) {
      throw new PermanentError(`${this.where}: unexpected write response (${items.length} items for ${ops.length} ops)`);
    }
    const byId = new Map(items.map((i) => [i.id, i]));
    return ops.map((op, i) => {
      // Updates and deletes are matched by id; creates have none yet and come back in order.
      const item = op.kind === 'create' ? items[i]! : byId.get(op.id) ?? items[i]!;
      return { ok: true, record: normalizeItem(item, schema) };
    });
  }

  private writeFailure(res: HttpResponse, ops: readonly WriteOp[]): WriteResult[] {
    const error = parseWebflowError(res.body);
    const detail = describeWebflowError(res.status, error);
    const cause = { status: res.status, code: error.code, message: error.message };
    const unknown = error.details.filter((d) => UNKNOWN_FIELD.test(d.description ?? '')).map((d) => d.param ?? '?');
    if (unknown.length > 0) throw this.unknownFields(unknown, cause);
    if (res.status === 404 && ops[0]!.kind === 'create') throw new PermanentError(`${this.where}: collection not found: ${detail}`, { cause });
    if (![400, 404, 409, 422].includes(res.status)) throw new PermanentError(`${this.where}: write refused: ${detail}`, { cause });
    // One bad item (duplicate slug, unknown option or reference, missing item) refuses the
    // whole bulk request: the engine splits the batch to find it.
    if (ops.length > 1) throw new BatchRejectedError(`${this.where}: batch of ${ops.length} rejected: ${detail}`, { cause });
    const op = ops[0]!;
    if (op.kind === 'delete' && res.status === 404) return [{ ok: true, record: goneRecord(op.id) }];
    return [{ ok: false, reason: detail }];
  }

  private unknownFields(fields: readonly string[], cause?: unknown): PermanentError {
    const names = fields.map((f) => `"${f}"`).join(', ');
    return new PermanentError(`${this.where}: the collection has no field ${names} (fieldData keys are field slugs): fix the mapper`, cause === undefined ? {} : { cause });
  }

  private listError(res: HttpResponse): Error {
    const detail = describeWebflowError(res.status, parseWebflowError(res.body));
    if (res.status === 404) return new ConfigError(`${this.where}: collection not found: ${detail}`);
    return new PermanentError(`${this.where}: list refused: ${detail}`);
  }
}

/** Builds the adapter for one Webflow side. */
export function createWebflowAdapter(options: WebflowSideOptions): WebflowAdapter {
  return new WebflowAdapter(options);
}

function itemsOf(body: unknown): WebflowApiItem[] {
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? (items as WebflowApiItem[]).filter((i) => i && typeof i.id === 'string') : [];
}

/** The items of a list page: a page without an items list is never read as an empty (last) page. */
function listedItems(body: unknown, where: string): WebflowApiItem[] {
  if (!Array.isArray((body as { items?: unknown } | null)?.items)) throw new RetryableError(`${where}: a list page without an items list`);
  return itemsOf(body);
}

/** True when every item is at or after `from` and the page is sorted by lastUpdated ascending. */
function isOrderedFrom(items: readonly WebflowApiItem[], from: string | null): boolean {
  let previous = from === null ? -Infinity : Date.parse(from);
  for (const item of items) {
    const at = Date.parse(item.lastUpdated ?? '');
    if (!Number.isFinite(at) || at < previous) return false;
    previous = at;
  }
  return true;
}

/** True when the item was already seen in this pull: its id is in `atFrom` and it still has time `from`. */
function isSeenAt(item: WebflowApiItem, atFrom: ReadonlySet<string>, from: string | null): boolean {
  return from !== null && atFrom.has(item.id) && Date.parse(item.lastUpdated ?? '') === Date.parse(from);
}

function goneRecord(id: string): SyncRecord {
  return { id, fields: {}, updatedAt: new Date().toISOString(), deleted: true };
}
