import { describe, expect, it } from 'vitest';
import {
  AuthError, BatchRejectedError, ConfigError, PermanentError, RateLimitedError, RetryableError, START_CURSOR,
} from '@syncframe/engine';
import type { SyncRecord, WriteOp } from '@syncframe/engine';
import { AIRTABLE_DEFAULT_THROTTLE, DELETES_NOT_CONFIGURED, decodeAirtableCursor } from '../src/index.js';
import type { AirtableFake } from '@syncframe/fakes';
import { BASE_ID, TOKEN, airtableSetup, createAirtableAdapter } from './airtable-fixtures.js';
import { itKeepsApiUrlPasswordOutOfErrors, setupPerTest, writeAcrossRunAbort } from '../../test/adapter-test-fixtures.js';
import { callOptions, caught, expectNoSecret, manualClock, memoryLogger, pullAll } from '@syncframe/test-kit';

/** The running test's fake, closed after it. */
let fake: AirtableFake | undefined;
const setup = setupPerTest(airtableSetup, createAirtableAdapter, (f) => (fake = f));

const ids = (records: readonly SyncRecord[]) => records.map((r) => r.id).sort();
const listRequests = (f: AirtableFake) => f.requests.filter((r) => r.method === 'GET');

describe('AirtableAdapter: identity and options', () => {
  it('exposes ref, default throttle and a base-scoped rate-limit key', async () => {
    const { adapter } = await setup();
    expect(adapter.ref).toEqual({ adapter: 'airtable', table: 'Items' });
    expect(adapter.defaultThrottle).toEqual({ max_reqs: 5, interval_sec: 1, batch_size: 10 });
    expect(AIRTABLE_DEFAULT_THROTTLE).toEqual(adapter.defaultThrottle);
    expect(adapter.rateLimitKey).toBe(`airtable:${BASE_ID}`);
    // Airtable's second limit, 50/s per token across bases: keyed by a hash, never the token.
    expect(adapter.sharedRateLimits).toEqual([{ key: expect.stringMatching(/^airtable-token:[0-9a-f]{16}$/), max_reqs: 50, interval_sec: 1 }]);
    expect(JSON.stringify(adapter.sharedRateLimits)).not.toContain(TOKEN);
  });

  it('refuses incomplete options with a ConfigError', () => {
    expect(() => createAirtableAdapter({ table: 'x', creds: { apiKey: '', baseId: 'app1' } })).toThrow(ConfigError);
    expect(() => createAirtableAdapter({ table: '', creds: { apiKey: 'k', baseId: 'app1' } })).toThrow(ConfigError);
    expect(() => createAirtableAdapter({ table: 'x', creds: { apiKey: 'k', baseId: 'a' }, soft_delete_field: 'D', hard_delete: true })).toThrow(ConfigError);
  });
});

describe('AirtableAdapter: pull', () => {
  it('pages through more than 100 records with pageSize 100 and offsets', async () => {
    const { adapter } = await setup();
    for (let i = 0; i < 250; i++) fake!.insert('Items', { Key: `k${i}` });
    const pages = await pullAll(adapter, START_CURSOR);
    expect(pages.map((p) => p.records.length)).toEqual([100, 100, 50]);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.id))).size).toBe(250);
    const gets = listRequests(fake!);
    expect(gets).toHaveLength(3);
    expect(gets.every((r) => r.query.pageSize?.[0] === '100')).toBe(true);
    expect(gets[0]!.query.offset).toBeUndefined();
    expect(gets[1]!.query.offset?.[0]).toMatch(/^itr[A-Za-z0-9]{14}\/rec[A-Za-z0-9]{14}$/);
    expect(gets[0]!.query['sort[0][field]']).toEqual(['Last Modified']);
    expect(gets[0]!.query['sort[0][direction]']).toEqual(['asc']);
  });

  it('pulls incrementally with an inclusive IS_AFTER filter on the last-modified field', async () => {
    const clock = manualClock();
    const { adapter } = await setup({ clock });
    const a = fake!.insert('Items', { Key: 'a' });
    fake!.insert('Items', { Key: 'b' });
    clock.advance(10_000);
    const first = await pullAll(adapter, START_CURSOR);
    const cursor = first.at(-1)!.cursor;
    expect(decodeAirtableCursor(cursor).t).toBe('2026-03-01T10:00:00.000Z');
    clock.advance(5_000);
    fake!.edit('Items', a.id, { Text: 'edited' });
    clock.advance(10_000);
    const second = await pullAll(adapter, cursor);
    expect(second.flatMap((p) => p.records.map((r) => r.id))).toEqual([a.id]);
    expect(listRequests(fake!).at(-1)!.query.filterByFormula).toEqual(["IS_AFTER({Last Modified}, '2026-03-01T09:59:59.000Z')"]);
    expect(second[0]!.records[0]!.updatedAt).toBe('2026-03-01T10:00:15.000Z');
  });

  it('never skips a change made in the same second as the cursor, and drops true repeats', async () => {
    const clock = manualClock('2026-03-01T10:00:00.000Z');
    const { adapter } = await setup({ clock });
    const a = fake!.insert('Items', { Key: 'a', Text: 'one' });
    const b = fake!.insert('Items', { Key: 'b' });
    clock.advance(5_000);
    const cursor = (await pullAll(adapter, START_CURSOR)).at(-1)!.cursor;
    const state = decodeAirtableCursor(cursor);
    expect(state.t).toBe('2026-03-01T10:00:00.000Z');
    expect(Object.keys(state.seen).sort()).toEqual([a.id, b.id].sort());

    // Later writes land in the cursor's second (Airtable stamps whole seconds).
    clock.set('2026-03-01T10:00:00.700Z');
    fake!.edit('Items', a.id, { Text: 'two' });
    const c = fake!.insert('Items', { Key: 'c' });
    clock.set('2026-03-01T10:00:09.000Z');
    const next = await pullAll(adapter, cursor);
    const got = next.flatMap((p) => p.records);
    expect(ids(got)).toEqual([a.id, c.id].sort()); // b is a true repeat: dropped
    expect(got.find((r) => r.id === a.id)!.fields.Text).toBe('two');

    const after = await pullAll(adapter, next.at(-1)!.cursor);
    expect(after.flatMap((p) => p.records)).toEqual([]);
  });

  it('without last_modified_field filters on LAST_MODIFIED_TIME(), unsorted, moving the cursor only at the end', async () => {
    const clock = manualClock();
    const { adapter } = await setup({ clock }, { last_modified_field: undefined });
    for (let i = 0; i < 150; i++) fake!.insert('Items', { Key: `k${i}` });
    clock.advance(10_000);
    const pages = await pullAll(adapter, START_CURSOR);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.cursor).toEqual(START_CURSOR.value === null ? { value: JSON.stringify({ t: null, seen: {} }) } : START_CURSOR);
    const end = decodeAirtableCursor(pages[1]!.cursor);
    // The server's Date (10:00:10) less the request's whole seconds and one more second.
    expect(Date.parse(end.t!)).toBeGreaterThanOrEqual(Date.parse('2026-03-01T10:00:07.000Z'));
    expect(Date.parse(end.t!)).toBeLessThanOrEqual(Date.parse('2026-03-01T10:00:09.000Z'));
    expect(listRequests(fake!)[0]!.query['sort[0][field]']).toBeUndefined();
    // Records do not carry their modification time here: updatedAt is createdTime.
    expect(pages[0]!.records[0]!.updatedAt).toBe('2026-03-01T10:00:00.000Z');

    clock.advance(10_000);
    const edited = fake!.records('Items')[3]!;
    fake!.edit('Items', edited.id, { Text: 'x' });
    clock.advance(10_000);
    const next = await pullAll(adapter, pages[1]!.cursor);
    expect(next.flatMap((p) => p.records.map((r) => r.id))).toEqual([edited.id]);
    expect(listRequests(fake!).at(-1)!.query.filterByFormula![0]).toMatch(/^IS_AFTER\(LAST_MODIFIED_TIME\(\), '2026-03-01T10:00:0\d\.000Z'\)$/);
  });

  it('a record edited while the listing runs cannot drag the cursor past unseen changes', async () => {
    const clock = manualClock();
    const { adapter } = await setup({ clock });
    for (let i = 0; i < 150; i++) {
      fake!.insert('Items', { Key: `k${i}` });
      clock.advance(1_000);
    }
    clock.advance(10_000);
    const iterator = adapter.pull(START_CURSOR, callOptions())[Symbol.asyncIterator]();
    const first = await iterator.next();
    const onPage2 = fake!.records('Items').find((r) => r.fields.Key === 'k120')!;
    fake!.edit('Items', onPage2.id, { Text: 'mid-scan' }); // now newer than the snapshot
    const second = await iterator.next();
    expect((await iterator.next()).done).toBe(true);
    expect(first.value.records).toHaveLength(100);
    const edited = second.value.records.find((r: SyncRecord) => r.id === onPage2.id);
    expect(edited.fields.Text).toBe('mid-scan');
    // The cursor stops at the last record known to be in order (k149), not at the edit's time.
    expect(decodeAirtableCursor(second.value.cursor).t).toBe(new Date(Date.parse('2026-03-01T10:00:00.000Z') + 149_000).toISOString());
  });

  it('restarts the listing when Airtable expires the iterator', async () => {
    const { adapter } = await setup();
    for (let i = 0; i < 150; i++) fake!.insert('Items', { Key: `k${i}` });
    const iterator = adapter.pull(START_CURSOR, callOptions())[Symbol.asyncIterator]();
    const seen = new Set<string>();
    const first = await iterator.next();
    first.value.records.forEach((r: SyncRecord) => seen.add(r.id));
    fake!.expireIterators();
    for (let page = await iterator.next(); !page.done; page = await iterator.next()) page.value.records.forEach((r: SyncRecord) => seen.add(r.id));
    expect(seen.size).toBe(150);
    expect(fake!.requests.some((r) => r.status === 422)).toBe(true);
  });

  it('reports soft-deleted records as deleted and drops empty values (checkbox false is absent)', async () => {
    const { adapter } = await setup();
    const a = fake!.insert('Items', { Key: 'a', Published: true, Deleted: true, Text: '' });
    const b = fake!.insert('Items', { Key: 'b', Published: false });
    const records = (await pullAll(adapter, START_CURSOR)).flatMap((p) => p.records);
    const ra = records.find((r) => r.id === a.id)!;
    const rb = records.find((r) => r.id === b.id)!;
    expect(ra.deleted).toBe(true);
    expect(ra.fields.Published).toBe(true);
    expect(rb.deleted).toBe(false);
    expect('Published' in rb.fields).toBe(false);
    expect('Text' in ra.fields).toBe(false);
    // Computed fields are read (formula, autoNumber), the last-modified field becomes updatedAt.
    expect(ra.fields.Summary).toBe('a:');
    expect(typeof ra.fields.Number).toBe('number');
    expect('Last Modified' in ra.fields).toBe(false);
  });
});

describe('AirtableAdapter: listing every id and reading by id (reconciliation)', () => {
  const listAll = async (adapter: { listIds(o: ReturnType<typeof callOptions>): AsyncIterable<readonly string[]> }) => {
    const pages: string[][] = [];
    for await (const page of adapter.listIds(callOptions())) pages.push([...page]);
    return pages;
  };

  it('lists every id, 100 per page, asking for the last-modified field only', async () => {
    const { adapter } = await setup();
    const made = Array.from({ length: 150 }, (_, i) => fake!.insert('Items', { Key: `k${i}`, Text: 'x'.repeat(200) }).id);
    const pages = await listAll(adapter);
    expect(pages.map((p) => p.length)).toEqual([100, 50]);
    expect(pages.flat().sort()).toEqual([...made].sort());
    const gets = listRequests(fake!);
    expect(gets.every((r) => r.query['fields[]']?.[0] === 'Last Modified' && r.query.pageSize?.[0] === '100')).toBe(true);
    expect(gets.every((r) => r.query.filterByFormula === undefined)).toBe(true);
  });

  it('starts the listing over when Airtable expires the iterator, and fails rather than end early on an error', async () => {
    const { adapter } = await setup();
    for (let i = 0; i < 150; i++) fake!.insert('Items', { Key: `k${i}` });
    const seen = new Set<string>();
    const iterator = adapter.listIds(callOptions())[Symbol.asyncIterator]();
    (await iterator.next()).value!.forEach((id: string) => seen.add(id));
    fake!.expireIterators();
    for (let page = await iterator.next(); !page.done; page = await iterator.next()) page.value.forEach((id: string) => seen.add(id));
    expect(seen.size).toBe(150);

    const broken = adapter.listIds(callOptions())[Symbol.asyncIterator]();
    await broken.next();
    fake!.fail({ status: 500, times: 1 });
    expect(await caught(broken.next())).toBeInstanceOf(RetryableError);
  });

  it('reads records by id with RECORD_ID() formulas; a deleted one is simply absent', async () => {
    const { adapter } = await setup();
    const [a, b, c] = ['one', 'two', 'three'].map((k) => fake!.insert('Items', { Key: k }).id);
    fake!.remove('Items', b!);
    const read = await adapter.readRecords([a!, b!, c!, a!], callOptions());
    expect(ids(read)).toEqual([a, c].sort());
    expect(read.find((r) => r.id === a)!.fields).toMatchObject({ Key: 'one' });
    const get = listRequests(fake!).at(-1)!;
    expect(get.query.filterByFormula?.[0]).toBe(`OR(RECORD_ID()='${a}',RECORD_ID()='${b}',RECORD_ID()='${c}')`);
    expect(await adapter.readRecords([], callOptions())).toEqual([]);
  });
});

describe('AirtableAdapter: writes', () => {
  const creates = (n: number, extra: Record<string, unknown> = {}): WriteOp[] =>
    Array.from({ length: n }, (_, i) => ({ kind: 'create', fields: { Key: `n${i}`, ...extra } }));

  it('sends a batch of up to 10 in one request, returns results in order, and refuses more than 10', async () => {
    const { adapter } = await setup();
    const results = await adapter.write(creates(10), callOptions());
    expect(results.map((r) => (r.ok ? r.record.fields.Key : null))).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`));
    const posts = fake!.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.recordCount)).toEqual([10]);
    expect((posts[0]!.body as { typecast: boolean }).typecast).toBe(false);
    const err = await caught(adapter.write(creates(11), callOptions()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/limit of 10/);
    expect(fake!.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('updates with PATCH (merge) and never sends the last-modified field', async () => {
    const { adapter } = await setup();
    const a = fake!.insert('Items', { Key: 'a', Text: 'one', Count: 3 });
    const [r] = await adapter.write([{ kind: 'update', id: a.id, fields: { Text: 'two', 'Last Modified': 'x', Count: null } }], callOptions());
    expect(r).toMatchObject({ ok: true, record: { id: a.id, fields: { Key: 'a', Text: 'two' } } });
    expect(r!.ok && 'Count' in r!.record.fields).toBe(false);
    const patch = fake!.requests.find((q) => q.method === 'PATCH')!;
    expect(patch.body).toEqual({ records: [{ id: a.id, fields: { Text: 'two', Count: null } }], typecast: false });
  });

  it('a bad value alone is a per-record failure; in a batch it rejects the batch', async () => {
    const { adapter } = await setup();
    const [alone] = await adapter.write([{ kind: 'create', fields: { Key: 'x', Status: 'Unknown option' } }], callOptions());
    expect(alone).toEqual({ ok: false, reason: expect.stringContaining('INVALID_MULTIPLE_CHOICE_OPTIONS') });
    const err = await caught(adapter.write([...creates(2), { kind: 'create', fields: { Key: 'x', Status: 'Unknown option' } }], callOptions()));
    expect(err).toBeInstanceOf(BatchRejectedError);
    expect(fake!.records('Items')).toHaveLength(0); // the batch was all or nothing
  });

  it('writing a computed field is rejected per record (alone) or per batch', async () => {
    const { adapter } = await setup();
    const [alone] = await adapter.write([{ kind: 'create', fields: { Key: 'x', Summary: 'nope' } }], callOptions());
    expect(alone).toEqual({ ok: false, reason: expect.stringMatching(/INVALID_VALUE_FOR_COLUMN.*computed/) });
    await expect(adapter.write([...creates(1), { kind: 'create', fields: { Summary: 'x' } }], callOptions())).rejects.toBeInstanceOf(BatchRejectedError);
  });

  it('an unknown field fails the side with a PermanentError naming the field', async () => {
    const { adapter } = await setup();
    const err = await caught(adapter.write([...creates(2), { kind: 'create', fields: { Nope: 1 } }], callOptions()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).not.toBeInstanceOf(BatchRejectedError);
    expect(err.message).toContain('"Nope"');
  });

  it('typecast creates select options when enabled', async () => {
    const { adapter } = await setup({}, { typecast: true });
    const [r] = await adapter.write([{ kind: 'create', fields: { Key: 'x', Status: 'Brand new', Count: '7' } }], callOptions());
    expect(r).toMatchObject({ ok: true, record: { fields: { Status: 'Brand new', Count: 7 } } });
  });

  it('soft deletes check the soft-delete field', async () => {
    const { adapter } = await setup();
    const a = fake!.insert('Items', { Key: 'a' });
    const [r] = await adapter.write([{ kind: 'delete', id: a.id }], callOptions());
    expect(r).toMatchObject({ ok: true, record: { id: a.id, deleted: true } });
    expect(fake!.get('Items', a.id)!.fields.Deleted).toBe(true);
  });

  it('hard deletes DELETE with records[] and treat an already-missing record as deleted', async () => {
    const { adapter } = await setup({}, { soft_delete_field: undefined, hard_delete: true });
    const a = fake!.insert('Items', { Key: 'a' });
    const b = fake!.insert('Items', { Key: 'b' });
    const results = await adapter.write([{ kind: 'delete', id: a.id }, { kind: 'delete', id: b.id }], callOptions());
    expect(results).toMatchObject([{ ok: true, record: { id: a.id, deleted: true } }, { ok: true, record: { id: b.id, deleted: true } }]);
    expect(fake!.records('Items')).toHaveLength(0);
    expect(fake!.requests.at(-1)!.query['records[]']).toEqual([a.id, b.id]);
    expect(await adapter.write([{ kind: 'delete', id: a.id }], callOptions())).toMatchObject([{ ok: true, record: { deleted: true } }]);
    await expect(adapter.write([{ kind: 'delete', id: a.id }, { kind: 'delete', id: b.id }], callOptions())).rejects.toBeInstanceOf(BatchRejectedError);
  });

  it('without soft_delete_field or hard_delete a delete is refused per record, with no request', async () => {
    const { adapter } = await setup({}, { soft_delete_field: undefined });
    const a = fake!.insert('Items', { Key: 'a' });
    const before = fake!.requests.length;
    expect(await adapter.write([{ kind: 'delete', id: a.id }], callOptions())).toEqual([{ ok: false, reason: DELETES_NOT_CONFIGURED }]);
    expect(fake!.requests.length).toBe(before);
    expect(fake!.get('Items', a.id)).toBeDefined();
  });

  it('attachments come back in a stable normalized shape: the write result equals the next pull', async () => {
    const { adapter } = await setup();
    const [r] = await adapter.write([{ kind: 'create', fields: { Key: 'a', Photos: [{ url: 'https://example.com/img/cat.png', filename: 'cat.png' }] } }], callOptions());
    if (!r!.ok) throw new Error(r!.reason);
    const photo = (r!.record.fields.Photos as { id: string; url: string; filename: string; size: number; type: string }[])[0]!;
    expect(photo).toEqual({ id: expect.stringMatching(/^att/), url: expect.stringContaining(fake!.url), filename: 'cat.png', size: expect.any(Number), type: 'image/png' });
    expect(photo.url).not.toBe('https://example.com/img/cat.png'); // Airtable copies the file
    const pulled = (await pullAll(adapter, START_CURSOR)).flatMap((p) => p.records).find((x) => x.id === r!.record.id)!;
    expect(pulled.fields.Photos).toEqual(r!.record.fields.Photos);
    // Writing the normalized value back keeps the attachment (sent as {id}): no new copy.
    const [u] = await adapter.write([{ kind: 'update', id: r!.record.id, fields: { Photos: r!.record.fields.Photos } }], callOptions());
    expect(u!.ok && u!.record.fields.Photos).toEqual(r!.record.fields.Photos);
    expect((fake!.requests.at(-1)!.body as { records: { fields: { Photos: unknown } }[] }).records[0]!.fields.Photos).toEqual([{ id: photo.id }]);
  });

  it('linked records are arrays of record ids, and multiple selects arrays of names', async () => {
    const { adapter } = await setup();
    const a = fake!.insert('Items', { Key: 'a' });
    const [r] = await adapter.write([{ kind: 'create', fields: { Key: 'b', Related: [a.id], Tags: ['red', 'green'] } }], callOptions());
    expect(r).toMatchObject({ ok: true, record: { fields: { Related: [a.id], Tags: ['red', 'green'] } } });
    const [bad] = await adapter.write([{ kind: 'create', fields: { Key: 'c', Related: ['recNOPE0000000000'] } }], callOptions());
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining('ROW_DOES_NOT_EXIST') });
  });
});

describe('AirtableAdapter: findByField', () => {
  it('chunks long lookups so every URL stays under 16,000 characters', async () => {
    const { adapter } = await setup();
    const wanted = fake!.insert('Items', { Key: 'value-1999' });
    const values = Array.from({ length: 2000 }, (_, i) => `value-${i}`);
    const found = await adapter.findByField('Key', values, callOptions());
    expect(found.map((r) => r.id)).toEqual([wanted.id]);
    const gets = listRequests(fake!);
    expect(gets.length).toBeGreaterThan(1);
    for (const g of gets) {
      const url = `${fake!.url}${g.path}?${new URLSearchParams(Object.entries(g.query).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]))).toString()}`;
      expect(url.length).toBeLessThan(16_000);
    }
  });

  it('an unknown field is a PermanentError naming it', async () => {
    const { adapter } = await setup();
    const err = await caught(adapter.findByField('Nope', ['x'], callOptions()));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('"Nope"');
  });
});

describe('AirtableAdapter: errors', () => {
  it('401 is an AuthError naming side and job, never the token', async () => {
    const { options } = await setup();
    const adapter = createAirtableAdapter({ ...options, creds: { ...options.creds, apiKey: 'patWRONG.super-secret-value' } });
    const err = await caught(pullAll(adapter, START_CURSOR));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('"crm"');
    expect(err.message).toContain('"job-1"');
    expectNoSecret(err, 'patWRONG.super-secret-value');
    expectNoSecret(err, TOKEN);
  });

  it('403 is an AuthError too', async () => {
    const { adapter } = await setup();
    fake!.fail({ status: 403 });
    await expect(adapter.write([{ kind: 'create', fields: { Key: 'a' } }], callOptions())).rejects.toBeInstanceOf(AuthError);
  });

  it('429 from the per-base limit is a RateLimitedError with the 30 s penalty; the lockout then ends', async () => {
    const { adapter } = await setup({ rateLimit: { perSecond: 2, penaltyMs: 50 } });
    await pullAll(adapter, START_CURSOR);
    await pullAll(adapter, START_CURSOR);
    const err = await caught(pullAll(adapter, START_CURSOR));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(30_000);
    expect(fake!.requests.at(-1)!.status).toBe(429);
    await new Promise((r) => setTimeout(r, 1_100));
    await expect(pullAll(adapter, START_CURSOR)).resolves.toBeDefined();
  });

  it('429 with a Retry-After header uses it', async () => {
    const { adapter } = await setup();
    fake!.fail({ status: 429, headers: { 'Retry-After': '7' } });
    const err = await caught(pullAll(adapter, START_CURSOR));
    expect((err as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it('5xx is a RetryableError', async () => {
    const { adapter } = await setup();
    fake!.fail({ status: 503 });
    const err = await caught(adapter.write([{ kind: 'create', fields: { Key: 'a' } }], callOptions()));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
    fake!.fail({ status: 500 });
    await expect(pullAll(adapter, START_CURSOR)).rejects.toBeInstanceOf(RetryableError);
  });

  it('a timeout is a RetryableError', async () => {
    const { adapter } = await setup({}, { timeoutMs: 150 });
    fake!.hangNext();
    const err = await caught(pullAll(adapter, START_CURSOR));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toMatch(/timed out after 150 ms/);
  });

  it('a connection reset after the write landed is a RetryableError (the record exists)', async () => {
    const { adapter } = await setup();
    fake!.loseNextWriteResponse();
    const err = await caught(adapter.write([{ kind: 'create', fields: { Key: 'lost' } }], callOptions()));
    expect(err).toBeInstanceOf(RetryableError);
    expectNoSecret(err, TOKEN);
    expect(fake!.records('Items').map((r) => r.fields.Key)).toEqual(['lost']);
    expect(await adapter.findByField('Key', ['lost'], callOptions())).toHaveLength(1);
  });

  it('the run signal aborting while a write is in flight does not lose its result; a later write is not sent', async () => {
    const { results, laterError } = await writeAcrossRunAbort(
      (fetch) => setup({}, { fetch }),
      [{ kind: 'create', fields: { Key: 'kept' } }],
      [{ kind: 'create', fields: { Key: 'never' } }],
    );
    expect(results).toEqual([{ ok: true, record: expect.objectContaining({ id: expect.any(String) }) }]);
    expect(fake!.records('Items').map((r) => r.id)).toEqual([(results[0] as { record: SyncRecord }).record.id]);
    expect(laterError.message).toBe('SIGTERM: grace period over');
    expect(fake!.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  itKeepsApiUrlPasswordOutOfErrors(setup, createAirtableAdapter);

  it('an unknown table is a PermanentError', async () => {
    const { options } = await setup();
    const adapter = createAirtableAdapter({ ...options, table: 'Nope' });
    await expect(pullAll(adapter, START_CURSOR)).rejects.toBeInstanceOf(PermanentError);
  });

  it('logs method, path, status and duration, never the token', async () => {
    const logger = memoryLogger();
    const { adapter } = await setup({}, { logger });
    fake!.insert('Items', { Key: 'a' });
    await pullAll(adapter, START_CURSOR);
    await adapter.write([{ kind: 'create', fields: { Key: 'b' } }], callOptions());
    const debug = logger.lines.filter((l) => l.level === 'debug');
    expect(debug).toHaveLength(2);
    expect(debug[0]!.obj).toMatchObject({ method: 'GET', path: `/v0/${BASE_ID}/Items`, status: 200, durationMs: expect.any(Number) });
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });
});
