/** The fake itself, spoken to with raw HTTP: it must behave as saas-apis.md's emulator checklist says. */
import { afterEach, describe, expect, it } from 'vitest';
import { rawApi } from '@syncframe/adapter-kit/testing';
import type { AirtableFake } from '../src/testing/index.js';
import { startAirtableFake } from '../src/testing/index.js';
import { BASE_ID, TABLES, TOKEN } from './airtable-fixtures.js';

let fake: AirtableFake;
afterEach(() => fake.close());

const api = rawApi(() => fake.url, TOKEN);
const T = `/v0/${BASE_ID}/Items`;

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
});
