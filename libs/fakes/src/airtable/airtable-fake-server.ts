import { FakeRateWindows, startFakeHttpServer, tokenScope } from '../http/fake-http-server.js';
import type {
  FakeArrivalInfo, FakeArrivalVerdict, FakeExchange, FakeFault, FakeHttpRequest, FakeHttpServer, FakeLatency,
} from '../http/fake-http-server.js';
import { FakeApiError, FakeBase } from './airtable-fake-store.js';
import type { AirtableFakeApiRecord, AirtableFakeBaseSpec, ListParams, WriteInput } from './airtable-fake-store.js';

export interface AirtableFakeOptions {
  /** @defaultValue 0 (any free port) */
  readonly port?: number;
  /** Bearer tokens the fake accepts (every token reaches every base). */
  readonly tokens: readonly string[];
  /** Bases by id (`app…`), each with its tables and field schemas. */
  readonly bases: Readonly<Record<string, AirtableFakeBaseSpec>>;
  /**
   * Airtable's two limits, counted when a request's headers arrive, in closed 1-s windows (a
   * request counts against every admitted one at `t >= at - 1000`), whatever the request is
   * answered afterwards (404, 422, injected faults); 429s are not counted. No X-RateLimit headers,
   * no Retry-After. `false` disables both (the reports still count).
   * @defaultValue { perSecond: 5, penaltyMs: 30000, tokenPerSecond: 50 } (Airtable's documented numbers)
   */
  readonly rateLimit?: AirtableFakeRateLimit | false;
  /** Time source for record times, arrival times, the Date header and the limiter. @defaultValue Date.now */
  readonly clock?: { now(): number };
  /**
   * Delay before each response, uniform in [minMs, maxMs] per request (real time, not `clock`);
   * a write is applied before it. Changeable with `setLatency`. @defaultValue undefined (none)
   */
  readonly latency?: FakeLatency;
}

/** The fake's limits (see {@link AirtableFakeOptions.rateLimit}). */
export interface AirtableFakeRateLimit {
  /**
   * Per base: a request arriving when `perSecond` admitted requests to its base arrived in the
   * last 1000 ms (inclusive) → 429, and the base is locked out for `penaltyMs` (every request to
   * it gets 429).
   */
  readonly perSecond: number;
  /** The lockout after a 429 of either limit, of the base or of the token. */
  readonly penaltyMs: number;
  /**
   * Per token, across all bases: the same rule with this many requests per 1000 ms; exceeding it
   * locks out the token (on every base) for `penaltyMs`. @defaultValue 50
   */
  readonly tokenPerSecond?: number;
}

/** One request the fake received, as it answered it. */
export interface AirtableFakeRequest extends FakeHttpRequest {
  /** Records in a write request's body (or ids in a batch DELETE). */
  readonly recordCount?: number;
}

/** A canned failure for the next matching request(s); without a body, Airtable's usual one for the status. */
export type AirtableFakeFault = FakeFault;

/** A running Airtable fake: the shared server controls (url, requests, faults, close) and its data. */
export interface AirtableFake extends FakeHttpServer<AirtableFakeRequest> {
  /** Current records of a table as the API returns them (base: the only one when omitted). */
  records(table: string, base?: string): AirtableFakeApiRecord[];
  get(table: string, id: string, base?: string): AirtableFakeApiRecord | undefined;
  /** A person creates a record in the UI (typecast on). */
  insert(table: string, fields: Record<string, unknown>, base?: string): AirtableFakeApiRecord;
  /** A person edits a record in the UI (merge; null clears). */
  edit(table: string, id: string, fields: Record<string, unknown>, base?: string): AirtableFakeApiRecord;
  /** A person deletes a record. */
  remove(table: string, id: string, base?: string): void;
  tableId(table: string, base?: string): string;
  fieldId(table: string, field: string, base?: string): string;
  /** Every open list iterator answers LIST_RECORDS_ITERATOR_NOT_AVAILABLE. */
  expireIterators(): void;
  /** Replaces the rate limits and forgets their windows and lockouts (tests switch it on for one case). */
  setRateLimit(limit: AirtableFakeRateLimit | false): void;
  /**
   * The reports' scope of a token: `token:<index in options.tokens>`, never the token (a base's
   * scope is `base:<baseId>`).
   */
  tokenScope(token: string): string;
}

/**
 * Starts a local Airtable Web API (v0) emulator on 127.0.0.1, faithful to the "Emulator checklist"
 * of shared/reference/saas-apis.md: routes, ids, snapshot offset paging, empty values dropped,
 * batch limits and atomicity, validation errors, computed fields, formulas, the per-base and
 * per-token limits counted at arrival with their lockouts and no X-RateLimit headers, attachments
 * copied to new URLs. The HTTP plumbing (auth, request log, arrival hook and reports, latency,
 * faults) is `startFakeHttpServer` of `@syncframe/fakes` (http/fake-http-server.ts).
 */
export async function startAirtableFake(options: AirtableFakeOptions): Promise<AirtableFake> {
  const clock = options.clock ?? { now: () => Date.now() };
  let rateLimit: AirtableFakeRateLimit | false = options.rateLimit === undefined ? { perSecond: 5, penaltyMs: 30_000 } : options.rateLimit;
  const windows = new FakeRateWindows();
  let url = '';
  const bases = new Map<string, FakeBase>();
  for (const [id, spec] of Object.entries(options.bases)) {
    bases.set(id, new FakeBase(spec, () => clock.now(), (attId, filename) => `${url}/attachments/${attId}/${encodeURIComponent(filename)}`));
  }

  const baseOf = (id?: string): FakeBase => {
    const key = id ?? (bases.size === 1 ? [...bases.keys()][0]! : undefined);
    const base = key === undefined ? undefined : bases.get(key);
    if (!base) throw new Error(`no base ${String(id)} in the fake`);
    return base;
  };

  /** The limiter, at arrival: the base's and the token's closed 1-s windows, and their lockouts. */
  function onArrival({ at, url: parsed, token }: FakeArrivalInfo): FakeArrivalVerdict {
    const segments = parsed.pathname.split('/').filter(Boolean);
    let baseId: string | undefined;
    try {
      baseId = segments[0] === 'v0' && segments[1] !== undefined ? decodeURIComponent(segments[1]) : undefined;
    } catch {
      baseId = undefined;
    }
    const scopes = [...(baseId !== undefined && bases.has(baseId) ? [`base:${baseId}`] : []), tokenScope(options.tokens, token)];
    if (!rateLimit) return { scopes };
    const limit = rateLimit;
    let refused = false;
    for (const scope of scopes) {
      const perSecond = scope.startsWith('base:') ? limit.perSecond : (limit.tokenPerSecond ?? 50);
      if (windows.locked(scope, at)) refused = true;
      else if (windows.count(scope, at, 1000) >= perSecond) {
        windows.lock(scope, at + limit.penaltyMs);
        refused = true;
      }
    }
    if (refused) return { scopes, reject: { status: 429, body: RATE_LIMITED_BODY } };
    for (const scope of scopes) windows.add(scope, at);
    return { scopes };
  }

  function handle(ex: FakeExchange): void {
    const { method, body, url: parsed } = ex;
    const reply = ex.reply;
    const finishWrite = ex.replyToWrite;
    if (ex.replyWithFault()) return;
    const segments = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== 'v0' || segments.length < 3) return reply(404, { error: 'NOT_FOUND' });
    const baseId = segments[1]!;
    if (ex.rawUrl.length >= 16_000) return reply(414, { error: { type: 'URL_TOO_LONG', message: 'URL is too long: use POST listRecords' } });
    const base = bases.get(baseId);
    if (!base) return reply(403, { error: { type: 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND', message: 'Invalid permissions, or the requested model was not found.' } });

    const table = base.table(segments[2]!);
    const third = segments[3];
    if (third === undefined) {
      if (method === 'GET') return reply(200, base.list(table, listParamsFromQuery(parsed.searchParams)));
      if (method === 'POST') {
        const b = (body ?? {}) as { records?: WriteInput[]; fields?: Record<string, unknown>; typecast?: boolean };
        if (Array.isArray(b.records)) {
          ex.count = b.records.length;
          checkBatch(b.records.length, 'created');
          const created = base.create(table, b.records, b.typecast === true);
          return finishWrite(200, { records: created.map((r) => base.toApi(table, r)) });
        }
        ex.count = 1;
        const [created] = base.create(table, [{ fields: b.fields ?? {} }], b.typecast === true);
        return finishWrite(200, base.toApi(table, created!));
      }
      if (method === 'PATCH' || method === 'PUT') {
        const b = (body ?? {}) as { records?: WriteInput[]; typecast?: boolean; performUpsert?: { fieldsToMergeOn?: string[] } };
        if (!Array.isArray(b.records)) throw new FakeApiError(422, 'INVALID_REQUEST_MISSING_FIELDS', 'Could not find field "records" in the request body');
        ex.count = b.records.length;
        checkBatch(b.records.length, 'updated');
        const mergeOn = b.performUpsert?.fieldsToMergeOn;
        if (mergeOn !== undefined && (!Array.isArray(mergeOn) || mergeOn.length < 1 || mergeOn.length > 3)) {
          throw new FakeApiError(422, 'INVALID_REQUEST_UNKNOWN', 'fieldsToMergeOn must name 1 to 3 fields');
        }
        const result = base.update(table, b.records, { replace: method === 'PUT', typecast: b.typecast === true, ...(mergeOn ? { mergeOn } : {}) });
        const payload: Record<string, unknown> = { records: result.records.map((r) => base.toApi(table, r)) };
        if (mergeOn) Object.assign(payload, { createdRecords: result.createdRecords, updatedRecords: result.updatedRecords });
        return finishWrite(200, payload);
      }
      if (method === 'DELETE') {
        const ids = parsed.searchParams.getAll('records[]');
        ex.count = ids.length;
        if (ids.length === 0 || ids.length > 10) throw new FakeApiError(422, 'INVALID_RECORDS', '"records" must be an array of up to 10 record IDs.');
        base.delete(table, ids);
        return finishWrite(200, { records: ids.map((id) => ({ id, deleted: true })) });
      }
    } else if (third === 'listRecords' && method === 'POST') {
      return reply(200, base.list(table, listParamsFromBody(body)));
    } else {
      const r = base.records.get(third);
      if (!r || r.tableId !== table.id) {
        if (method === 'PATCH' || method === 'PUT') throw new FakeApiError(404, 'MODEL_ID_NOT_FOUND', 'Record not found');
        throw new FakeApiError(404, 'MODEL_ID_NOT_FOUND', 'Record not found');
      }
      if (method === 'GET') return reply(200, base.toApi(table, r));
      if (method === 'PATCH' || method === 'PUT') {
        ex.count = 1;
        const b = (body ?? {}) as { fields?: Record<string, unknown>; typecast?: boolean };
        const result = base.update(table, [{ id: third, fields: b.fields ?? {} }], { replace: method === 'PUT', typecast: b.typecast === true });
        return finishWrite(200, base.toApi(table, result.records[0]!));
      }
      if (method === 'DELETE') {
        ex.count = 1;
        base.delete(table, [third]);
        return finishWrite(200, { id: third, deleted: true });
      }
    }
    return reply(404, { error: 'NOT_FOUND' });
  }

  const server = await startFakeHttpServer({
    ...(options.port !== undefined ? { port: options.port } : {}),
    clock,
    tokens: options.tokens,
    countField: 'recordCount',
    ...(options.latency !== undefined ? { latency: options.latency } : {}),
    onArrival,
    files: { prefix: '/attachments/', text: 'fake attachment' },
    unauthorizedBody: { error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' } },
    invalidJsonBody: { error: { type: 'INVALID_REQUEST_BODY', message: 'Could not parse the request body as JSON' } },
    faultBody: defaultFaultBody,
    errorReply: (err) => (err instanceof FakeApiError ? { status: err.status, body: { error: { type: err.type, message: err.message } } } : undefined),
    internalErrorBody: (err) => ({ error: { type: 'SERVER_ERROR', message: String(err) } }),
    handle,
  });
  url = server.url;

  const data: Omit<AirtableFake, keyof FakeHttpServer<AirtableFakeRequest>> = {
    records: (table, baseId) => {
      const base = baseOf(baseId);
      const t = base.table(table);
      return [...base.records.values()].filter((r) => r.tableId === t.id).map((r) => base.toApi(t, r));
    },
    get: (table, id, baseId) => {
      const base = baseOf(baseId);
      const t = base.table(table);
      const r = base.records.get(id);
      return r && r.tableId === t.id ? base.toApi(t, r) : undefined;
    },
    insert: (table, fields, baseId) => {
      const base = baseOf(baseId);
      const t = base.table(table);
      return base.toApi(t, base.create(t, [{ fields }], true)[0]!);
    },
    edit: (table, id, fields, baseId) => {
      const base = baseOf(baseId);
      const t = base.table(table);
      return base.toApi(t, base.update(t, [{ id, fields }], { replace: false, typecast: true }).records[0]!);
    },
    remove: (table, id, baseId) => {
      const base = baseOf(baseId);
      base.delete(base.table(table), [id]);
    },
    tableId: (table, baseId) => baseOf(baseId).table(table).id,
    fieldId: (table, field, baseId) => {
      const base = baseOf(baseId);
      const f = base.fieldOf(base.table(table), field);
      if (!f) throw new Error(`no field ${field}`);
      return f.id;
    },
    expireIterators: () => {
      for (const base of bases.values()) base.expireIterators();
    },
    setRateLimit: (limit) => {
      rateLimit = limit;
      windows.clear();
    },
    tokenScope: (token) => tokenScope(options.tokens, token),
  };
  // Assigned onto the server, not spread into a copy: its `rateLimited` is a live getter.
  return Object.assign(server, data);
}

const RATE_LIMITED_BODY = { errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }] };

function checkBatch(n: number, verb: string): void {
  if (n > 10) throw new FakeApiError(422, 'INVALID_RECORDS', `A maximum of 10 records can be ${verb} per request but you have provided ${n}.`);
  if (n === 0) throw new FakeApiError(422, 'INVALID_RECORDS', 'At least one record must be provided');
}

function defaultFaultBody(status: number): unknown {
  if (status === 429) return RATE_LIMITED_BODY;
  if (status === 503) return { error: { type: 'RETRIABLE_ERROR', message: 'Service temporarily unavailable' } };
  if (status >= 500) return { error: { type: 'SERVER_ERROR', message: 'Server error' } };
  if (status === 401) return { error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' } };
  if (status === 403) return { error: { type: 'INVALID_PERMISSIONS', message: 'You are not permitted to perform this operation' } };
  return { error: { type: 'INVALID_REQUEST_UNKNOWN', message: 'Invalid request' } };
}

function listParamsFromQuery(q: URLSearchParams): ListParams {
  const sort: { field: string; direction?: string }[] = [];
  for (let i = 0; q.has(`sort[${i}][field]`); i++) {
    const direction = q.get(`sort[${i}][direction]`);
    sort.push({ field: q.get(`sort[${i}][field]`)!, ...(direction ? { direction } : {}) });
  }
  const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
  const pageSize = num('pageSize');
  const maxRecords = num('maxRecords');
  const fields = q.getAll('fields[]');
  return {
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(maxRecords !== undefined ? { maxRecords } : {}),
    ...(q.has('offset') ? { offset: q.get('offset')! } : {}),
    ...(q.has('filterByFormula') ? { filterByFormula: q.get('filterByFormula')! } : {}),
    ...(sort.length > 0 ? { sort } : {}),
    ...(fields.length > 0 ? { fields } : {}),
    ...(q.get('returnFieldsByFieldId') === 'true' ? { returnFieldsByFieldId: true } : {}),
  };
}

function listParamsFromBody(body: unknown): ListParams {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    ...(typeof b.pageSize === 'number' ? { pageSize: b.pageSize } : {}),
    ...(typeof b.maxRecords === 'number' ? { maxRecords: b.maxRecords } : {}),
    ...(typeof b.offset === 'string' ? { offset: b.offset } : {}),
    ...(typeof b.filterByFormula === 'string' ? { filterByFormula: b.filterByFormula } : {}),
    ...(Array.isArray(b.sort) ? { sort: b.sort as { field: string; direction?: string }[] } : {}),
    ...(Array.isArray(b.fields) ? { fields: b.fields as string[] } : {}),
    ...(b.returnFieldsByFieldId === true ? { returnFieldsByFieldId: true } : {}),
  };
}
