/**
 * Replays of recorded-style Webflow responses (shapes from shared/reference/saas-apis.md) that the
 * fake does not produce exactly: the SDK's example item, the too_many_requests body, a single-item
 * PATCH response, the forum's 404 and 409 bodies, a slug error from real reports.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AuthError, ConfigError, RateLimitedError, START_CURSOR } from '@syncframe/engine';
import { createWebflowAdapter } from '../src/index.js';
import { callOptions, caught, expectNoSecret, pullAll } from '@syncframe/test-kit';
import { bearerNock, replayWithNock } from '../../test/adapter-test-fixtures.js';

const API = 'https://api.webflow.com';
const COLLECTION = '580e63fc8c9a982ac9b8b745';
const TOKEN = 'wf-replay-secret-token';
const SCHEMA = {
  id: COLLECTION, displayName: 'Jobs', slug: 'jobs',
  fields: [
    { id: 'f1', slug: 'name', displayName: 'Name', type: 'PlainText', isRequired: true, isEditable: true },
    { id: 'f2', slug: 'slug', displayName: 'Slug', type: 'PlainText', isRequired: true, isEditable: true },
    { id: 'f3', slug: 'department', displayName: 'Department', type: 'PlainText', isRequired: false, isEditable: true },
    { id: 'f4', slug: 'remote', displayName: 'Remote', type: 'Switch', isRequired: false, isEditable: true },
    { id: 'f5', slug: 'logo', displayName: 'Logo', type: 'Image', isRequired: false, isEditable: true },
  ],
};
const ITEM = {
  id: '62b720ef280c7a7a3be8cabe', cmsLocaleId: '66f6e966c9e1dc700a857ca3',
  lastPublished: '2022-06-30T13:35:20.878Z', lastUpdated: '2022-06-25T14:51:27.809Z', createdOn: '2022-06-25T14:51:27.809Z',
  isArchived: false, isDraft: false,
  fieldData: { name: 'Senior Data Analyst', slug: 'senior-data-analyst', department: 'Data', logo: { fileId: '62b720ef280c7a7a3be8cab0', url: 'https://cdn.prod.website-files.com/x/logo.png', alt: null } },
};
const adapter = () => createWebflowAdapter({ collection: COLLECTION, creds: { token: TOKEN }, jobId: 'j', sideName: 'wf' });
const schema = () => nock(API).get(`/v2/collections/${COLLECTION}`).reply(200, SCHEMA);

replayWithNock();

describe('Webflow replays', () => {
  it("reads the SDK's example item: Switch absent → false, image without fileId, alt null dropped", async () => {
    schema();
    const list = bearerNock(API, TOKEN)
      .get(`/v2/collections/${COLLECTION}/items`)
      .query({ limit: '100', offset: '0', sortBy: 'lastUpdated', sortOrder: 'asc' })
      .reply(200, { items: [ITEM], pagination: { limit: 100, offset: 0, total: 1 } }, { Date: 'Thu, 30 Jun 2022 14:00:00 GMT', 'X-RateLimit-Remaining': '58' });
    const [page] = await pullAll(adapter(), START_CURSOR);
    expect(page!.records).toEqual([{
      id: ITEM.id, updatedAt: ITEM.lastUpdated, deleted: false,
      fields: { name: 'Senior Data Analyst', slug: 'senior-data-analyst', department: 'Data', remote: false, logo: { url: 'https://cdn.prod.website-files.com/x/logo.png' } },
    }]);
    list.done();
  });

  it('429 too_many_requests with Retry-After: 60 → RateLimitedError(60 s)', async () => {
    schema();
    nock(API).get(`/v2/collections/${COLLECTION}/items`).query(true)
      .reply(429, { message: 'Too Many Requests', code: 'too_many_requests', externalReference: null, details: [] }, { 'Retry-After': '60', 'X-RateLimit-Limit': '60', 'X-RateLimit-Remaining': '0' });
    const err = await caught(pullAll(adapter(), START_CURSOR));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(60_000);
  });

  it('a bulk PATCH answered with a single item object is read as that item', async () => {
    schema();
    nock(API).patch(`/v2/collections/${COLLECTION}/items`).reply(200, { ...ITEM, fieldData: { ...ITEM.fieldData, department: 'Eng' } });
    const [r] = await adapter().write([{ kind: 'update', id: ITEM.id, fields: { department: 'Eng' } }], callOptions());
    expect(r).toMatchObject({ ok: true, record: { id: ITEM.id, fields: { department: 'Eng' } } });
  });

  it('the duplicate-slug body from real reports → a per-record failure', async () => {
    schema();
    nock(API).post(`/v2/collections/${COLLECTION}/items`).reply(400, {
      message: 'Validation Error', code: 'validation_error', externalReference: null,
      details: [{ param: 'slug', description: "Unique value is already in database: 'test-blog-post'" }],
    });
    const [r] = await adapter().write([{ kind: 'create', fields: { name: 'Test Blog Post' } }], callOptions());
    expect(r).toEqual({ ok: false, reason: expect.stringContaining("slug: Unique value is already in database: 'test-blog-post'") });
  });

  it("the forum's 409 for a live PATCH of a never-published item, alone → per-record failure after the staged fallback fails too", async () => {
    schema();
    const live = createWebflowAdapter({ collection: COLLECTION, creds: { token: TOKEN }, publish: 'live' });
    nock(API).patch(`/v2/collections/${COLLECTION}/items/live`).reply(409, { code: 'conflict', message: "Conflict with server data: Live PATCH updates can't be applied to items that have never been published", externalReference: null, details: [] });
    nock(API).patch(`/v2/collections/${COLLECTION}/items`).reply(404, { code: 'resource_not_found', message: 'Requested resource not found', externalReference: null, details: [] });
    const [r] = await live.write([{ kind: 'update', id: ITEM.id, fields: { department: 'x' } }], callOptions());
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('resource_not_found') });
  });

  it('404 resource_not_found on the collection → ConfigError', async () => {
    nock(API).get(`/v2/collections/${COLLECTION}`).reply(404, { code: 'resource_not_found', message: 'Requested resource not found', externalReference: null, details: [] });
    await expect(pullAll(adapter(), START_CURSOR)).rejects.toBeInstanceOf(ConfigError);
  });

  it('403 missing_scopes → AuthError without the token', async () => {
    nock(API).get(`/v2/collections/${COLLECTION}`).reply(403, { code: 'missing_scopes', message: 'OAuthForbidden: You are missing the following scopes - cms:read', externalReference: null, details: [] });
    const err = await caught(pullAll(adapter(), START_CURSOR));
    expect(err).toBeInstanceOf(AuthError);
    expectNoSecret(err, TOKEN);
  });

  it('a 204 bulk DELETE (hard delete) → deleted results', async () => {
    schema();
    nock(API).delete(`/v2/collections/${COLLECTION}/items`, { items: [{ id: ITEM.id }] }).reply(204);
    const hard = createWebflowAdapter({ collection: COLLECTION, creds: { token: TOKEN }, hard_delete: true });
    expect(await hard.write([{ kind: 'delete', id: ITEM.id }], callOptions())).toMatchObject([{ ok: true, record: { id: ITEM.id, deleted: true } }]);
  });
});
