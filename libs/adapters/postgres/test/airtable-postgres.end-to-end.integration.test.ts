/**
 * Issue 14, end to end: an Airtable table (the fake) ↔ a PostgreSQL table, through the engine's
 * sync cycle and the PostgreSQL LinkIndex, built directly from the two adapters (the config wiring
 * is not part of this test). Every step asserts both ends' stored data.
 *
 * Time: the Airtable fake runs on a hand-moved clock (3 s before and after each run, so its
 * whole-second cursor settles without waiting); PostgreSQL on its own clock, with the default
 * cursor lag: its recent rows come again on every pull and must be recognised as echoes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAirtableAdapter } from '@syncframe/adapter-airtable';
import { startAirtableFake } from '@syncframe/fakes';
import type { AirtableFake } from '@syncframe/fakes';
import { runSyncCycle } from '@syncframe/engine';
import type { CycleResult, MapperFn, SyncJob } from '@syncframe/engine';
import { airtableBase } from '../../test/adapter-test-fixtures.js';
import { openE2ELinkIndex, RemoteClock, RETRIES, THROTTLE } from '../../test/e2e-fixtures.js';
import type { E2ELinkIndex } from '../../test/e2e-fixtures.js';
import { createPostgresTableAdapter } from '../src/index.js';
import { DATABASE_URL, openTestDb } from './postgres-fixtures.js';
import type { TestDb } from './postgres-fixtures.js';

const BASE_ID = 'appPGe2ebase00001';
const TOKEN = 'patPG.fake-airtable-token';

const toPostgres: MapperFn = (record) => ({
  deleted: record.deleted,
  fields: { name: record.fields.Name ?? null, slug: record.fields.Slug ?? null, notes: record.fields.Notes ?? null },
});
const toAirtable: MapperFn = (record) => ({
  deleted: record.deleted,
  fields: { Name: record.fields.name ?? null, Slug: record.fields.slug ?? null, Notes: record.fields.notes ?? null },
});

interface Post {
  name: unknown;
  slug: unknown;
  notes: unknown;
  deleted: boolean;
}
const bySlug = (a: Post, b: Post) => String(a.slug).localeCompare(String(b.slug));

describe('Airtable ↔ PostgreSQL end to end, through the engine', () => {
  let db: TestDb;
  let links: E2ELinkIndex;
  let at: AirtableFake;
  let q: string;
  let job: SyncJob;
  const clock = new RemoteClock();

  beforeAll(async () => {
    db = await openTestDb('pge2e');
    links = await openE2ELinkIndex();
    at = await startAirtableFake({
      tokens: [TOKEN], rateLimit: false, clock,
      bases: airtableBase(BASE_ID, { Posts: { Name: 'singleLineText', Slug: 'singleLineText', Notes: 'multilineText', Deleted: 'checkbox', 'Last Modified': 'lastModifiedTime' } }),
    });
    const table = await db.table('posts', (t) => `CREATE TABLE ${t} (
      id bigserial PRIMARY KEY, name text, slug text UNIQUE, notes text,
      deleted boolean NOT NULL DEFAULT false, updated_at timestamptz NOT NULL DEFAULT now())`);
    q = `"${db.schema}"."posts"`;
    const call = { jobId: 'pg-e2e', timeoutMs: 5_000 };
    job = {
      id: 'pg-e2e',
      source: {
        name: 'airtable', throttle: THROTTLE,
        adapter: createAirtableAdapter({
          table: 'Posts', creds: { apiKey: TOKEN, baseId: BASE_ID }, api_url: at.url, last_modified_field: 'Last Modified',
          soft_delete_field: 'Deleted', ...call, sideName: 'airtable',
        }),
      },
      dest: {
        name: 'db', throttle: { max_reqs: 10_000, interval_sec: 1, batch_size: 500, concurrency: 2 },
        adapter: createPostgresTableAdapter({
          conn: DATABASE_URL, table, updated_at_column: 'updated_at', deleted_column: 'deleted', max_connections: 2, ...call, sideName: 'db',
        }),
      },
      mappers: { toDest: toPostgres, toSource: toAirtable },
      retries: RETRIES,
      conflictPolicy: 'last_writer_wins',
      match: { source: 'Slug', dest: 'slug' },
    };
  });
  afterAll(async () => {
    await (job?.dest.adapter as { close?: () => Promise<void> } | undefined)?.close?.();
    await at?.close();
    await links?.close();
    await db?.close();
  });

  async function run(): Promise<CycleResult & { airtableWrites: number; pgStamp: string }> {
    clock.advance(3_000);
    const from = at.requests.length;
    const result = await runSyncCycle(job, { linkIndex: links.linkIndex }, { trigger: 'test' });
    clock.advance(3_000);
    const airtableWrites = at.requests.slice(from).filter((r) => r.method !== 'GET' && !r.path.endsWith('/listRecords')).length;
    return { ...result, airtableWrites, pgStamp: await pgStamp() };
  }
  /** Every row's id and time: any write to the table changes it. */
  async function pgStamp(): Promise<string> {
    return JSON.stringify((await db.admin.query(`SELECT id, updated_at::text AS t FROM ${q} ORDER BY id`)).rows);
  }
  const airtablePosts = (): Post[] => at.records('Posts')
    .map((r) => ({ name: r.fields.Name ?? null, slug: r.fields.Slug ?? null, notes: r.fields.Notes ?? null, deleted: r.fields.Deleted === true })).sort(bySlug);
  const pgPosts = async (): Promise<Post[]> => (await db.admin.query(`SELECT name, slug, notes, deleted FROM ${q}`)).rows.sort(bySlug);
  const post = (p: Partial<Post> & { name: string; slug: string }): Post => ({ notes: null, deleted: false, ...p });

  async function expectNothingWritten(): Promise<void> {
    const before = await pgStamp();
    const again = await run();
    expect(again.status).toBe('success');
    expect(again.airtableWrites).toBe(0);
    expect(again.pgStamp).toBe(before);
    for (const side of ['source', 'dest'] as const) {
      expect(again.summary!.counts[side]).toMatchObject({ created: 0, updated: 0, deleted: 0, errors: 0 });
    }
  }

  it('first sync both ways, an edit each way, a delete each way; a re-run writes nothing', async () => {
    const intro = at.insert('Posts', { Name: 'Intro', Slug: 'intro', Notes: 'first' });
    at.insert('Posts', { Name: 'Hooks', Slug: 'hooks' });
    await db.admin.query(`INSERT INTO ${q} (name, slug, notes) VALUES ('From DB', 'from-db', 'sql'), ('Limits', 'limits', NULL)`);

    const first = await run();
    expect(first.status).toBe('success');
    expect(first.summary!.counts.source).toMatchObject({ created: 2, errors: 0 });
    expect(first.summary!.counts.dest).toMatchObject({ created: 2, errors: 0 });
    const union = [
      post({ name: 'From DB', slug: 'from-db', notes: 'sql' }), post({ name: 'Hooks', slug: 'hooks' }),
      post({ name: 'Intro', slug: 'intro', notes: 'first' }), post({ name: 'Limits', slug: 'limits' }),
    ];
    expect(airtablePosts()).toEqual(union);
    expect(await pgPosts()).toEqual(union);
    await expectNothingWritten();

    // An edit each way.
    at.edit('Posts', intro.id, { Notes: 'edited in Airtable' });
    await db.admin.query(`UPDATE ${q} SET name = 'From DB, edited', updated_at = clock_timestamp() WHERE slug = 'from-db'`);
    const edits = await run();
    expect(edits.status).toBe('success');
    expect(edits.summary!.counts.source).toMatchObject({ updated: 1, errors: 0 });
    expect(edits.summary!.counts.dest).toMatchObject({ updated: 1, errors: 0 });
    union[0] = post({ name: 'From DB, edited', slug: 'from-db', notes: 'sql' });
    union[2] = post({ name: 'Intro', slug: 'intro', notes: 'edited in Airtable' });
    expect(airtablePosts()).toEqual(union);
    expect(await pgPosts()).toEqual(union);
    await expectNothingWritten();

    // A delete each way (soft: Airtable's checkbox, the table's flag).
    const hooks = at.records('Posts').find((r) => r.fields.Slug === 'hooks')!;
    at.edit('Posts', hooks.id, { Deleted: true });
    await db.admin.query(`UPDATE ${q} SET deleted = true, updated_at = clock_timestamp() WHERE slug = 'limits'`);
    const deletes = await run();
    expect(deletes.status).toBe('success');
    union[1] = { ...union[1]!, deleted: true };
    union[3] = { ...union[3]!, deleted: true };
    expect(airtablePosts()).toEqual(union);
    expect(await pgPosts()).toEqual(union);
    await expectNothingWritten();
  });
});
