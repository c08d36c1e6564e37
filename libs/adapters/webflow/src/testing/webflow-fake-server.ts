import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebflowFakeError, WebflowFakeStore, notFound } from './webflow-fake-store.js';
import type { Collection, ItemInput, WebflowFakeApiItem, WebflowFakeSiteSpec } from './webflow-fake-store.js';

export interface WebflowFakeOptions {
  /** @defaultValue 0 (any free port) */
  readonly port?: number;
  /** Bearer tokens the fake accepts (each with its own rate budget). */
  readonly tokens: readonly string[];
  /** Sites by id, each with its collections and their field schemas. */
  readonly sites: Readonly<Record<string, WebflowFakeSiteSpec>>;
  /**
   * Per-token budget of `perMinute` requests in any `windowMs`; over it → 429 with
   * `Retry-After: retryAfterSec`. `false` disables it (the headers are still sent).
   * @defaultValue { perMinute: 60, windowMs: 60000, retryAfterSec: 60 }
   */
  readonly rateLimit?: { readonly perMinute: number; readonly windowMs?: number; readonly retryAfterSec?: number } | false;
  /** Time source for item times, the Date header and the limiter. @defaultValue Date.now */
  readonly clock?: { now(): number };
  /**
   * Deleting the staged copy of a published item leaves the live copy until the next site
   * publish (a v1-era report; UNCONFIRMED for v2). @defaultValue true
   */
  readonly deleteKeepsLive?: boolean;
  /** Emulate a server that ignores the list filters and sort (tests the adapter's fallback). @defaultValue false */
  readonly ignoreListFilters?: boolean;
}

export interface WebflowFakeRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string[]>>;
  readonly body: unknown;
  readonly status: number;
  /** Items in a bulk request's body. */
  readonly itemCount?: number;
  readonly authorization?: string;
}

export interface WebflowFakeFault {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** @defaultValue 1 */
  readonly times?: number;
  readonly method?: string;
}

export interface WebflowFake {
  readonly url: string;
  readonly requests: WebflowFakeRequest[];
  close(): Promise<void>;
  /** A collection's id from its slug (or id). */
  collectionId(slugOrId: string): string;
  /** An Option field's option id by option name. */
  optionId(collection: string, field: string, name: string): string;
  /** Staged items (not deleted), as the API returns them. */
  items(collection: string): WebflowFakeApiItem[];
  /** Live (published) items. */
  liveItems(collection: string): WebflowFakeApiItem[];
  get(collection: string, id: string): WebflowFakeApiItem | undefined;
  /** A person creates an item in the Designer (staged, draft unless `isDraft: false`). */
  insert(collection: string, fieldData: Record<string, unknown>, flags?: { isDraft?: boolean; isArchived?: boolean }): WebflowFakeApiItem;
  /** A person edits an item (fieldData merges; null clears). */
  edit(collection: string, id: string, fieldData: Record<string, unknown>, flags?: { isDraft?: boolean; isArchived?: boolean }): WebflowFakeApiItem;
  /** A person deletes an item. */
  remove(collection: string, id: string): void;
  /** A person publishes the site. */
  publishSite(siteId: string): void;
  fail(fault: WebflowFakeFault): void;
  /** The next write is applied, then its connection is destroyed before any response. */
  loseNextWriteResponse(): void;
  /** The next request gets no response (until `close`). */
  hangNext(): void;
  setRateLimit(limit: WebflowFakeOptions['rateLimit']): void;
}

/**
 * Starts a local Webflow Data API v2 (CMS) emulator on 127.0.0.1, per the "Emulator checklist"
 * of shared/reference/saas-apis.md: 24-hex ids, ms timestamps, staged and live copies, drafts and
 * archive flags, all-or-nothing bulk requests of ≤100 (decided: the real behaviour is unconfirmed),
 * validation_error bodies with one detail per problem, unique slugs, Option ids, existing
 * references, lastUpdated filters and sort, per-token budget with X-RateLimit headers.
 */
export async function startWebflowFake(options: WebflowFakeOptions): Promise<WebflowFake> {
  const clock = options.clock ?? { now: () => Date.now() };
  const defaultLimit = { perMinute: 60, windowMs: 60_000, retryAfterSec: 60 };
  let rateLimit = options.rateLimit === undefined ? defaultLimit : options.rateLimit;
  const tokens = new Set(options.tokens);
  const keepLive = options.deleteKeepsLive !== false;
  const requests: WebflowFakeRequest[] = [];
  const faults: { fault: WebflowFakeFault; left: number }[] = [];
  const budgets = new Map<string, number[]>();
  const sitePublishes = new Map<string, number>();
  let loseWrites = 0;
  let hangs = 0;
  const hung: ServerResponse[] = [];
  let url = '';
  const store = new WebflowFakeStore(options.sites, () => clock.now(), (fileId, name) => `${url}/cdn/${fileId}_${encodeURIComponent(name)}`);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { code: 'internal_error', message: String(err), externalReference: null, details: [] }, {});
      });
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    res.statusCode = status;
    res.setHeader('Date', new Date(clock.now()).toUTCString());
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (status === 204 || body === undefined) {
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }

  const errorBody = (code: string, message: string, details: unknown[] = []) => ({ code, message, externalReference: null, details });

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const at = clock.now();
    const method = req.method ?? 'GET';
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string[]> = {};
    for (const [k, v] of parsed.searchParams) (query[k] ??= []).push(v);
    let body: unknown;
    let status = 200;
    let itemCount: number | undefined;
    const authorization = req.headers.authorization;
    const rateHeaders: Record<string, string> = {};
    const log = () => requests.push({
      at, method, path: parsed.pathname, query, body, status,
      ...(itemCount !== undefined ? { itemCount } : {}),
      ...(authorization !== undefined ? { authorization } : {}),
    });
    const reply = (s: number, b: unknown, h: Record<string, string> = {}) => {
      status = s;
      log();
      send(res, s, b, { ...rateHeaders, ...h });
    };

    if (parsed.pathname.startsWith('/cdn/')) {
      log();
      res.end('fake image');
      return;
    }
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return reply(400, errorBody('bad_request', 'Request body is not valid JSON'));
    }
    if (hangs > 0) {
      hangs--;
      status = 0;
      log();
      hung.push(res);
      return;
    }
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token || !tokens.has(token)) return reply(401, errorBody('not_authorized', 'Request not authorized'));

    const limit = rateLimit || undefined;
    const perMinute = limit?.perMinute ?? defaultLimit.perMinute;
    const sent = budgets.get(token) ?? [];
    budgets.set(token, sent);
    const windowMs = limit?.windowMs ?? 60_000;
    while (sent.length > 0 && sent[0]! <= at - windowMs) sent.shift();
    if (limit && sent.length >= perMinute) {
      rateHeaders['X-RateLimit-Limit'] = String(perMinute);
      rateHeaders['X-RateLimit-Remaining'] = '0';
      return reply(429, errorBody('too_many_requests', 'Too Many Requests'), { 'Retry-After': String(limit.retryAfterSec ?? 60) });
    }
    sent.push(at);
    rateHeaders['X-RateLimit-Limit'] = String(perMinute);
    rateHeaders['X-RateLimit-Remaining'] = String(Math.max(0, perMinute - sent.length));

    const faultIndex = faults.findIndex((f) => f.fault.method === undefined || f.fault.method === method);
    if (faultIndex >= 0) {
      const f = faults[faultIndex]!;
      if (--f.left <= 0) faults.splice(faultIndex, 1);
      return reply(f.fault.status, f.fault.body ?? defaultFaultBody(f.fault.status), { ...(f.fault.headers ?? {}) });
    }

    const seg = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const isWrite = method !== 'GET';
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
    try {
      if (seg[0] !== 'v2') throw notFound();
      if (seg[1] === 'sites' && seg[2] !== undefined) {
        const siteId = seg[2];
        const siteCollections = [...store.collections.values()].filter((c) => c.siteId === siteId);
        if (!(siteId in options.sites)) throw notFound();
        if (seg[3] === 'collections' && seg.length === 4 && method === 'GET') {
          return reply(200, {
            collections: siteCollections.map((c) => ({
              id: c.id, displayName: c.displayName, singularName: c.singularName, slug: c.slug,
              createdOn: new Date(c.createdOn).toISOString(), lastUpdated: new Date(c.createdOn).toISOString(),
            })),
          });
        }
        if (seg[3] === 'publish' && seg.length === 4 && method === 'POST') {
          const last = sitePublishes.get(siteId);
          if (last !== undefined && at - last < 60_000) return reply(429, errorBody('too_many_requests', 'Site publish is limited to one per minute'), { 'Retry-After': '60' });
          sitePublishes.set(siteId, at);
          store.publishSite(siteId);
          return reply(202, { customDomains: [], publishToWebflowSubdomain: true });
        }
        throw notFound();
      }
      if (seg[1] !== 'collections' || seg[2] === undefined) throw notFound();
      const c = store.collection(seg[2]);
      if (seg.length === 3) {
        if (method === 'GET') return reply(200, store.schema(c));
        throw notFound();
      }
      if (seg[3] !== 'items') throw notFound();
      const rest = seg.slice(4);
      const b = (body ?? {}) as { items?: ItemInput[]; fieldData?: unknown; itemIds?: string[]; isDraft?: boolean; isArchived?: boolean };
      const itemsOf = (): ItemInput[] => {
        if (!Array.isArray(b.items)) throw new WebflowFakeError(400, 'validation_error', 'Validation Error', [{ param: 'items', description: 'Required' }]);
        itemCount = b.items.length;
        return b.items;
      };
      const ids = (): string[] => itemsOf().map((i) => String(i.id));
      const view = (which: 'staged' | 'live') => (i: Parameters<typeof store.toApi>[0]) => store.toApi(i, which);

      if (rest.length === 0 || (rest.length === 1 && rest[0] === 'live')) {
        const live = rest[0] === 'live';
        if (method === 'GET') return reply(200, store.list(c, live ? 'live' : 'staged', parsed.searchParams, options.ignoreListFilters === true));
        if (method === 'POST') {
          if (Array.isArray(b.items)) return finishWrite(200, { items: store.create(c, itemsOf(), { live }).map(view(live ? 'live' : 'staged')) });
          itemCount = 1;
          const [item] = store.create(c, [b as ItemInput], { live });
          return finishWrite(200, view(live ? 'live' : 'staged')(item!));
        }
        if (method === 'PATCH') return finishWrite(200, { items: store.update(c, itemsOf(), { live }).map(view(live ? 'live' : 'staged')) });
        if (method === 'DELETE') {
          if (live) store.unpublish(c, ids());
          else store.deleteStaged(c, ids(), keepLive);
          return finishWrite(204, undefined);
        }
      }
      if (rest.length === 1 && rest[0] === 'publish' && method === 'POST') {
        const list = Array.isArray(b.itemIds) ? b.itemIds : ids();
        itemCount = list.length;
        return finishWrite(202, store.publishItems(c, list));
      }
      if (rest.length === 1 && rest[0] === 'bulk' && method === 'POST') {
        const datas = Array.isArray(b.fieldData) ? b.fieldData : [b.fieldData ?? {}];
        itemCount = datas.length;
        const flags = { ...(b.isDraft !== undefined ? { isDraft: b.isDraft } : {}), ...(b.isArchived !== undefined ? { isArchived: b.isArchived } : {}) };
        const created = store.create(c, datas.map((fieldData) => ({ ...flags, fieldData: fieldData as Record<string, unknown> })), { live: false });
        return finishWrite(200, { items: created.map(view('staged')) });
      }
      if (rest.length >= 1 && rest.length <= 2 && (rest.length === 1 || rest[1] === 'live')) {
        const id = rest[0]!;
        const live = rest[1] === 'live';
        const item = c.items.get(id);
        if (!item || (!live && item.stagedDeleted) || (live && method === 'GET' && item.live === null)) throw notFound();
        if (method === 'GET') return reply(200, store.toApi(item, live ? 'live' : 'staged'));
        itemCount = 1;
        if (method === 'PATCH') {
          const [updated] = store.update(c, [{ ...(b as ItemInput), id }], { live });
          return finishWrite(200, store.toApi(updated!, live ? 'live' : 'staged'));
        }
        if (method === 'DELETE') {
          if (live) store.unpublish(c, [id]);
          else store.deleteStaged(c, [id], keepLive);
          return finishWrite(204, undefined);
        }
      }
      throw notFound();
    } catch (err) {
      if (err instanceof WebflowFakeError) return reply(err.status, errorBody(err.code, err.message, err.details));
      throw err;
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const coll = (slugOrId: string): Collection => store.collection(slugOrId);
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung.splice(0)) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    collectionId: (slugOrId) => coll(slugOrId).id,
    optionId: (collection, field, name) => {
      const f = coll(collection).fields.find((x) => x.slug === field);
      const option = f?.options.find((o) => o.name === name);
      if (!option) throw new Error(`no option ${name} on ${field}`);
      return option.id;
    },
    items: (collection) => [...coll(collection).items.values()].filter((i) => !i.stagedDeleted).map((i) => store.toApi(i)),
    liveItems: (collection) => [...coll(collection).items.values()].filter((i) => i.live !== null).map((i) => store.toApi(i, 'live')),
    get: (collection, id) => {
      const i = coll(collection).items.get(id);
      return i && !i.stagedDeleted ? store.toApi(i) : undefined;
    },
    insert: (collection, fieldData, flags = {}) => store.toApi(store.create(coll(collection), [{ ...flags, fieldData }], { live: false })[0]!),
    edit: (collection, id, fieldData, flags = {}) => store.toApi(store.update(coll(collection), [{ ...flags, id, fieldData }], { live: false })[0]!),
    remove: (collection, id) => store.deleteStaged(coll(collection), [id], keepLive),
    publishSite: (siteId) => store.publishSite(siteId),
    fail: (fault) => {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    loseNextWriteResponse: () => {
      loseWrites++;
    },
    hangNext: () => {
      hangs++;
    },
    setRateLimit: (limit) => {
      rateLimit = limit === undefined ? defaultLimit : limit;
      budgets.clear();
    },
  };
}

function defaultFaultBody(status: number): unknown {
  const body = (code: string, message: string) => ({ code, message, externalReference: null, details: [] });
  if (status === 429) return body('too_many_requests', 'Too Many Requests');
  if (status >= 500) return body('internal_error', 'Internal Server Error');
  if (status === 401) return body('not_authorized', 'Request not authorized');
  if (status === 403) return body('missing_scopes', 'OAuthForbidden: missing scopes');
  if (status === 409) return body('conflict', 'Conflict with server data');
  return body('bad_request', 'Bad Request');
}
