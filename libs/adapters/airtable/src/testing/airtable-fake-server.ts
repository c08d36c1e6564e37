import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
   * Per-base limit: more than `perSecond` requests in any 1-s window → 429 and a lockout of
   * `penaltyMs` during which every request to the base gets 429. `false` disables it.
   * @defaultValue { perSecond: 5, penaltyMs: 30000 } (Airtable's documented numbers)
   */
  readonly rateLimit?: { readonly perSecond: number; readonly penaltyMs: number } | false;
  /** Time source for record times, the Date header and the limiter. @defaultValue Date.now */
  readonly clock?: { now(): number };
}

/** One request the fake received, as it answered it. */
export interface AirtableFakeRequest {
  /** Clock time at arrival. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string[]>>;
  readonly body: unknown;
  readonly status: number;
  /** Records in a write request's body (or ids in a batch DELETE). */
  readonly recordCount?: number;
  readonly authorization?: string;
}

/** A canned failure for the next matching request(s). */
export interface AirtableFakeFault {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** @defaultValue 1 */
  readonly times?: number;
  /** Only requests with this method. */
  readonly method?: string;
}

export interface AirtableFake {
  /** Base URL to pass as the adapter's `api_url`. */
  readonly url: string;
  readonly requests: AirtableFakeRequest[];
  close(): Promise<void>;
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
  /** The next `times` matching requests fail with `status`. */
  fail(fault: AirtableFakeFault): void;
  /** The next write is applied, then its connection is destroyed before any response. */
  loseNextWriteResponse(): void;
  /** The next request gets no response at all (until `close`). */
  hangNext(): void;
  /** Every open list iterator answers LIST_RECORDS_ITERATOR_NOT_AVAILABLE. */
  expireIterators(): void;
  /** Replaces the rate limit (tests switch it on for one case). */
  setRateLimit(limit: { perSecond: number; penaltyMs: number } | false): void;
}

/**
 * Starts a local Airtable Web API (v0) emulator on 127.0.0.1, faithful to the "Emulator checklist"
 * of shared/reference/saas-apis.md: routes, ids, snapshot offset paging, empty values dropped,
 * batch limits and atomicity, validation errors, computed fields, formulas, the per-base limit
 * with its lockout and no X-RateLimit headers, attachments copied to new URLs.
 */
export async function startAirtableFake(options: AirtableFakeOptions): Promise<AirtableFake> {
  const clock = options.clock ?? { now: () => Date.now() };
  let rateLimit = options.rateLimit === undefined ? { perSecond: 5, penaltyMs: 30_000 } : options.rateLimit;
  const tokens = new Set(options.tokens);
  const requests: AirtableFakeRequest[] = [];
  const faults: { fault: AirtableFakeFault; left: number }[] = [];
  let loseWrites = 0;
  let hangs = 0;
  const hung: ServerResponse[] = [];
  const windows = new Map<string, { sent: number[]; lockedUntil: number }>();
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

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      handle(req, res, raw).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { error: { type: 'SERVER_ERROR', message: String(err) } });
      });
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.statusCode = status;
    res.setHeader('Date', new Date(clock.now()).toUTCString());
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const at = clock.now();
    const method = req.method ?? 'GET';
    const fullUrl = req.url ?? '/';
    const parsed = new URL(fullUrl, 'http://127.0.0.1');
    const query: Record<string, string[]> = {};
    for (const [k, v] of parsed.searchParams) (query[k] ??= []).push(v);
    let body: unknown;
    let status = 200;
    let recordCount: number | undefined;
    const authorization = req.headers.authorization;
    const log = () => requests.push({
      at, method, path: parsed.pathname, query, body, status,
      ...(recordCount !== undefined ? { recordCount } : {}),
      ...(authorization !== undefined ? { authorization } : {}),
    });
    const reply = (s: number, b: unknown, h: Record<string, string> = {}) => {
      status = s;
      log();
      send(res, s, b, h);
    };

    if (parsed.pathname.startsWith('/attachments/')) {
      status = 200;
      log();
      res.statusCode = 200;
      res.end('fake attachment');
      return;
    }
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return reply(400, { error: { type: 'INVALID_REQUEST_BODY', message: 'Could not parse the request body as JSON' } });
    }
    if (hangs > 0) {
      hangs--;
      status = 0;
      log();
      hung.push(res);
      return;
    }
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token || !tokens.has(token)) {
      return reply(401, { error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' } });
    }
    const faultIndex = faults.findIndex((f) => f.fault.method === undefined || f.fault.method === method);
    if (faultIndex >= 0) {
      const f = faults[faultIndex]!;
      if (--f.left <= 0) faults.splice(faultIndex, 1);
      return reply(f.fault.status, f.fault.body ?? defaultFaultBody(f.fault.status), { ...(f.fault.headers ?? {}) });
    }
    const segments = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== 'v0' || segments.length < 3) return reply(404, { error: 'NOT_FOUND' });
    const baseId = segments[1]!;
    if (fullUrl.length >= 16_000) return reply(414, { error: { type: 'URL_TOO_LONG', message: 'URL is too long: use POST listRecords' } });
    const base = bases.get(baseId);
    if (!base) return reply(403, { error: { type: 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND', message: 'Invalid permissions, or the requested model was not found.' } });
    // Per-base limit; Airtable sends no X-RateLimit headers and no Retry-After.
    if (rateLimit) {
      const w = windows.get(baseId) ?? { sent: [], lockedUntil: 0 };
      windows.set(baseId, w);
      while (w.sent.length > 0 && w.sent[0]! <= at - 1000) w.sent.shift();
      if (at < w.lockedUntil || w.sent.length >= rateLimit.perSecond) {
        if (at >= w.lockedUntil) w.lockedUntil = at + rateLimit.penaltyMs;
        return reply(429, { errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }] });
      }
      w.sent.push(at);
    }

    try {
      const table = base.table(segments[2]!);
      const third = segments[3];
      const isWrite = method !== 'GET' && !(method === 'POST' && third === 'listRecords');
      const finishWrite = (s: number, b: unknown) => {
        if (isWrite && loseWrites > 0) {
          loseWrites--;
          status = 0;
          log();
          res.socket?.destroy();
          return;
        }
        reply(s, b);
      };
      if (third === undefined) {
        if (method === 'GET') return reply(200, base.list(table, listParamsFromQuery(parsed.searchParams)));
        if (method === 'POST') {
          const b = (body ?? {}) as { records?: WriteInput[]; fields?: Record<string, unknown>; typecast?: boolean };
          if (Array.isArray(b.records)) {
            recordCount = b.records.length;
            checkBatch(b.records.length, 'created');
            const created = base.create(table, b.records, b.typecast === true);
            return finishWrite(200, { records: created.map((r) => base.toApi(table, r)) });
          }
          recordCount = 1;
          const [created] = base.create(table, [{ fields: b.fields ?? {} }], b.typecast === true);
          return finishWrite(200, base.toApi(table, created!));
        }
        if (method === 'PATCH' || method === 'PUT') {
          const b = (body ?? {}) as { records?: WriteInput[]; typecast?: boolean; performUpsert?: { fieldsToMergeOn?: string[] } };
          if (!Array.isArray(b.records)) throw new FakeApiError(422, 'INVALID_REQUEST_MISSING_FIELDS', 'Could not find field "records" in the request body');
          recordCount = b.records.length;
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
          recordCount = ids.length;
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
          recordCount = 1;
          const b = (body ?? {}) as { fields?: Record<string, unknown>; typecast?: boolean };
          const result = base.update(table, [{ id: third, fields: b.fields ?? {} }], { replace: method === 'PUT', typecast: b.typecast === true });
          return finishWrite(200, base.toApi(table, result.records[0]!));
        }
        if (method === 'DELETE') {
          recordCount = 1;
          base.delete(table, [third]);
          return finishWrite(200, { id: third, deleted: true });
        }
      }
      return reply(404, { error: 'NOT_FOUND' });
    } catch (err) {
      if (err instanceof FakeApiError) return reply(err.status, { error: { type: err.type, message: err.message } });
      throw err;
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung.splice(0)) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
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
    fail: (fault) => {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    loseNextWriteResponse: () => {
      loseWrites++;
    },
    hangNext: () => {
      hangs++;
    },
    expireIterators: () => {
      for (const base of bases.values()) base.expireIterators();
    },
    setRateLimit: (limit) => {
      rateLimit = limit;
      windows.clear();
    },
  };
}

function checkBatch(n: number, verb: string): void {
  if (n > 10) throw new FakeApiError(422, 'INVALID_RECORDS', `A maximum of 10 records can be ${verb} per request but you have provided ${n}.`);
  if (n === 0) throw new FakeApiError(422, 'INVALID_RECORDS', 'At least one record must be provided');
}

function defaultFaultBody(status: number): unknown {
  if (status === 429) return { errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }] };
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
