/** The fake itself, spoken to with raw HTTP: it must behave as saas-apis.md's emulator checklist says. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { manualClock, rawApi, slowRequest } from '@syncframe/test-kit';
import type { WebflowFake } from '@syncframe/fakes';
import { startWebflowFake } from '@syncframe/fakes';
import { SITES, SITE_ID, TOKEN } from './webflow-fixtures.js';

let fake: WebflowFake;
afterEach(() => fake.close());

const api = rawApi(() => fake.url, TOKEN);
const COLLECTIONS = `/v2/sites/${SITE_ID}/collections`;

describe('Webflow fake', () => {
  it('requires a token, lists collections per site, and serves the schema', async () => {
    fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES });
    expect(await api('GET', `/v2/sites/${SITE_ID}/collections`, undefined, null)).toMatchObject({ status: 401, body: { code: 'not_authorized' } });
    const list = await api('GET', `/v2/sites/${SITE_ID}/collections`);
    expect(list.body.collections.map((c: any) => c.slug)).toEqual(['authors', 'posts']);
    const schema = await api('GET', `/v2/collections/${fake.collectionId('posts')}`);
    expect(schema.body.fields.map((f: any) => f.slug)).toContain('featured');
    expect(schema.body.fields.find((f: any) => f.slug === 'status').validations.options).toHaveLength(2);
  });

  it('creates drafts by default with 24-hex ids and ms timestamps; bulk ≤ 100; validation details per problem', async () => {
    fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES });
    const P = `/v2/collections/${fake.collectionId('posts')}/items`;
    const created = await api('POST', P, { items: [{ fieldData: { name: 'A', slug: 'a' } }] });
    const item = created.body.items[0];
    expect(item.id).toMatch(/^[0-9a-f]{24}$/);
    expect(item.lastUpdated).toMatch(/\.\d{3}Z$/);
    expect(item).toMatchObject({ isDraft: true, isArchived: false, lastPublished: null });
    const many = Array.from({ length: 101 }, (_, i) => ({ fieldData: { name: `n${i}`, slug: `n${i}` } }));
    expect(await api('POST', P, { items: many })).toMatchObject({ status: 400, body: { code: 'validation_error' } });
    const bad = await api('POST', P, { items: [{ fieldData: { name: 'B', slug: 'a', nope: 1, status: 'x' } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(expect.arrayContaining([
      { param: 'nope', description: 'Field not described in schema: undefined' },
      { param: 'slug', description: "Unique value is already in database: 'a'" },
      expect.objectContaining({ param: 'status' }),
    ]));
    expect(await api('GET', `${P}?limit=101`)).toMatchObject({ status: 400 });
    expect(await api('GET', `${P}/0123456789abcdef01234567`)).toMatchObject({ status: 404, body: { code: 'resource_not_found', message: 'Requested resource not found', externalReference: null, details: [] } });
  });

  it('keeps staged and live copies: live PATCH of a never-published item is 409; publish and unpublish', async () => {
    fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES });
    const P = `/v2/collections/${fake.collectionId('posts')}/items`;
    const a = fake.insert('posts', { name: 'A', slug: 'a' });
    expect(await api('PATCH', `${P}/live`, { items: [{ id: a.id, fieldData: { text: 'x' } }] })).toMatchObject({ status: 409, body: { code: 'conflict' } });
    const pub = await api('POST', `${P}/publish`, { itemIds: [a.id, '0123456789abcdef01234567'] });
    expect(pub).toMatchObject({ status: 202, body: { publishedItemIds: [a.id], errors: ['Staging item ID 0123456789abcdef01234567 not found.'] } });
    expect((await api('GET', `${P}/live`)).body.items).toHaveLength(1);
    await api('PATCH', P, { items: [{ id: a.id, fieldData: { text: 'staged only' } }] });
    expect((await api('GET', `${P}/${a.id}/live`)).body.fieldData.text).toBeUndefined();
    expect(await api('DELETE', `${P}/live`, { items: [{ id: a.id }] })).toMatchObject({ status: 204 });
    expect(fake.get('posts', a.id)).toMatchObject({ isDraft: true, lastPublished: null });
    expect(fake.liveItems('posts')).toHaveLength(0);
  });

  it('deleting a published item leaves the live copy until the site is published (at most once a minute)', async () => {
    fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES });
    const P = `/v2/collections/${fake.collectionId('posts')}/items`;
    const a = fake.insert('posts', { name: 'A', slug: 'a' }, { isDraft: false });
    expect(await api('POST', `/v2/sites/${SITE_ID}/publish`, { publishToWebflowSubdomain: true })).toMatchObject({ status: 202 });
    expect(await api('DELETE', P, { items: [{ id: a.id }] })).toMatchObject({ status: 204 });
    expect(fake.items('posts')).toHaveLength(0);
    expect(fake.liveItems('posts')).toHaveLength(1);
    expect(await api('POST', `/v2/sites/${SITE_ID}/publish`, { publishToWebflowSubdomain: true })).toMatchObject({ status: 429 });
    fake.publishSite(SITE_ID);
    expect(fake.liveItems('posts')).toHaveLength(0);
    expect(await api('DELETE', P, {})).toMatchObject({ status: 400 }); // items is required
  });

  it('filters and sorts by lastUpdated, and paginates with total', async () => {
    const clock = { t: Date.parse('2026-05-01T00:00:00.000Z'), now: () => clock.t };
    fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, clock });
    const P = `/v2/collections/${fake.collectionId('posts')}/items`;
    const a = fake.insert('posts', { name: 'A', slug: 'a' });
    clock.t += 5;
    const b = fake.insert('posts', { name: 'B', slug: 'b' });
    clock.t += 5;
    fake.edit('posts', a.id, { text: 'x' });
    const res = await api('GET', `${P}?lastUpdated%5Bgte%5D=2026-05-01T00:00:00.005Z&sortBy=lastUpdated&sortOrder=asc&limit=1`);
    expect(res.body.items.map((i: any) => i.id)).toEqual([b.id]);
    expect(res.body.pagination).toEqual({ limit: 1, offset: 0, total: 2 });
    expect((await api('GET', `${P}?slug=a`)).body.items.map((i: any) => i.id)).toEqual([a.id]);
  });

  it('counts a per-token budget with X-RateLimit headers and answers 429 with Retry-After', async () => {
    fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, rateLimit: { perMinute: 2, retryAfterSec: 60 } });
    const first = await api('GET', `/v2/sites/${SITE_ID}/collections`);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await api('GET', `/v2/sites/${SITE_ID}/collections`);
    const limited = await api('GET', `/v2/sites/${SITE_ID}/collections`);
    expect(limited).toMatchObject({ status: 429, body: { code: 'too_many_requests', message: 'Too Many Requests', externalReference: null, details: [] } });
    expect(limited.headers.get('retry-after')).toBe('60');
  });

  describe('per-token budget counted at arrival', () => {
    it('the window is closed: 1000 ms apart collide, 1001 ms apart do not; 429s are not counted', async () => {
      const clock = manualClock();
      const t0 = clock.t;
      fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, clock, rateLimit: { perMinute: 1, windowMs: 1000, retryAfterSec: 7 } });
      const at = async (offset: number) => {
        clock.set(t0 + offset);
        return api('GET', COLLECTIONS);
      };
      const first = await at(0);
      expect([first.status, first.headers.get('x-ratelimit-remaining')]).toEqual([200, '0']);
      const limited = await at(1000);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(limited.headers.get('x-ratelimit-limit')).toBe('1');
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect((await at(1001)).status).toBe(200); // the 429 at 1000 did not count
      expect((await at(2001)).status).toBe(429);
      expect(fake.rateLimited).toBe(2);
      expect(fake.peakInWindow(1000, fake.tokenScope(TOKEN))).toBe(1);
    });

    it('computes X-RateLimit-Remaining when the headers arrive, though the body arrives later', async () => {
      const clock = manualClock();
      fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, clock, rateLimit: { perMinute: 3 } });
      const slow = slowRequest(`${fake.url}/v2/collections/${fake.collectionId('posts')}/items`, TOKEN, { items: [{ fieldData: { name: 'Slow', slug: 'slow' } }] });
      await vi.waitFor(() => expect(fake.arrivals).toHaveLength(1), { timeout: 5_000 });
      expect((await api('GET', COLLECTIONS)).headers.get('x-ratelimit-remaining')).toBe('1');
      expect((await api('GET', COLLECTIONS)).headers.get('x-ratelimit-remaining')).toBe('0');
      expect((await api('GET', COLLECTIONS)).status).toBe(429);
      slow.finish();
      const res = await slow.response;
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-remaining']).toBe('2'); // as it was when it arrived, first
      expect(fake.items('posts').map((i) => i.fieldData.slug)).toEqual(['slow']);
    });

    it('counts faults and errors; a fault is decided after the budget', async () => {
      fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, clock: manualClock(), rateLimit: { perMinute: 2 } });
      fake.fail({ status: 500 });
      const failed = await api('GET', COLLECTIONS);
      expect([failed.status, failed.headers.get('x-ratelimit-remaining')]).toEqual([500, '1']);
      expect((await api('GET', '/v2/collections/0123456789abcdef01234567/items/nope')).status).toBe(404);
      fake.fail({ status: 500 });
      expect((await api('GET', COLLECTIONS)).status).toBe(429);
      fake.setRateLimit(false);
      expect((await api('GET', COLLECTIONS)).status).toBe(500); // the fault was still queued
    });

    it('addForeignUsage: another client of the token uses the budget: remaining drops, then 429', async () => {
      fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, clock: manualClock(), rateLimit: { perMinute: 5 } });
      expect((await api('GET', COLLECTIONS)).headers.get('x-ratelimit-remaining')).toBe('4');
      expect(fake.addForeignUsage(TOKEN, 3)).toBe(3);
      expect((await api('GET', COLLECTIONS)).headers.get('x-ratelimit-remaining')).toBe('0');
      expect(fake.addForeignUsage(TOKEN, 2)).toBe(0); // over the budget: refused, not counted
      const limited = await api('GET', COLLECTIONS);
      expect(limited.status).toBe(429);
      expect(fake.requests).toHaveLength(3);
      expect(fake.arrivals.filter((a) => a.foreign)).toHaveLength(3);
      expect(fake.peakInWindow(60_000, 'token:0')).toBe(2);
      expect(fake.peakInWindow(60_000, 'token:0', { includeForeign: true })).toBe(5);
      expect(() => fake.addForeignUsage('someone-else', 1)).toThrow(/not one of the fake's tokens/);
    });

    it('rateLimit false: no 429, the headers and the reports still count', async () => {
      fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, clock: manualClock(), rateLimit: false });
      for (let i = 0; i < 61; i++) expect((await api('GET', COLLECTIONS)).status).toBe(200);
      expect((await api('GET', COLLECTIONS)).headers.get('x-ratelimit-remaining')).toBe('0');
      expect(fake.peakInWindow(60_000, 'token:0')).toBe(62);
      expect(fake.rateLimited).toBe(0);
    });
  });

  it('waits the latency before answering (real time), then keeps answering at once when it is removed', async () => {
    fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, rateLimit: false });
    fake.setLatency({ minMs: 120, maxMs: 160 });
    const started = performance.now();
    expect((await api('GET', COLLECTIONS)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110); // generous lower bound only
    fake.setLatency(undefined);
    expect((await api('GET', COLLECTIONS)).status).toBe(200);
  });
});
