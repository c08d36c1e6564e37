/** The fake itself, spoken to with raw HTTP: it must behave as saas-apis.md's emulator checklist says. */
import { afterEach, describe, expect, it } from 'vitest';
import { rawApi } from '@syncframe/adapter-kit/testing';
import type { WebflowFake } from '../src/testing/index.js';
import { startWebflowFake } from '../src/testing/index.js';
import { SITES, SITE_ID, TOKEN } from './webflow-fixtures.js';

let fake: WebflowFake;
afterEach(() => fake.close());

const api = rawApi(() => fake.url, TOKEN);

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
});
