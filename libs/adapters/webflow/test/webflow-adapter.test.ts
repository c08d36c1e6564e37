import { describe, expect, it } from 'vitest';
import {
  AuthError, BatchRejectedError, ConfigError, PermanentError, RateLimitedError, RetryableError, SlidingLog, SlidingWindowThrottle,
  START_CURSOR,
} from '@syncframe/engine';
import type { SyncRecord, WriteOp } from '@syncframe/engine';
import { WEBFLOW_DEFAULT_THROTTLE, decodeWebflowCursor, slugify } from '../src/index.js';
import type { WebflowFake } from '@syncframe/fakes';
import { SITE_ID, TOKEN, createWebflowAdapter, designerFields, webflowSetup } from './webflow-fixtures.js';
import { itKeepsApiUrlPasswordOutOfErrors, setupPerTest, writeAcrossRunAbort } from '../../test/adapter-test-fixtures.js';
import { callOptions, caught, expectNoSecret, manualClock, memoryLogger, pullAll } from '@syncframe/test-kit';

/** The running test's fake, closed after it. */
let fake: WebflowFake | undefined;
const setup = setupPerTest(webflowSetup, createWebflowAdapter, (f) => (fake = f));

const itemRequests = (f: WebflowFake, method = 'GET') => f.requests.filter((r) => r.method === method && r.path.endsWith('/items'));

/** A fetch that runs `hooks.get(n)` just before the n-th item list request (1-based) is sent. */
function beforeListRequest(hooks: ReadonlyMap<number, () => void>): typeof fetch {
  let lists = 0;
  return (input, init) => {
    const url = new URL(String(input));
    if ((init?.method ?? 'GET') === 'GET' && url.pathname.endsWith('/items')) hooks.get(++lists)?.();
    return fetch(input, init);
  };
}

/**
 * Every item the fake holds was delivered as it is now, and the final cursor skips nothing: its
 * `seen` holds every item at its time, so the next pull cannot lose one either.
 */
function expectEveryItemDelivered(pages: readonly { records: readonly SyncRecord[]; cursor: { value: string | null } }[]): void {
  const delivered = new Set(pages.flatMap((p) => p.records.map((r) => `${r.id}@${Date.parse(r.updatedAt)}`)));
  const missing = fake!.items('posts').filter((i) => !delivered.has(`${i.id}@${Date.parse(i.lastUpdated)}`));
  expect(missing.map((i) => i.fieldData.name)).toEqual([]);
  const state = decodeWebflowCursor(pages.at(-1)!.cursor);
  expect(state.t).not.toBeNull();
  // (`seen` may also keep ids delivered at `t` and edited or deleted since: they never match again.)
  const atT = fake!.items('posts').filter((i) => Date.parse(i.lastUpdated) === Date.parse(state.t!)).map((i) => i.id);
  expect(atT.filter((id) => !(id in state.seen))).toEqual([]);
}
const creates = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})): WriteOp[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'create', fields: { name: `Post ${i}`, ...extra(i) } }));

describe('WebflowAdapter: identity and options', () => {
  it('exposes ref, default throttle and a token-hash rate-limit key', async () => {
    const { adapter, postsId } = await setup();
    expect(adapter.ref).toEqual({ adapter: 'webflow', table: postsId });
    expect(adapter.defaultThrottle).toEqual({ max_reqs: 60, interval_sec: 60, batch_size: 100 });
    expect(WEBFLOW_DEFAULT_THROTTLE).toEqual(adapter.defaultThrottle);
    expect(adapter.rateLimitKey).toMatch(/^webflow:[0-9a-f]{16}$/);
    expect(adapter.rateLimitKey).not.toContain(TOKEN.slice(0, 8));
  });

  it('resolves a collection slug or display name through the site, once', async () => {
    const { options, postsId } = await setup();
    for (const collection of ['posts', 'Blog Posts']) {
      const adapter = createWebflowAdapter({ ...options, collection });
      expect(adapter.ref.table).toBe(collection);
      await pullAll(adapter, START_CURSOR);
      await pullAll(adapter, START_CURSOR);
    }
    const lookups = fake!.requests.filter((r) => r.path === `/v2/sites/${SITE_ID}/collections`);
    expect(lookups).toHaveLength(2); // one per adapter
    expect(fake!.requests.filter((r) => r.path === `/v2/collections/${postsId}`)).toHaveLength(2);
  });

  it('a name without site_id, or an unknown name, is a ConfigError', async () => {
    const { options } = await setup();
    const noSite = createWebflowAdapter({ ...options, collection: 'posts', creds: { token: TOKEN } });
    await expect(pullAll(noSite, START_CURSOR)).rejects.toBeInstanceOf(ConfigError);
    const unknown = createWebflowAdapter({ ...options, collection: 'nope' });
    const err = await caught(pullAll(unknown, START_CURSOR));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('found: authors, posts');
  });
});

describe('WebflowAdapter: pull', () => {
  it('pages through more than 100 items with limit 100, sorted by lastUpdated, keyset-paged', async () => {
    const clock = manualClock();
    const { adapter } = await setup({ clock });
    for (let i = 0; i < 250; i++) {
      fake!.insert('posts', designerFields({ name: `p${i}` }));
      clock.advance(10);
    }
    clock.advance(10_000);
    const pages = await pullAll(adapter, START_CURSOR);
    // Each page re-asks from the last item's time and drops that item by id.
    expect(pages.map((p) => p.records.length)).toEqual([100, 99, 51]);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.id))).size).toBe(250);
    const gets = itemRequests(fake!);
    expect(gets).toHaveLength(3);
    expect(gets.every((g) => g.query.limit?.[0] === '100' && g.query.sortBy?.[0] === 'lastUpdated' && g.query.sortOrder?.[0] === 'asc')).toBe(true);
    expect(gets[0]!.query['lastUpdated[gte]']).toBeUndefined();
    expect(gets[1]!.query['lastUpdated[gte]']).toEqual([pages[0]!.records[99]!.updatedAt]);
    expect(gets[1]!.query.offset).toEqual(['0']);
  });

  it('pages correctly when more than 100 items share one millisecond', async () => {
    const clock = manualClock();
    const { adapter } = await setup({ clock });
    for (let i = 0; i < 230; i++) fake!.insert('posts', designerFields({ name: `p${i}` }));
    clock.advance(10_000);
    const pages = await pullAll(adapter, START_CURSOR);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.id))).size).toBe(230);
    // A group larger than a page is paged by offset with an overlap of one checked item.
    expect(itemRequests(fake!).map((g) => g.query.offset?.[0])).toEqual(['0', '99', '198']);
  });

  it('an item edited mid-pull (moving to the end of the order) does not hide another one', async () => {
    const clock = manualClock();
    const { adapter } = await setup({ clock });
    for (let i = 0; i < 150; i++) {
      fake!.insert('posts', designerFields({ name: `p${i}` }));
      clock.advance(10);
    }
    clock.advance(10_000);
    const iterator = adapter.pull(START_CURSOR, callOptions())[Symbol.asyncIterator]();
    const seen = new Set<string>();
    const first = await iterator.next();
    first.value.records.forEach((r: SyncRecord) => seen.add(r.id));
    fake!.edit('posts', first.value.records[10].id, { text: 'edited' });
    for (let page = await iterator.next(); !page.done; page = await iterator.next()) page.value.records.forEach((r: SyncRecord) => seen.add(r.id));
    expect(seen.size).toBe(150);
  });

  it('an item of the last page\'s millisecond edited between pages does not shift an unseen one out of view (keyset by id)', async () => {
    const clock = manualClock();
    const hooks = new Map<number, () => void>();
    const { adapter } = await setup({ clock }, { fetch: beforeListRequest(hooks) });
    for (let i = 0; i < 50; i++) {
      fake!.insert('posts', designerFields({ name: `early${i}` }));
      clock.advance(10);
    }
    const group = Array.from({ length: 80 }, (_, i) => fake!.insert('posts', designerFields({ name: `bulk${i}` }))); // one millisecond
    for (let i = 0; i < 30; i++) {
      clock.advance(10);
      fake!.insert('posts', designerFields({ name: `late${i}` }));
    }
    clock.advance(10_000);
    // Page 1 delivers the 50 early items and group[0..49]; then a person edits group[0] (≥1 s later).
    hooks.set(2, () => {
      clock.advance(1_000);
      fake!.edit('posts', group[0]!.id, { text: 'edited' });
    });
    const pages = await pullAll(adapter, START_CURSOR);
    expectEveryItemDelivered(pages);
    expect(itemRequests(fake!)[1]!.query.offset).toEqual(['0']);
  });

  it('a group of one millisecond larger than a page survives edits and deletes of items already seen', async () => {
    const clock = manualClock();
    const hooks = new Map<number, () => void>();
    const { adapter } = await setup({ clock }, { fetch: beforeListRequest(hooks) });
    const group = Array.from({ length: 250 }, (_, i) => fake!.insert('posts', designerFields({ name: `bulk${i}` })));
    clock.advance(10_000);
    hooks.set(2, () => {
      clock.advance(1_000);
      fake!.edit('posts', group[5]!.id, { text: 'edited' });
      fake!.remove('posts', group[7]!.id);
    });
    hooks.set(4, () => fake!.edit('posts', group[120]!.id, { text: 'edited too' }));
    const pages = await pullAll(adapter, START_CURSOR);
    expectEveryItemDelivered(pages);
    expect(pages.flatMap((p) => p.records).find((r) => r.id === group[7]!.id)?.deleted ?? false).toBe(false);
  });

  it('pulls incrementally with lastUpdated[gte] and never skips a change in the cursor\'s millisecond', async () => {
    const clock = manualClock('2026-03-01T10:00:00.000Z');
    const { adapter } = await setup({ clock });
    const a = fake!.insert('posts', designerFields({ name: 'a', text: 'one' }));
    const b = fake!.insert('posts', designerFields({ name: 'b' }));
    clock.advance(5_000);
    const cursor = (await pullAll(adapter, START_CURSOR)).at(-1)!.cursor;
    const state = decodeWebflowCursor(cursor);
    expect(state.t).toBe('2026-03-01T10:00:00.000Z');
    expect(Object.keys(state.seen).sort()).toEqual([a.id, b.id].sort());

    clock.set('2026-03-01T10:00:00.000Z'); // the same millisecond
    fake!.edit('posts', a.id, { text: 'two' });
    const c = fake!.insert('posts', designerFields({ name: 'c' }));
    clock.set('2026-03-01T10:00:09.000Z');
    const next = await pullAll(adapter, cursor);
    const got = next.flatMap((p) => p.records);
    expect(got.map((r) => r.id).sort()).toEqual([a.id, c.id].sort());
    expect(got.find((r) => r.id === a.id)!.fields.text).toBe('two');
    expect(itemRequests(fake!).at(-1)!.query['lastUpdated[gte]']).toEqual(['2026-03-01T10:00:00.000Z']);
    expect((await pullAll(adapter, next.at(-1)!.cursor)).flatMap((p) => p.records)).toEqual([]);
  });

  it('keeps the cursor a settle window behind the server clock', async () => {
    const clock = manualClock('2026-03-01T10:00:00.000Z');
    const { adapter } = await setup({ clock });
    fake!.insert('posts', designerFields({ name: 'a' }));
    clock.advance(1_000); // the item is only 1 s old: newer than the 2 s settle window
    const pages = await pullAll(adapter, START_CURSOR);
    expect(pages.flatMap((p) => p.records)).toHaveLength(1);
    expect(decodeWebflowCursor(pages.at(-1)!.cursor).t).toBeNull();
  });

  it('falls back to a full scan, skipping unchanged items in memory, when the server ignores the filter', async () => {
    const clock = manualClock();
    const logger = memoryLogger();
    const { adapter } = await setup({ clock, ignoreListFilters: true }, { logger });
    const items = Array.from({ length: 120 }, (_, i) => fake!.insert('posts', designerFields({ name: `p${i}` })));
    clock.advance(10_000);
    const first = await pullAll(adapter, START_CURSOR);
    expect(new Set(first.flatMap((p) => p.records.map((r) => r.id))).size).toBe(120);
    clock.advance(10_000);
    fake!.edit('posts', items[7]!.id, { text: 'changed' });
    clock.advance(10_000);
    const second = await pullAll(adapter, first.at(-1)!.cursor);
    expect(second.flatMap((p) => p.records.map((r) => r.id))).toEqual([items[7]!.id]);
    expect(logger.lines.some((l) => l.level === 'warn' && /full scan/.test(l.msg ?? ''))).toBe(true);
  });

  it('normalizes fieldData: slugs as keys, Switch absent → false, Option ids, references, images', async () => {
    const { adapter } = await setup();
    const author = fake!.insert('authors', designerFields({ name: 'Ann' }));
    const done = fake!.optionId('posts', 'status', 'Done');
    const item = fake!.insert('posts', designerFields({
      name: 'Hello', status: done, author: author.id, cover: { url: 'https://example.com/c.jpg', alt: 'Cover' }, text: '',
    }));
    const [record] = (await pullAll(adapter, START_CURSOR)).flatMap((p) => p.records);
    expect(record!.id).toBe(item.id);
    expect(record!.fields).toEqual({
      name: 'Hello', slug: item.fieldData.slug, status: done, author: author.id, featured: false,
      cover: { url: expect.stringContaining(`${fake!.url}/cdn/`), alt: 'Cover' },
    });
  });

  it('archived items are pulled as deleted', async () => {
    const { adapter } = await setup();
    const item = fake!.insert('posts', designerFields({ name: 'old' }), { isArchived: true });
    const [record] = (await pullAll(adapter, START_CURSOR)).flatMap((p) => p.records);
    expect(record).toMatchObject({ id: item.id, deleted: true });
  });
});

describe('WebflowAdapter: writes', () => {
  it('sends up to 100 items in one bulk request and refuses more', async () => {
    const { adapter } = await setup();
    const results = await adapter.write(creates(100), callOptions());
    expect(results.every((r) => r.ok)).toBe(true);
    expect(itemRequests(fake!, 'POST').map((r) => r.itemCount)).toEqual([100]);
    const err = await caught(adapter.write(creates(101), callOptions()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(itemRequests(fake!, 'POST')).toHaveLength(1);
  });

  it('generates slugs from names when the mapper gives none, and fixes invalid ones', async () => {
    const { adapter } = await setup();
    const results = await adapter.write([
      { kind: 'create', fields: { name: 'Héllo, World!  2026' } },
      { kind: 'create', fields: { name: 'Given', slug: 'my-own-slug' } },
      { kind: 'create', fields: { name: 'Bad', slug: 'Not A Slug' } },
    ], callOptions());
    expect(results.map((r) => (r.ok ? r.record.fields.slug : r.reason))).toEqual(['hello-world-2026', 'my-own-slug', 'not-a-slug']);
    expect(slugify('--Ça va?--')).toBe('ca-va');
    expect(slugify('!!!')).toBe('item');
  });

  it('a duplicate slug fails that record alone, and rejects a bulk batch so the engine can isolate it', async () => {
    const { adapter } = await setup();
    fake!.insert('posts', designerFields({ name: 'Taken', slug: 'taken' }));
    const [alone] = await adapter.write([{ kind: 'create', fields: { name: 'Taken' } }], callOptions());
    expect(alone).toEqual({ ok: false, reason: expect.stringContaining("Unique value is already in database: 'taken'") });
    const err = await caught(adapter.write([...creates(3), { kind: 'create', fields: { name: 'Taken' } }], callOptions()));
    expect(err).toBeInstanceOf(BatchRejectedError);
    expect(fake!.items('posts')).toHaveLength(1); // all or nothing
  });

  it('an unknown field is a PermanentError naming it, before any request', async () => {
    const { adapter } = await setup();
    await pullAll(adapter, START_CURSOR); // schema loaded
    const before = fake!.requests.length;
    const err = await caught(adapter.write([{ kind: 'create', fields: { name: 'x', ListingId: 3 } }], callOptions()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('"ListingId"');
    expect(fake!.requests.length).toBe(before);
  });

  it('a server-side "Field not described in schema" is a PermanentError naming the fields', async () => {
    const { adapter } = await setup();
    await pullAll(adapter, START_CURSOR);
    fake!.fail({
      status: 400,
      body: { code: 'validation_error', message: 'Validation Error', externalReference: null, details: [{ param: 'ListingId', description: 'Field not described in schema: undefined' }] },
    });
    const err = await caught(adapter.write(creates(2), callOptions()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).not.toBeInstanceOf(BatchRejectedError);
    expect(err.message).toContain('"ListingId"');
  });

  it('a wrong option id or a missing reference fails the record', async () => {
    const { adapter } = await setup();
    const [option] = await adapter.write([{ kind: 'create', fields: { name: 'o', status: 'not-an-option' } }], callOptions());
    expect(option).toEqual({ ok: false, reason: expect.stringContaining('status') });
    const [ref] = await adapter.write([{ kind: 'create', fields: { name: 'r', author: '0123456789abcdef01234567' } }], callOptions());
    expect(ref).toEqual({ ok: false, reason: expect.stringContaining('author') });
  });

  it('staged writes leave the live site alone; created items are queued (isDraft false)', async () => {
    const { adapter } = await setup();
    const [r] = await adapter.write(creates(1), callOptions());
    expect(r!.ok).toBe(true);
    expect(fake!.items('posts')[0]).toMatchObject({ isDraft: false, lastPublished: null });
    expect(fake!.liveItems('posts')).toHaveLength(0);
    expect(itemRequests(fake!, 'POST')).toHaveLength(1);
    fake!.publishSite(SITE_ID);
    expect(fake!.liveItems('posts')).toHaveLength(1);
  });

  it("publish: 'live' writes through /items/live: created and updated items are on the site at once", async () => {
    const { adapter } = await setup({}, { publish: 'live' });
    const [r] = await adapter.write(creates(1), callOptions());
    if (!r!.ok) throw new Error(r!.reason);
    expect(fake!.requests.some((q) => q.method === 'POST' && q.path.endsWith('/items/live'))).toBe(true);
    expect(fake!.liveItems('posts').map((i) => i.fieldData.name)).toEqual(['Post 0']);
    await adapter.write([{ kind: 'update', id: r!.record.id, fields: { text: 'live edit' } }], callOptions());
    expect(fake!.liveItems('posts')[0]!.fieldData.text).toBe('live edit');
    expect(fake!.requests.some((q) => q.method === 'PATCH' && q.path.endsWith('/items/live'))).toBe(true);
  });

  it("publish: 'live' update of a never-published draft updates it staged and keeps it a draft", async () => {
    const { adapter } = await setup({}, { publish: 'live' });
    const draft = fake!.insert('posts', designerFields({ name: 'draft' }));
    const live = fake!.insert('posts', designerFields({ name: 'live' }), { isDraft: false });
    fake!.publishSite(SITE_ID);
    const results = await adapter.write([
      { kind: 'update', id: draft.id, fields: { text: 'x' } },
      { kind: 'update', id: live.id, fields: { text: 'y' } },
    ], callOptions());
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(fake!.get('posts', draft.id)).toMatchObject({ isDraft: true, fieldData: { text: 'x' } });
    expect(fake!.liveItems('posts').map((i) => [i.fieldData.name, i.fieldData.text])).toEqual([['live', 'y']]);
    const publish = fake!.requests.find((q) => q.path.endsWith('/items/publish'))!;
    expect(publish.body).toEqual({ itemIds: [live.id] });
  });

  it('soft delete archives (and in live mode unpublishes); hard delete DELETEs', async () => {
    const soft = await setup({}, { publish: 'live' });
    const [created] = await soft.adapter.write(creates(1), callOptions());
    const id = created!.ok ? created!.record.id : '';
    const [deleted] = await soft.adapter.write([{ kind: 'delete', id }], callOptions());
    expect(deleted).toMatchObject({ ok: true, record: { id, deleted: true } });
    expect(fake!.get('posts', id)).toMatchObject({ isArchived: true });
    expect(fake!.liveItems('posts')).toHaveLength(0);
    await fake!.close();

    const hard = await setup({}, { hard_delete: true });
    const [c2] = await hard.adapter.write(creates(2), callOptions());
    const id2 = c2!.ok ? c2!.record.id : '';
    expect(await hard.adapter.write([{ kind: 'delete', id: id2 }], callOptions())).toMatchObject([{ ok: true, record: { id: id2, deleted: true } }]);
    expect(fake!.get('posts', id2)).toBeUndefined();
    const del = fake!.requests.find((q) => q.method === 'DELETE')!;
    expect(del.body).toEqual({ items: [{ id: id2 }] });
    // Already gone: the delete's goal holds.
    expect(await hard.adapter.write([{ kind: 'delete', id: id2 }], callOptions())).toMatchObject([{ ok: true }]);
  });

  it('images: the write result equals the next pull, and re-sending the hosted URL keeps the file', async () => {
    const { adapter } = await setup();
    const [r] = await adapter.write([{ kind: 'create', fields: { name: 'img', cover: { url: 'https://example.com/a/photo.png', alt: 'A photo' }, gallery: [{ url: 'https://example.com/1.png' }] } }], callOptions());
    if (!r!.ok) throw new Error(r!.reason);
    const cover = r!.record.fields.cover as { url: string; alt: string };
    expect(cover).toEqual({ url: expect.stringContaining(`${fake!.url}/cdn/`), alt: 'A photo' });
    expect(r!.record.fields.gallery).toEqual([{ url: expect.stringContaining('/cdn/') }]);
    const pulled = (await pullAll(adapter, START_CURSOR)).flatMap((p) => p.records).find((x) => x.id === r!.record.id)!;
    expect(pulled.fields).toEqual(r!.record.fields);
    const [u] = await adapter.write([{ kind: 'update', id: r!.record.id, fields: { cover } }], callOptions());
    expect(u!.ok && u!.record.fields.cover).toEqual(cover);
  });

  it('Switch false is written and read as false', async () => {
    const { adapter } = await setup();
    const [r] = await adapter.write([{ kind: 'create', fields: { name: 's', featured: false } }, { kind: 'create', fields: { name: 't', featured: true } }], callOptions());
    expect(r).toMatchObject({ ok: true, record: { fields: { featured: false } } });
  });
});

describe('WebflowAdapter: findByField', () => {
  it('looks slugs up one request per value', async () => {
    const { adapter } = await setup();
    const a = fake!.insert('posts', designerFields({ name: 'A', slug: 'alpha' }));
    fake!.insert('posts', designerFields({ name: 'B', slug: 'beta' }));
    const found = await adapter.findByField('slug', ['alpha', 'gamma'], callOptions());
    expect(found.map((r) => r.id)).toEqual([a.id]);
    expect(itemRequests(fake!).map((g) => g.query.slug?.[0])).toEqual(['alpha', 'gamma']);
  });

  it('scans for other fields, and skips archived items', async () => {
    const { adapter } = await setup();
    const a = fake!.insert('posts', designerFields({ name: 'A', key: 'k1' }));
    fake!.insert('posts', designerFields({ name: 'B', key: 'k1' }), { isArchived: true });
    expect((await adapter.findByField('key', ['k1'], callOptions())).map((r) => r.id)).toEqual([a.id]);
  });
});

describe('WebflowAdapter: listing every id and reading by id (reconciliation)', () => {
  it('lists every id in creation order, 100 per page, archived and draft items included', async () => {
    const { adapter } = await setup();
    const made = Array.from({ length: 130 }, (_, i) => fake!.insert('posts', designerFields({ name: `p${i}` }), i === 3 ? { isArchived: true } : {}).id);
    const pages: string[][] = [];
    for await (const page of adapter.listIds(callOptions())) pages.push([...page]);
    expect(pages.map((p) => p.length)).toEqual([100, 30]);
    expect(pages.flat().sort()).toEqual([...made].sort());
    expect(itemRequests(fake!).map((g) => [g.query.offset?.[0], g.query.limit?.[0], g.query.sortBy?.[0]])).toEqual([['0', '100', 'createdOn'], ['100', '100', 'createdOn']]);
  });

  it('a failed page ends the listing with an error, never as a short last page', async () => {
    const { adapter } = await setup();
    for (let i = 0; i < 120; i++) fake!.insert('posts', designerFields({ name: `p${i}` }));
    const iterator = adapter.listIds(callOptions())[Symbol.asyncIterator]();
    await iterator.next();
    fake!.fail({ status: 500, times: 1 });
    expect(await caught(iterator.next())).toBeInstanceOf(RetryableError);
  });

  it('reads items by id, one GET each; a deleted one is absent, an archived one is there, flagged', async () => {
    const { adapter } = await setup();
    const a = fake!.insert('posts', designerFields({ name: 'A' }));
    const b = fake!.insert('posts', designerFields({ name: 'B' }));
    const c = fake!.insert('posts', designerFields({ name: 'C' }), { isArchived: true });
    fake!.remove('posts', b.id);
    const read = await adapter.readRecords([a.id, b.id, c.id], callOptions());
    expect(read.map((r) => [r.id, r.deleted])).toEqual([[a.id, false], [c.id, true]]);
    expect(read[0]!.fields).toMatchObject({ name: 'A' });
    expect(fake!.requests.filter((r) => r.method === 'GET' && /\/items\/[0-9a-f]{24}$/.test(r.path))).toHaveLength(3);
  });
});

describe('WebflowAdapter: errors', () => {
  it('401 is an AuthError naming side and job, never the token', async () => {
    const { options } = await setup();
    const adapter = createWebflowAdapter({ ...options, creds: { token: 'wf-WRONG-secret-token' } });
    const err = await caught(pullAll(adapter, START_CURSOR));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('"site"');
    expect(err.message).toContain('"job-1"');
    expectNoSecret(err, 'wf-WRONG-secret-token');
  });

  it('429 is a RateLimitedError with Retry-After, and responses carry X-RateLimit headers', async () => {
    const { adapter } = await setup({ rateLimit: { perMinute: 3, windowMs: 200, retryAfterSec: 60 } });
    let err: Error | undefined;
    for (let i = 0; i < 4 && !err; i++) err = await pullAll(adapter, START_CURSOR).then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(60_000);
    expect(err!.message).toContain('too_many_requests');
    await new Promise((r) => setTimeout(r, 250)); // the test window is 200 ms
    await expect(pullAll(adapter, START_CURSOR)).resolves.toBeDefined();
  });

  it('429 without Retry-After falls back to the 60 s penalty', async () => {
    const { adapter } = await setup();
    fake!.fail({ status: 429 });
    expect(((await caught(pullAll(adapter, START_CURSOR))) as RateLimitedError).retryAfterMs).toBe(60_000);
  });

  it('5xx, a timeout and a connection reset are RetryableErrors', async () => {
    const { adapter } = await setup({}, { timeoutMs: 150 });
    await pullAll(adapter, START_CURSOR);
    fake!.fail({ status: 500 });
    await expect(pullAll(adapter, START_CURSOR)).rejects.toBeInstanceOf(RetryableError);
    fake!.hangNext();
    const timeout = await caught(adapter.write(creates(1), callOptions()));
    expect(timeout).toBeInstanceOf(RetryableError);
    expect(timeout.message).toMatch(/timed out/);
    fake!.loseNextWriteResponse();
    const reset = await caught(adapter.write(creates(1, () => ({ name: 'lost' })), callOptions()));
    expect(reset).toBeInstanceOf(RetryableError);
    expectNoSecret(reset, TOKEN);
    expect(fake!.items('posts').map((i) => i.fieldData.name)).toContain('lost');
  });

  it('the run signal aborting while a write is in flight does not lose its result; a later write is not sent', async () => {
    const { results, laterError } = await writeAcrossRunAbort((fetch) => setup({}, { fetch }), creates(1, () => ({ name: 'kept' })), creates(1));
    expect(results).toEqual([{ ok: true, record: expect.objectContaining({ id: expect.any(String) }) }]);
    expect(fake!.items('posts').map((i) => i.id)).toEqual([(results[0] as { record: SyncRecord }).record.id]);
    expect(laterError.message).toBe('SIGTERM: grace period over');
    expect(itemRequests(fake!, 'POST')).toHaveLength(1);
  });

  itKeepsApiUrlPasswordOutOfErrors(setup, createWebflowAdapter);

  it('logs method, path, status and duration, never the token', async () => {
    const logger = memoryLogger();
    const { adapter } = await setup({}, { logger });
    await pullAll(adapter, START_CURSOR);
    const debug = logger.lines.filter((l) => l.level === 'debug');
    expect(debug.length).toBeGreaterThanOrEqual(2);
    expect(debug[0]!.obj).toMatchObject({ method: 'GET', status: 200, durationMs: expect.any(Number) });
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });
});

describe('WebflowAdapter: a token someone else uses too', () => {
  it("X-RateLimit-Remaining makes the throttle count the other client's requests: it waits instead of meeting a 429", async () => {
    const clock = manualClock();
    const { adapter } = await setup({ clock, rateLimit: { perMinute: 10, windowMs: 60_000, retryAfterSec: 60 } });
    fake!.addForeignUsage(TOKEN, 7);
    const log = new SlidingLog({ key: 'webflow:test', max_reqs: 10, interval_sec: 60, margin_ms: 0 });
    const throttle = new SlidingWindowThrottle([log], { now: () => clock.t, sleep: async (ms) => void (clock.t += ms) });
    await pullAll(adapter, START_CURSOR, { throttle });
    const ours = fake!.requests.length;
    // The answer said how many remain: our requests and the other client's 7 now count as used.
    expect(log.inUse(clock.t)).toBe(ours + 7);
    const start = clock.t;
    for (let i = 0; i < 3; i++) await pullAll(adapter, START_CURSOR, { throttle });
    expect(fake!.rateLimited).toBe(0);
    // One list request each (the collection's schema is fetched once); none was refused.
    expect(fake!.requests.length).toBe(ours + 3);
    // The budget ran out: the throttle waited for the window instead of being refused.
    expect(clock.t - start).toBeGreaterThanOrEqual(60_000);
  });
});

describe('WebflowAdapter: keys as Webflow stores them', () => {
  it('a slug Webflow would refuse is compared slugified, as it is stored; other fields and valid slugs as they are', async () => {
    const { adapter } = await setup();
    expect(adapter.storedKey('slug', 'Bad Slug!!')).toBe('bad-slug');
    expect(adapter.storedKey('slug', 'already-fine')).toBe('already-fine');
    expect(adapter.storedKey('name', 'Bad Slug!!')).toBe('Bad Slug!!');
    const [created] = await adapter.write([{ kind: 'create', fields: { name: 'X', slug: 'Bad Slug!!' } }], callOptions());
    expect(created).toMatchObject({ ok: true, record: { fields: { slug: adapter.storedKey('slug', 'Bad Slug!!') } } });
  });
});
