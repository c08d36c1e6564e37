/**
 * The PostgreSQL adapter against the real server, in a schema of its own: paging, the cursor
 * (same millisecond, late commits), writes (batches, row failures, deletes), lookups, errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AuthError, ConfigError, RetryableError, START_CURSOR, isConfigError,
} from '@syncframe/engine';
import type { ChangePage, Cursor, SyncRecord, WriteResult } from '@syncframe/engine';
import { callOptions, caught, expectNoSecret, freeThrottle, pullAll } from '@syncframe/test-kit';
import {
  DELETES_NOT_CONFIGURED, POSTGRES_DEFAULT_THROTTLE, createPostgresTableAdapter, postgresSideOptionsSchema,
} from '../src/index.js';
import { DATABASE_URL, openTestDb } from './postgres-fixtures.js';
import type { TestDb } from './postgres-fixtures.js';

let db: TestDb;
let n = 0;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db?.close();
});

const records = (pages: readonly ChangePage[]): SyncRecord[] => pages.flatMap((p) => p.records);
const lastCursor = (pages: readonly ChangePage[], fallback: Cursor = START_CURSOR): Cursor => pages.at(-1)?.cursor ?? fallback;
const keys = (rs: readonly SyncRecord[]) => rs.map((r) => r.fields.key);
const okRecord = (r: WriteResult | undefined): SyncRecord => {
  expect(r?.ok, JSON.stringify(r)).toBe(true);
  return (r as { record: SyncRecord }).record;
};

/** A fresh items table: its `schema.table` and its quoted name for the test's own SQL. */
async function items(): Promise<{ table: string; q: string }> {
  const name = `items_${++n}`;
  return { table: await db.table(name), q: `"${db.schema}"."${name}"` };
}

async function insert(q: string, key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const cols = ['key', ...Object.keys(extra)];
  const { rows } = await db.admin.query(
    `INSERT INTO ${q} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    [key, ...Object.values(extra)],
  );
  return String(rows[0].id);
}

describe('pull', () => {
  it('pages by keyset over more than one page, in (updated_at, id) order, and every page cursor resumes', async () => {
    const { table, q } = await items();
    // Past times: no transaction open elsewhere on the server (other tests) can hold the cursor back.
    for (let i = 0; i < 7; i++) await insert(q, `k${i}`, { updated_at: `2026-01-01T00:00:0${i}.000001Z` });
    const adapter = db.adapter(table, { pageSize: 3, cursor_lag_sec: 0 });
    const pages = await pullAll(adapter, START_CURSOR);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(keys(records(pages))).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    // Nothing changed: a pull from the end repeats nothing.
    expect(records(await pullAll(adapter, lastCursor(pages)))).toEqual([]);
  });

  it('keeps microseconds in updatedAt and never skips rows that share the cursor millisecond', async () => {
    const { table, q } = await items();
    await insert(q, 'a', { updated_at: '2026-01-01T00:00:00.123400Z' });
    await insert(q, 'b', { updated_at: '2026-01-01T00:00:00.123400Z' });
    const adapter = db.adapter(table, { pageSize: 1, cursor_lag_sec: 0 });
    const first = await pullAll(adapter, START_CURSOR);
    expect(records(first).map((r) => r.updatedAt)).toEqual(['2026-01-01T00:00:00.123400Z', '2026-01-01T00:00:00.123400Z']);
    const cursor = lastCursor(first);
    expect(JSON.parse(cursor.value!).t).toBe('2026-01-01T00:00:00.123Z');
    // Written later, stamped in the same millisecond: before, after and at the cursor's microsecond.
    await insert(q, 'c', { updated_at: '2026-01-01T00:00:00.123000Z' });
    await insert(q, 'd', { updated_at: '2026-01-01T00:00:00.123999Z' });
    await insert(q, 'e', { updated_at: '2026-01-01T00:00:00.123400Z' });
    const again = records(await pullAll(adapter, cursor));
    expect(keys(again).sort()).toEqual(['c', 'd', 'e']);
    // An edit of an already pulled row within the same millisecond is a change, not a repeat.
    await db.admin.query(`UPDATE ${q} SET text = 'edited' WHERE key = 'a'`);
    expect(keys(records(await pullAll(adapter, cursor))).sort()).toEqual(['a', 'c', 'd', 'e']);
  });

  it('a row stamped earlier but committed after a pull saw a later one is still delivered by the next pull', async () => {
    const { table, q } = await items();
    const adapter = db.adapter(table, { cursor_lag_sec: 0 });
    const late = await db.admin.connect();
    try {
      // Transaction A stamps updated_at = now() (its start, t1) and stays open.
      await late.query('BEGIN');
      await late.query(`INSERT INTO ${q} (key) VALUES ('late')`);
      // Transaction B starts after A (t2 > t1) and commits first.
      await db.admin.query(`INSERT INTO ${q} (key) VALUES ('early')`);
      const [t1, t2] = (await db.admin.query(`SELECT (SELECT xact_start FROM pg_stat_activity WHERE pid = $1) AS t1, (SELECT max(updated_at) FROM ${q}) AS t2`, [(late as unknown as { processID: number }).processID])).rows.map((r) => [r.t1, r.t2])[0]!;
      expect(t1.getTime()).toBeLessThan(t2.getTime());
      const first = await pullAll(adapter, START_CURSOR);
      expect(keys(records(first))).toEqual(['early']);
      await late.query('COMMIT');
      const second = records(await pullAll(adapter, lastCursor(first)));
      expect(keys(second)).toContain('late');
    } finally {
      late.release();
    }
  });

  it('with a lag the cursor stays behind the database clock: a just-pulled row comes again, nothing is skipped', async () => {
    const { table, q } = await items();
    await insert(q, 'a');
    const adapter = db.adapter(table, { cursor_lag_sec: 3600 });
    const first = await pullAll(adapter, START_CURSOR);
    expect(keys(records(first))).toEqual(['a']);
    expect(JSON.parse(lastCursor(first).value!).t).toBeNull();
    expect(keys(records(await pullAll(adapter, lastCursor(first))))).toEqual(['a']);
  });

  it('returns JSON-safe values: numeric as a string, jsonb parsed, the flag as deleted', async () => {
    const { table, q } = await items();
    await insert(q, 'a', { amount: '12345678901234567890.5', meta: JSON.stringify({ tags: ['x'] }), deleted: true });
    const [r] = records(await pullAll(db.adapter(table, { cursor_lag_sec: 0 }), START_CURSOR));
    expect(r!.fields).toEqual({ key: 'a', text: null, amount: '12345678901234567890.5', meta: { tags: ['x'] } });
    expect(r!.deleted).toBe(true);
    expect(r!.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });
});

describe('write', () => {
  it('creates and updates in one transaction per batch, stamping updated_at unless the mapper sets it', async () => {
    const { table } = await items();
    const adapter = db.adapter(table);
    const created = (await adapter.write([
      { kind: 'create', fields: { key: 'a', meta: ['list', 1] } },
      { kind: 'create', fields: { key: 'b', updated_at: '2026-02-02T02:02:02.020202Z' } },
    ], callOptions())).map(okRecord);
    expect(created[0]!.fields.meta).toEqual(['list', 1]);
    expect(created[1]!.updatedAt).toBe('2026-02-02T02:02:02.020202Z');
    const [updated] = (await adapter.write([{ kind: 'update', id: created[1]!.id, fields: { text: 'x' } }], callOptions())).map(okRecord);
    expect(updated!.fields.text).toBe('x');
    expect(Date.parse(updated!.updatedAt)).toBeGreaterThan(Date.parse('2026-02-02T02:02:02.020Z'));
  });

  it('a constraint violation fails its row alone; the rest of the batch is written', async () => {
    const { table, q } = await items();
    await insert(q, 'taken');
    const adapter = db.adapter(table);
    const results = await adapter.write([
      { kind: 'create', fields: { key: 'x1' } },
      { kind: 'create', fields: { key: 'taken' } },
      { kind: 'create', fields: { key: 'x2', amount: 'not a number' } },
      { kind: 'create', fields: { key: 'x3' } },
    ], callOptions());
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect((results[1] as { reason: string }).reason).toMatch(/^23505 duplicate key.*\(key\)=\(taken\)/);
    expect((results[2] as { reason: string }).reason).toMatch(/^22P02/);
    const { rows } = await db.admin.query(`SELECT key FROM ${q} ORDER BY key`);
    expect(rows.map((r) => r.key)).toEqual(['taken', 'x1', 'x3']);
    // A batch of one: the same, without a replay.
    const [alone] = await adapter.write([{ kind: 'update', id: results[0]!.ok ? results[0]!.record.id : '', fields: { key: 'taken' } }], callOptions());
    expect(alone).toMatchObject({ ok: false, reason: expect.stringMatching(/^23505/) });
  });

  it('an update of a missing row fails alone; a delete of a missing row is ok (already gone)', async () => {
    const { table, q } = await items();
    const a = await insert(q, 'a');
    const adapter = db.adapter(table);
    const results = await adapter.write([
      { kind: 'update', id: '424242', fields: { text: 'x' } },
      { kind: 'update', id: a, fields: { text: 'y' } },
    ], callOptions());
    expect(results.map((r) => r.ok)).toEqual([false, true]);
    expect(await adapter.write([{ kind: 'delete', id: '424242' }], callOptions())).toMatchObject([{ ok: true, record: { id: '424242', deleted: true } }]);
  });

  it('soft delete flags the row once; hard delete removes it; neither configured refuses per record', async () => {
    const soft = await items();
    const s = await insert(soft.q, 's');
    const softAdapter = db.adapter(soft.table, { cursor_lag_sec: 0 });
    const [first] = (await softAdapter.write([{ kind: 'delete', id: s }], callOptions())).map(okRecord);
    expect(first!.deleted).toBe(true);
    const [again] = (await softAdapter.write([{ kind: 'delete', id: s }], callOptions())).map(okRecord);
    expect(again!.updatedAt).toBe(first!.updatedAt);
    expect((await db.admin.query(`SELECT deleted FROM ${soft.q}`)).rows).toEqual([{ deleted: true }]);

    const hard = await items();
    const h = await insert(hard.q, 'h');
    const hardAdapter = db.adapter(hard.table, { deleted_column: undefined, hard_delete: true });
    expect(await hardAdapter.write([{ kind: 'delete', id: h }], callOptions())).toMatchObject([{ ok: true, record: { id: h, deleted: true, fields: { key: 'h' } } }]);
    expect((await db.admin.query(`SELECT count(*)::int AS n FROM ${hard.q}`)).rows[0].n).toBe(0);

    const none = db.adapter(hard.table, { deleted_column: undefined });
    const throttle = freeThrottle();
    expect(await none.write([{ kind: 'delete', id: '1' }], { throttle })).toEqual([{ ok: false, reason: DELETES_NOT_CONFIGURED }]);
    expect(throttle.acquired).toBe(0);
  });
});

describe('lookups', () => {
  it('findByField compares as text and leaves deleted rows out', async () => {
    const { table, q } = await items();
    const a = await insert(q, 'a', { amount: '1.5' });
    await insert(q, 'b', { amount: '1.5', deleted: true });
    await insert(q, 'c', { amount: '2' });
    const adapter = db.adapter(table);
    expect((await adapter.findByField('amount', ['1.5'], callOptions())).map((r) => r.id)).toEqual([a]);
    expect((await adapter.findByField('key', ['a', 'b'], callOptions())).map((r) => r.id)).toEqual([a]);
    expect((await adapter.findByField('id', [a], callOptions())).map((r) => r.id)).toEqual([a]);
  });

  it('listIds pages every id (flagged ones too); readRecords returns the ones that exist', async () => {
    const { table, q } = await items();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await insert(q, `k${i}`, { deleted: i === 3 }));
    const adapter = db.adapter(table, { pageSize: 3 });
    const pages: (readonly string[])[] = [];
    for await (const page of adapter.listIds(callOptions())) pages.push(page);
    expect(pages.length).toBe(3);
    expect(pages.flat()).toEqual(ids);
    const read = await adapter.readRecords([ids[3]!, '999999', ids[0]!], callOptions());
    expect(read.map((r) => [r.id, r.deleted]).sort()).toEqual([[ids[0], false], [ids[3], true]].sort());
  });
});

describe('errors', () => {
  it('an unknown column, table or option column is a ConfigError naming it, before anything is written', async () => {
    const { table, q } = await items();
    const adapter = db.adapter(table);
    const write = await caught(adapter.write([{ kind: 'create', fields: { key: 'a', nope: 1 } }], callOptions()));
    expect(write).toBeInstanceOf(ConfigError);
    expect(write.message).toContain('"nope"');
    expect((await db.admin.query(`SELECT count(*)::int AS n FROM ${q}`)).rows[0].n).toBe(0);
    expect((await caught(adapter.findByField('nope', ['x'], callOptions()))).message).toContain('"nope"');
    const column = await caught(pullAll(db.adapter(table, { updated_at_column: 'modified' }), START_CURSOR));
    expect(isConfigError(column) && column.message).toContain('updated_at_column "modified"');
    const missing = await caught(pullAll(db.adapter(`${db.schema}.no_such_table`), START_CURSOR));
    expect(isConfigError(missing) && missing.message).toContain('no_such_table');
  });

  it('no password in any error: unreachable server (retryable, permit cancelled), unknown role (auth), unknown table', async () => {
    const secret = 'S3cret-Passw0rd-xyz';
    const url = new URL(DATABASE_URL);
    url.password = secret;
    const unreachable = new URL(url);
    unreachable.port = '1';
    const throttle = freeThrottle();
    const down = await caught(pullAll(createPostgresTableAdapter({ conn: unreachable.toString(), table: 'x', updated_at_column: 'u', timeoutMs: 2_000 }), START_CURSOR, { throttle }));
    expect(down).toBeInstanceOf(RetryableError);
    expect(throttle).toMatchObject({ acquired: 1, sent: 0, cancelled: 1 });
    expectNoSecret(down, secret);

    const stranger = new URL(url);
    stranger.username = 'no_such_role_sf';
    const auth = await caught(pullAll(createPostgresTableAdapter({ conn: stranger.toString(), table: 'x', updated_at_column: 'u' }), START_CURSOR));
    expect(auth).toBeInstanceOf(AuthError);
    expectNoSecret(auth, secret);

    const adapter = db.adapter(`${db.schema}.missing`, { conn: url.toString() });
    const config = await caught(pullAll(adapter, START_CURSOR));
    expect(config).toBeInstanceOf(ConfigError);
    expectNoSecret(config, secret);
    expect(adapter.rateLimitKey).not.toContain(secret);
    expect(adapter.rateLimitKey).toBe(db.adapter('x.y').rateLimitKey);
  });
});

describe('options', () => {
  it('the side schema fills defaults, refuses hard_delete with deleted_column, and fits a discriminated union', () => {
    const parsed = postgresSideOptionsSchema.parse({ adapter: 'postgres', conn: 'postgres://h/db', table: 'public.items', updated_at_column: 'updated_at' });
    expect(parsed).toMatchObject({ id_column: 'id', hard_delete: false, max_connections: 4, cursor_lag_sec: 5 });
    expect(postgresSideOptionsSchema.safeParse({ ...parsed, deleted_column: 'd', hard_delete: true }).success).toBe(false);
    expect(postgresSideOptionsSchema.safeParse({ ...parsed, table: 'a.b.c' }).success).toBe(false);
    expect(postgresSideOptionsSchema.safeParse({ ...parsed, typo: 1 }).success).toBe(false);
    const sides = z.discriminatedUnion('adapter', [postgresSideOptionsSchema, z.strictObject({ adapter: z.literal('memory') })]);
    expect(sides.safeParse(parsed).success).toBe(true);
    expect(POSTGRES_DEFAULT_THROTTLE).toMatchObject({ batch_size: 500, concurrency: 4 });
    expect(createPostgresTableAdapter({ conn: DATABASE_URL, table: 't', updated_at_column: 'u', max_connections: 9 }).defaultThrottle.concurrency).toBe(9);
  });
});
