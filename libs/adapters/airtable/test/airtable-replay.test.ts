/**
 * Replays of recorded-style Airtable responses (shapes from shared/reference/saas-apis.md) that
 * the fake does not produce: the documented 429 body, bare 404s, 503 RETRIABLE_ERROR, a
 * recorded attachment with thumbnails, a recorded 422 on a computed field.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AuthError, BatchRejectedError, PermanentError, RateLimitedError, RetryableError, START_CURSOR } from '@syncframe/engine';
import { createAirtableAdapter } from '../src/index.js';
import { callOptions, caught, expectNoSecret, pullAll } from '@syncframe/test-kit';
import { bearerNock, replayWithNock } from '../../test/adapter-test-fixtures.js';

const API = 'https://api.airtable.com';
const BASE = 'appREPLAYbase0001';
const TOKEN = 'patREPLAY.0123456789abcdef';
const adapter = () => createAirtableAdapter({ table: 'Videos', creds: { apiKey: TOKEN, baseId: BASE }, jobId: 'j', sideName: 'at', last_modified_field: 'Modified' });

replayWithNock();

describe('Airtable replays', () => {
  it('reads a recorded list page: attachment thumbnails and sizes normalized, Bearer sent', async () => {
    const scope = bearerNock(API, TOKEN)
      .get(`/v0/${BASE}/Videos`)
      .query(true)
      .reply(200, {
        records: [{
          id: 'rec560UJdUtocSouk',
          createdTime: '2022-09-12T21:03:48.000Z',
          fields: {
            Name: 'Union Square',
            Visited: true,
            Modified: '2022-09-13T01:56:05.000Z',
            Photos: [{
              id: 'attXq3Yw2a9vB0c1d', width: 640, height: 480, url: 'https://v5.airtableusercontent.com/v1/15/15/abc/def/ghi',
              filename: 'square.jpg', size: 41234, type: 'image/jpeg',
              thumbnails: { small: { url: 'https://v5.airtableusercontent.com/s', width: 48, height: 36 }, large: { url: 'https://x/l', width: 512, height: 384 } },
            }],
          },
        }],
      }, { Date: 'Tue, 13 Sep 2022 02:00:00 GMT' });
    const [page] = await pullAll(adapter(), START_CURSOR);
    expect(page!.records[0]).toEqual({
      id: 'rec560UJdUtocSouk',
      updatedAt: '2022-09-13T01:56:05.000Z',
      deleted: false,
      fields: {
        Name: 'Union Square',
        Visited: true,
        Photos: [{ id: 'attXq3Yw2a9vB0c1d', url: 'https://v5.airtableusercontent.com/v1/15/15/abc/def/ghi', filename: 'square.jpg', size: 41234, type: 'image/jpeg' }],
      },
    });
    scope.done();
  });

  it('documented 429 body {"error":{"type":"RATE_LIMIT_REACHED"}} → RateLimitedError(30 s)', async () => {
    nock(API).get(`/v0/${BASE}/Videos`).query(true).reply(429, { error: { type: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' } });
    const err = await caught(pullAll(adapter(), START_CURSOR));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(30_000);
    expect(err.message).toContain('RATE_LIMIT_REACHED');
  });

  it('observed 429 body {"errors":[…]} → RateLimitedError(30 s)', async () => {
    nock(API).post(`/v0/${BASE}/Videos`).reply(429, { errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }] });
    const err = await caught(adapter().write([{ kind: 'create', fields: { Name: 'x' } }], callOptions()));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(30_000);
    expect(err.message).toContain('RATE_LIMIT_REACHED');
  });

  it('a bare {"error":"NOT_FOUND"} on the table → PermanentError', async () => {
    nock(API).get(`/v0/${BASE}/Videos`).query(true).reply(404, { error: 'NOT_FOUND' });
    const err = await caught(pullAll(adapter(), START_CURSOR));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('NOT_FOUND');
  });

  it('503 RETRIABLE_ERROR → RetryableError', async () => {
    nock(API).patch(`/v0/${BASE}/Videos`).reply(503, { error: { type: 'RETRIABLE_ERROR' } });
    await expect(adapter().write([{ kind: 'update', id: 'rec560UJdUtocSouk', fields: { Name: 'x' } }], callOptions())).rejects.toBeInstanceOf(RetryableError);
  });

  it('recorded 422 for a computed field in a batch of 2 → BatchRejectedError', async () => {
    nock(API).post(`/v0/${BASE}/Videos`).reply(422, { error: { type: 'INVALID_VALUE_FOR_COLUMN', message: 'Field "Created" cannot accept a value because the field is computed' } });
    const err = await caught(adapter().write([{ kind: 'create', fields: { Name: 'a' } }, { kind: 'create', fields: { Name: 'b', Created: 'x' } }], callOptions()));
    expect(err).toBeInstanceOf(BatchRejectedError);
    expect(err.message).toContain('because the field is computed');
  });

  it('403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND → AuthError without the token', async () => {
    nock(API).get(`/v0/${BASE}/Videos`).query(true).reply(403, { error: { type: 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND', message: 'Invalid permissions, or the requested model was not found.' } });
    const err = await caught(pullAll(adapter(), START_CURSOR));
    expect(err).toBeInstanceOf(AuthError);
    expectNoSecret(err, TOKEN);
  });

  it('a batch delete response {"records":[{"id","deleted":true}]} → deleted results', async () => {
    nock(API).delete(`/v0/${BASE}/Videos`).query({ 'records[]': ['recAAAAAAAAAAAAAA', 'recBBBBBBBBBBBBBB'] })
      .reply(200, { records: [{ id: 'recAAAAAAAAAAAAAA', deleted: true }, { id: 'recBBBBBBBBBBBBBB', deleted: true }] });
    const hard = createAirtableAdapter({ table: 'Videos', creds: { apiKey: TOKEN, baseId: BASE }, hard_delete: true });
    const results = await hard.write([{ kind: 'delete', id: 'recAAAAAAAAAAAAAA' }, { kind: 'delete', id: 'recBBBBBBBBBBBBBB' }], callOptions());
    expect(results).toMatchObject([{ ok: true, record: { id: 'recAAAAAAAAAAAAAA', deleted: true } }, { ok: true, record: { id: 'recBBBBBBBBBBBBBB', deleted: true } }]);
  });
});
