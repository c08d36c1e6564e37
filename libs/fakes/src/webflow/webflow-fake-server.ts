import { FakeRateWindows, startFakeHttpServer, tokenScope } from '../http/fake-http-server.js';
import type {
  FakeArrivalInfo, FakeArrivalVerdict, FakeExchange, FakeFault, FakeHttpRequest, FakeHttpServer, FakeLatency,
} from '../http/fake-http-server.js';
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
   * Per-token budget, counted when a request's headers arrive: a request arriving when `perMinute`
   * admitted requests of its token (foreign usage included) arrived at `t >= at - windowMs`
   * (closed window) → 429 with `Retry-After: retryAfterSec`, not counted. Every other request
   * counts, whatever it is answered afterwards. X-RateLimit-Limit and X-RateLimit-Remaining
   * (computed at arrival) are on every authenticated response. `false` disables the 429s (the
   * requests are still counted and the headers sent, with the default numbers).
   * @defaultValue { perMinute: 60, windowMs: 60000, retryAfterSec: 60 }
   */
  readonly rateLimit?: WebflowFakeRateLimit | false;
  /** Time source for item times, arrival times, the Date header and the limiter. @defaultValue Date.now */
  readonly clock?: { now(): number };
  /**
   * Delay before each response, uniform in [minMs, maxMs] per request (real time, not `clock`);
   * a write is applied before it. Changeable with `setLatency`. @defaultValue undefined (none)
   */
  readonly latency?: FakeLatency;
  /**
   * Deleting the staged copy of a published item leaves the live copy until the next site
   * publish (a v1-era report; UNCONFIRMED for v2). @defaultValue true
   */
  readonly deleteKeepsLive?: boolean;
  /** Emulate a server that ignores the list filters and sort (tests the adapter's fallback). @defaultValue false */
  readonly ignoreListFilters?: boolean;
}

/** The fake's per-token budget (see {@link WebflowFakeOptions.rateLimit}). */
export interface WebflowFakeRateLimit {
  /** Requests per window per token (Webflow: 60 or 120 a minute by plan). */
  readonly perMinute: number;
  /** @defaultValue 60000 */
  readonly windowMs?: number;
  /** The 429's `Retry-After`, in seconds. @defaultValue 60 */
  readonly retryAfterSec?: number;
}

/** One request the fake received, as it answered it. */
export interface WebflowFakeRequest extends FakeHttpRequest {
  /** Items in a bulk request's body. */
  readonly itemCount?: number;
}

/** A canned failure for the next matching request(s); without a body, Webflow's usual one for the status. */
export type WebflowFakeFault = FakeFault;

/** A running Webflow fake: the shared server controls (url, requests, faults, close) and its data. */
export interface WebflowFake extends FakeHttpServer<WebflowFakeRequest> {
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
  /** Replaces the budget (undefined: the default) and forgets every token's window. */
  setRateLimit(limit: WebflowFakeOptions['rateLimit']): void;
  /**
   * Another client of the same token sent `n` requests now (`clock.now()`): they count in the
   * token's window and its X-RateLimit-Remaining, and appear in `arrivals` as `foreign`, not in
   * `requests`. Like any client's, those over the budget would get 429 and are not counted.
   * @returns how many of them were counted
   */
  addForeignUsage(token: string, n: number): number;
  /** The reports' scope of a token: `token:<index in options.tokens>`, never the token. */
  tokenScope(token: string): string;
}

/**
 * Starts a local Webflow Data API v2 (CMS) emulator on 127.0.0.1, per the "Emulator checklist"
 * of shared/reference/saas-apis.md: 24-hex ids, ms timestamps, staged and live copies, drafts and
 * archive flags, all-or-nothing bulk requests of ≤100 (decided: the real behaviour is unconfirmed),
 * validation_error bodies with one detail per problem, unique slugs, Option ids, existing
 * references, lastUpdated filters and sort, per-token budget counted at arrival with X-RateLimit
 * headers. The HTTP plumbing (auth, request log, arrival hook and reports, latency, faults) is
 * `startFakeHttpServer` of `@syncframe/fakes` (http/fake-http-server.ts).
 */
export async function startWebflowFake(options: WebflowFakeOptions): Promise<WebflowFake> {
  const clock = options.clock ?? { now: () => Date.now() };
  const defaultLimit = { perMinute: 60, windowMs: 60_000, retryAfterSec: 60 };
  let rateLimit: WebflowFakeRateLimit | false = options.rateLimit === undefined ? defaultLimit : options.rateLimit;
  const keepLive = options.deleteKeepsLive !== false;
  const windows = new FakeRateWindows();
  const sitePublishes = new Map<string, number>();
  let url = '';
  const store = new WebflowFakeStore(options.sites, () => clock.now(), (fileId, name) => `${url}/cdn/${fileId}_${encodeURIComponent(name)}`);

  const errorBody = (code: string, message: string, details: unknown[] = []) => ({ code, message, externalReference: null, details });

  /** The budget now: the limit (undefined when disabled), and the numbers the headers and the window use. */
  const budget = () => {
    const limit = rateLimit || undefined;
    return {
      limit,
      perMinute: limit?.perMinute ?? defaultLimit.perMinute,
      windowMs: limit?.windowMs ?? defaultLimit.windowMs,
    };
  };

  /** The limiter, at arrival: the token's closed window, and the X-RateLimit headers it implies. */
  function onArrival({ at, token }: FakeArrivalInfo): FakeArrivalVerdict {
    const scope = tokenScope(options.tokens, token);
    const { limit, perMinute, windowMs } = budget();
    const used = windows.count(scope, at, windowMs);
    if (limit && used >= perMinute) {
      return {
        scopes: [scope],
        headers: { 'X-RateLimit-Limit': String(perMinute), 'X-RateLimit-Remaining': '0' },
        reject: {
          status: 429,
          body: errorBody('too_many_requests', 'Too Many Requests'),
          headers: { 'Retry-After': String(limit.retryAfterSec ?? defaultLimit.retryAfterSec) },
        },
      };
    }
    windows.add(scope, at);
    return {
      scopes: [scope],
      headers: { 'X-RateLimit-Limit': String(perMinute), 'X-RateLimit-Remaining': String(Math.max(0, perMinute - used - 1)) },
    };
  }

  function handle(ex: FakeExchange): void {
    const { at, method, body, url: parsed } = ex;
    const reply = ex.reply;
    const finishWrite = ex.replyToWrite;
    if (ex.replyWithFault()) return;

    const seg = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
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
      ex.count = b.items.length;
      return b.items;
    };
    const ids = (): string[] => itemsOf().map((i) => String(i.id));
    const view = (which: 'staged' | 'live') => (i: Parameters<typeof store.toApi>[0]) => store.toApi(i, which);

    if (rest.length === 0 || (rest.length === 1 && rest[0] === 'live')) {
      const live = rest[0] === 'live';
      if (method === 'GET') return reply(200, store.list(c, live ? 'live' : 'staged', parsed.searchParams, options.ignoreListFilters === true));
      if (method === 'POST') {
        if (Array.isArray(b.items)) return finishWrite(200, { items: store.create(c, itemsOf(), { live }).map(view(live ? 'live' : 'staged')) });
        ex.count = 1;
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
      ex.count = list.length;
      return finishWrite(202, store.publishItems(c, list));
    }
    if (rest.length === 1 && rest[0] === 'bulk' && method === 'POST') {
      const datas = Array.isArray(b.fieldData) ? b.fieldData : [b.fieldData ?? {}];
      ex.count = datas.length;
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
      ex.count = 1;
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
  }

  const server = await startFakeHttpServer({
    ...(options.port !== undefined ? { port: options.port } : {}),
    clock,
    tokens: options.tokens,
    countField: 'itemCount',
    ...(options.latency !== undefined ? { latency: options.latency } : {}),
    onArrival,
    files: { prefix: '/cdn/', text: 'fake image' },
    unauthorizedBody: errorBody('not_authorized', 'Request not authorized'),
    invalidJsonBody: errorBody('bad_request', 'Request body is not valid JSON'),
    faultBody: defaultFaultBody,
    errorReply: (err) => (err instanceof WebflowFakeError ? { status: err.status, body: errorBody(err.code, err.message, err.details) } : undefined),
    internalErrorBody: (err) => errorBody('internal_error', String(err)),
    handle,
  });
  url = server.url;

  const coll = (slugOrId: string): Collection => store.collection(slugOrId);
  const data: Omit<WebflowFake, keyof FakeHttpServer<WebflowFakeRequest>> = {
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
    setRateLimit: (limit) => {
      rateLimit = limit === undefined ? defaultLimit : limit;
      windows.clear();
    },
    addForeignUsage: (token, n) => {
      if (!options.tokens.includes(token)) throw new Error('addForeignUsage: not one of the fake\'s tokens');
      const scope = tokenScope(options.tokens, token);
      const at = clock.now();
      const { limit, perMinute, windowMs } = budget();
      let counted = 0;
      for (; counted < n; counted++) {
        if (limit && windows.count(scope, at, windowMs) >= perMinute) break;
        windows.add(scope, at);
        server.arrivals.push({ at, scopes: [scope], admitted: true, status: 0, foreign: true });
      }
      return counted;
    },
    tokenScope: (token) => tokenScope(options.tokens, token),
  };
  // Assigned onto the server, not spread into a copy: its `rateLimited` is a live getter.
  return Object.assign(server, data);
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
