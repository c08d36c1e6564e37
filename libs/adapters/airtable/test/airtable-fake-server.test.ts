/** The fake itself, spoken to with raw HTTP: it must behave as saas-apis.md's emulator checklist says. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { manualClock, rawApi, slowRequest } from '@syncframe/test-kit';
import type { AirtableFake } from '@syncframe/fakes';
import { startAirtableFake } from '@syncframe/fakes';
import { BASE_ID, TABLES, TOKEN } from './airtable-fixtures.js';

let fake: AirtableFake;
afterEach(() => fake.close());

const api = rawApi(() => fake.url, TOKEN);
const T = `/v0/${BASE_ID}/Items`;
const BASE_2 = 'appSECONDbase0002';
const TOKEN_2 = 'patFAKE.second-token-value-9876543210';

describe('Airtable fake', () => {
  it('requires a Bearer token (401 AUTHENTICATION_REQUIRED)', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES });
    expect(await api('GET', T, undefined, null)).toMatchObject({ status: 401, body: { error: { type: 'AUTHENTICATION_REQUIRED' } } });
  });

  it('makes 17-character ids, whole-second times, drops empty values, and has no X-RateLimit headers', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES });
    const res = await api('POST', T, { records: [{ fields: { Key: 'a', Text: '', Published: false, Tags: [] } }] });
    expect(res.status).toBe(200);
    const r = res.body.records[0];
    expect(r.id).toMatch(/^rec[A-Za-z0-9]{14}$/);
    expect(r.createdTime).toMatch(/\.000Z$/);
    expect(Object.keys(r.fields).sort()).toEqual(['Created', 'Key', 'Last Modified', 'Number', 'Summary']);
    expect([...res.headers.keys()].some((h) => h.startsWith('x-ratelimit'))).toBe(false);
    const single = await api('POST', T, { fields: { Key: 'b' } });
    expect(single.body.id).toMatch(/^rec/); // the single-record form answers a bare record
  });

  it('refuses pageSize > 100 and more than 10 records per write, and one bad record fails the batch', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES });
    expect(await api('GET', `${T}?pageSize=101`)).toMatchObject({ status: 422 });
    const eleven = Array.from({ length: 11 }, () => ({ fields: { Key: 'x' } }));
    expect(await api('POST', T, { records: eleven })).toMatchObject({ status: 422, body: { error: { type: 'INVALID_RECORDS' } } });
    expect(await api('POST', T, { records: [{ fields: { Key: 'ok' } }, { fields: { Nope: 1 } }] }))
      .toMatchObject({ status: 422, body: { error: { type: 'UNKNOWN_FIELD_NAME', message: 'Unknown field name: "Nope"' } } });
    expect(fake.records('Items')).toHaveLength(0);
  });

  it('PATCH merges, PUT replaces, null clears; unknown ids are ROW_DOES_NOT_EXIST; deleted ids 404 on GET', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, rateLimit: false });
    const a = fake.insert('Items', { Key: 'a', Text: 't', Count: 1 });
    await api('PATCH', T, { records: [{ id: a.id, fields: { Count: 2 } }] });
    expect(fake.get('Items', a.id)!.fields).toMatchObject({ Key: 'a', Text: 't', Count: 2 });
    await api('PATCH', T, { records: [{ id: a.id, fields: { Text: null } }] });
    expect(fake.get('Items', a.id)!.fields.Text).toBeUndefined();
    await api('PUT', T, { records: [{ id: a.id, fields: { Count: 3 } }] });
    expect(fake.get('Items', a.id)!.fields.Key).toBeUndefined();
    expect(await api('PATCH', T, { records: [{ id: 'recNOPE0000000000', fields: { Count: 1 } }] })).toMatchObject({ status: 422, body: { error: { type: 'ROW_DOES_NOT_EXIST' } } });
    await api('DELETE', `${T}/${a.id}`);
    expect(await api('GET', `${T}/${a.id}`)).toMatchObject({ status: 404, body: { error: { type: 'MODEL_ID_NOT_FOUND' } } });
  });

  it('upserts on fieldsToMergeOn: creates, updates, and refuses several matches', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES });
    const a = fake.insert('Items', { Key: 'a', Count: 1 });
    const res = await api('PATCH', T, { performUpsert: { fieldsToMergeOn: ['Key'] }, records: [{ fields: { Key: 'a', Count: 5 } }, { fields: { Key: 'z', Count: 9 } }] });
    expect(res.body.updatedRecords).toEqual([a.id]);
    expect(res.body.createdRecords).toHaveLength(1);
    fake.insert('Items', { Key: 'a' });
    expect(await api('PATCH', T, { performUpsert: { fieldsToMergeOn: ['Key'] }, records: [{ fields: { Key: 'a' } }] })).toMatchObject({ status: 422 });
  });

  it('filters with formulas, sorts, and bumps the last-modified time on writes only', async () => {
    const clock = { t: Date.parse('2026-05-01T00:00:00.400Z'), now: () => clock.t };
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, clock, rateLimit: false });
    const a = fake.insert('Items', { Key: 'a', Count: 2 });
    clock.t += 3_000;
    const b = fake.insert('Items', { Key: 'b', Count: 1 });
    const q = (f: string, extra = '') => api('GET', `${T}?filterByFormula=${encodeURIComponent(f)}${extra}`);
    expect((await q("IS_AFTER(LAST_MODIFIED_TIME(), '2026-05-01T00:00:01.000Z')")).body.records.map((r: any) => r.id)).toEqual([b.id]);
    expect((await q("IS_BEFORE({Last Modified}, '2026-05-01T00:00:01.000Z')")).body.records.map((r: any) => r.id)).toEqual([a.id]);
    expect((await q(`OR(RECORD_ID()='${a.id}', AND({Key}='b', {Count}=1))`)).body.records).toHaveLength(2);
    expect((await q("{Key}='it\\'s'")).status).toBe(200);
    expect((await q('{Nope}=1')).body.error.type).toBe('INVALID_FILTER_BY_FORMULA');
    const sorted = await api('GET', `${T}?sort%5B0%5D%5Bfield%5D=Count&sort%5B0%5D%5Bdirection%5D=asc`);
    expect(sorted.body.records.map((r: any) => r.fields.Key)).toEqual(['b', 'a']);
    expect(fake.get('Items', a.id)!.fields['Last Modified']).toBe('2026-05-01T00:00:00.000Z');
  });

  it('refuses computed fields and unknown select options unless typecast', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES });
    expect(await api('POST', T, { records: [{ fields: { Created: 'x' } }] })).toMatchObject({ status: 422, body: { error: { type: 'INVALID_VALUE_FOR_COLUMN' } } });
    expect(await api('POST', T, { records: [{ fields: { Status: 'New' } }] })).toMatchObject({ status: 422, body: { error: { type: 'INVALID_MULTIPLE_CHOICE_OPTIONS' } } });
    expect(await api('POST', T, { records: [{ fields: { Status: 'New' } }], typecast: true })).toMatchObject({ status: 200 });
  });

  it('rate limits per base with a lockout, answering the observed 429 body', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, rateLimit: { perSecond: 2, penaltyMs: 60 } });
    await api('GET', T);
    await api('GET', T);
    const limited = await api('GET', T);
    expect(limited).toMatchObject({ status: 429, body: { errors: [{ error: 'RATE_LIMIT_REACHED' }] } });
    expect(limited.headers.get('retry-after')).toBeNull();
  });

  it('snapshot paging: the order is fixed by the first page, values stay current; expired iterators answer 422', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES });
    for (let i = 0; i < 3; i++) fake.insert('Items', { Key: `k${i}` });
    const first = await api('GET', `${T}?pageSize=2`);
    expect(first.body.offset).toMatch(/^itr[A-Za-z0-9]{14}\/rec/);
    fake.insert('Items', { Key: 'late' });
    fake.edit('Items', first.body.records[0].id, { Text: 'x' });
    const second = await api('GET', `${T}?pageSize=2&offset=${encodeURIComponent(first.body.offset)}`);
    expect(second.body.records.map((r: any) => r.fields.Key)).toEqual(['k2']);
    expect(second.body.offset).toBeUndefined();
    const again = await api('GET', `${T}?pageSize=2`);
    fake.expireIterators();
    expect(await api('GET', `${T}?pageSize=2&offset=${encodeURIComponent(again.body.offset)}`)).toMatchObject({ status: 422, body: { error: { type: 'LIST_RECORDS_ITERATOR_NOT_AVAILABLE' } } });
  });

  describe('rate limits counted at arrival', () => {
    it('windows are closed: with 1 per second, requests 1000 ms apart collide, 1001 ms apart do not; 429s are not counted', async () => {
      const clock = manualClock();
      const t0 = clock.t;
      fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, clock, rateLimit: { perSecond: 1, penaltyMs: 0 } });
      const at = async (offset: number) => {
        clock.set(t0 + offset);
        return (await api('GET', T)).status;
      };
      expect(await at(0)).toBe(200);
      expect(await at(1000)).toBe(429); // [0, 1000] holds the request at 0
      expect(await at(1001)).toBe(200); // the 429 at 1000 did not count, and 0 < 1001 - 1000
      expect(await at(2001)).toBe(429);
      expect(await at(2002)).toBe(200);
      expect(fake.rateLimited).toBe(2);
      expect(fake.peakInWindow(1000, `base:${BASE_ID}`)).toBe(1);
      expect(fake.arrivals.map((a) => [a.at - t0, a.admitted, a.status])).toEqual([
        [0, true, 200], [1000, false, 429], [1001, true, 200], [2001, false, 429], [2002, true, 200],
      ]);
    });

    it('a 429 locks the base out for penaltyMs, even once its window is empty', async () => {
      const clock = manualClock();
      const t0 = clock.t;
      fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, clock, rateLimit: { perSecond: 2, penaltyMs: 30_000 } });
      const at = async (offset: number) => {
        clock.set(t0 + offset);
        return (await api('GET', T)).status;
      };
      expect([await at(0), await at(0), await at(0)]).toEqual([200, 200, 429]);
      expect(await at(5_000)).toBe(429);
      expect(await at(29_999)).toBe(429);
      expect(await at(30_000)).toBe(200);
    });

    it('counts a request when its headers arrive, though its body arrives later', async () => {
      const clock = manualClock();
      const t0 = clock.t;
      fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, clock, rateLimit: { perSecond: 2, penaltyMs: 30_000 } });
      const slow = slowRequest(`${fake.url}${T}`, TOKEN, { records: [{ fields: { Key: 'slow' } }] });
      await vi.waitFor(() => expect(fake.arrivals).toHaveLength(1), { timeout: 5_000 });
      expect((await api('GET', T)).status).toBe(200);
      expect((await api('GET', T)).status).toBe(429); // the slow request already holds a place in the window
      clock.set(t0 + 5_000); // the base is locked out now, but the slow request was admitted at its arrival
      slow.finish();
      expect((await slow.response).status).toBe(200);
      expect(fake.records('Items').map((r) => r.fields.Key)).toEqual(['slow']);
      expect(fake.requests.find((r) => r.method === 'POST')).toMatchObject({ at: t0, status: 200, recordCount: 1 });
    });

    it('every request that reaches the limiter counts, whatever its answer; faults are decided after the limit', async () => {
      const clock = manualClock();
      const t0 = clock.t;
      fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, clock, rateLimit: { perSecond: 4, penaltyMs: 0 } });
      fake.fail({ status: 503 });
      expect((await api('GET', T)).status).toBe(503);
      expect((await api('GET', `/v0/${BASE_ID}/NoSuchTable`)).status).toBe(404);
      expect((await api('POST', T, { records: Array.from({ length: 11 }, () => ({ fields: { Key: 'x' } })) })).status).toBe(422);
      expect((await api('GET', `${T}/recNOPE0000000000`)).status).toBe(404);
      fake.fail({ status: 500 });
      expect((await api('GET', T)).status).toBe(429); // the 5th: refused before the fault applies
      clock.set(t0 + 1001);
      expect((await api('GET', T)).status).toBe(500); // the fault was still queued
      expect(fake.peakInWindow(1000, `base:${BASE_ID}`)).toBe(4);
      expect(fake.rateLimited).toBe(1);
    });

    it('limits a token across all bases (tokenPerSecond) and locks out that token only', async () => {
      const clock = manualClock();
      const t0 = clock.t;
      fake = await startAirtableFake({
        tokens: [TOKEN, TOKEN_2], bases: { ...TABLES, [BASE_2]: TABLES[BASE_ID]! }, clock,
        rateLimit: { perSecond: 5, penaltyMs: 1_000, tokenPerSecond: 3 },
      });
      const get = async (offset: number, base: string, token = TOKEN) => {
        clock.set(t0 + offset);
        return (await api('GET', `/v0/${base}/Items`, undefined, token)).status;
      };
      expect([await get(0, BASE_ID), await get(0, BASE_ID), await get(0, BASE_2)]).toEqual([200, 200, 200]);
      expect(await get(0, BASE_2)).toBe(429); // base 2 has had 1 of 5: it is the token's limit
      expect(await get(0, BASE_ID)).toBe(429); // the token is locked out on every base
      expect(await get(0, BASE_ID, TOKEN_2)).toBe(200); // the base itself is not locked
      expect(await get(999, BASE_2)).toBe(429); // still locked
      expect(await get(1_000, BASE_2)).toBe(429); // lockout over, but [0, 1000] still holds the token's 3
      expect(await get(2_000, BASE_2)).toBe(200);
      expect(fake.tokenScope(TOKEN)).toBe('token:0');
      expect(fake.peakInWindow(1000, 'token:0')).toBe(3);
      expect(fake.peakInWindow(1000, 'token:1')).toBe(1);
      expect(fake.peakInWindow(1000, `base:${BASE_ID}`)).toBe(3);
      expect(fake.peakInWindow(1000, `base:${BASE_2}`)).toBe(1);
      expect(fake.rateLimited).toBe(4);
      expect(JSON.stringify(fake.arrivals)).not.toContain(TOKEN.slice(0, 12));
    });

    it('the token limit defaults to 50 a second', async () => {
      const clock = manualClock();
      const bases = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`appBASE${String(i).padStart(10, '0')}`, TABLES[BASE_ID]!]));
      fake = await startAirtableFake({ tokens: [TOKEN], bases, clock });
      const statuses: number[] = [];
      for (const base of Object.keys(bases)) {
        for (let i = 0; i < 5; i++) statuses.push((await api('GET', `/v0/${base}/Items`)).status);
      }
      expect(statuses.slice(0, 50).every((s) => s === 200)).toBe(true);
      expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429]);
    });

    it('rateLimit false: no 429s, but the reports still count', async () => {
      fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, clock: manualClock(), rateLimit: false });
      for (let i = 0; i < 7; i++) expect((await api('GET', T)).status).toBe(200);
      expect(fake.peakInWindow(1000, `base:${BASE_ID}`)).toBe(7);
      expect(fake.rateLimited).toBe(0);
    });
  });

  it('waits the latency before answering; a write whose response is lost after it still landed', async () => {
    fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, rateLimit: false, latency: { minMs: 120, maxMs: 160 } });
    let started = performance.now();
    expect((await api('GET', T)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110); // generous lower bound only
    fake.loseNextWriteResponse();
    started = performance.now();
    expect(await api('POST', T, { records: [{ fields: { Key: 'lost' } }] }).then(() => 'answered', () => 'lost')).toBe('lost');
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(fake.records('Items').map((r) => r.fields.Key)).toEqual(['lost']);
    fake.setLatency(undefined);
    fake.fail({ status: 503 });
    expect((await api('GET', T)).status).toBe(503);
  });
});
