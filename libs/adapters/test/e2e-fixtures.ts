/**
 * The world of the end-to-end test: an Airtable fake and a Webflow fake sharing one hand-moved
 * clock, the adapters pointing at them, the two jobs (Authors, Videos), the PostgreSQL LinkIndex,
 * and helpers that read both fakes' end state and count their write requests.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import { createAirtableAdapter } from '@syncframe/adapter-airtable';
import { startAirtableFake } from '@syncframe/fakes';
import type { AirtableFake, AirtableFakeApiRecord, AirtableFakeOptions } from '@syncframe/fakes';
import { createWebflowAdapter } from '@syncframe/adapter-webflow';
import { startWebflowFake } from '@syncframe/fakes';
import type { WebflowFake, WebflowFakeApiItem, WebflowFakeOptions } from '@syncframe/fakes';
import { runSyncCycle } from '@syncframe/engine';
import type { CycleResult, Link, LinkIndex, RetrySettings, SyncJob, TablePair, ThrottleSettings } from '@syncframe/engine';
import { openLinkIndex } from '@syncframe/linkindex';
import type { LinkIndexStore } from '@syncframe/linkindex';
import {
  AUTHORS_AT, AUTHORS_COLLECTION_ID, AUTHORS_WF, VIDEOS_AT, VIDEOS_COLLECTION_ID, VIDEOS_WF,
  authorToAirtable, authorToWebflow, videoToAirtable, videoToWebflow,
} from './e2e-mappers.js';
import { airtableBase, webflowSite } from './adapter-test-fixtures.js';

export const BASE_ID = 'appE2Ebase0000001';
export const AIRTABLE_TOKEN = 'patE2E.fake-airtable-token';
export const SITE_ID = '64f0c0ffee0000000000beef';
export const WEBFLOW_TOKEN = 'wf-e2e-fake-site-token';

export const VIDEOS_PAIR: TablePair = { source: VIDEOS_AT, dest: VIDEOS_WF };
export const AUTHORS_PAIR: TablePair = { source: AUTHORS_AT, dest: AUTHORS_WF };

/** Generous: the throttle never makes a run wait. Batches of 10 (Airtable's maximum). */
export const THROTTLE: ThrottleSettings = { max_reqs: 1000, interval_sec: 1, batch_size: 10 };
/** Fractional back-off keeps a retried request at 50 ms. */
export const RETRIES: RetrySettings = { max_attempts: 3, backoff_sec: 0.05, disable_job_after: 10 };

export const AIRTABLE_BASES: AirtableFakeOptions['bases'] = airtableBase(BASE_ID, {
  Authors: { Name: 'singleLineText', Slug: 'singleLineText', Bio: 'multilineText', Deleted: 'checkbox', 'Last Modified': 'lastModifiedTime' },
  Videos: {
    Name: 'singleLineText', Slug: 'singleLineText', Notes: 'multilineText', Published: 'checkbox', Attachments: 'multipleAttachments',
    Author: { type: 'multipleRecordLinks', linkedTable: 'Authors' }, Deleted: 'checkbox', 'Last Modified': 'lastModifiedTime',
  },
});

export const WEBFLOW_SITES: WebflowFakeOptions['sites'] = webflowSite(SITE_ID, [
  { id: AUTHORS_COLLECTION_ID, slug: 'authors', displayName: 'Authors', fields: { bio: 'PlainText' } },
  {
    id: VIDEOS_COLLECTION_ID, slug: 'videos', displayName: 'Videos',
    fields: { notes: 'PlainText', published: 'Switch', image: 'Image', author: { type: 'Reference', collection: 'authors' } },
  },
]);

// ---- the PostgreSQL LinkIndex ------------------------------------------------------------------

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface E2ELinkIndex {
  readonly linkIndex: LinkIndexStore;
  readonly schema: string;
  /** Closes the pool and drops the schema. */
  close(): Promise<void>;
}

/** A LinkIndex in a fresh schema of its own (`e2e_<random>`), migrated. */
export async function openE2ELinkIndex(): Promise<E2ELinkIndex> {
  const schema = `e2e_${randomBytes(4).toString('hex')}`;
  const { linkIndex } = await openLinkIndex({ driver: 'postgres', conn: DATABASE_URL, schema }, { migrate: true });
  return {
    linkIndex,
    schema,
    close: async () => {
      await linkIndex.close();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

// ---- the remotes' clock --------------------------------------------------------------------------

/**
 * The clock both fakes stamp records, `lastUpdated` and their `Date` header with. Tests move it
 * by hand: an edit is "newer" because the clock moved, not because real time passed, and the
 * Airtable adapter's cursor (whole seconds, kept 2 s behind the server's Date) settles without
 * any real wait.
 */
export class RemoteClock {
  constructor(private t = Date.parse('2026-03-02T09:00:00.000Z')) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

// ---- the world -----------------------------------------------------------------------------------

/** Write requests a run sent, per fake, as `METHOD /path ×n` (n: records or items in the body). */
export interface RunWrites {
  readonly airtable: string[];
  readonly webflow: string[];
}

export type E2ERun = CycleResult & { readonly writes: RunWrites; readonly ms: number };

export interface E2EWorld {
  readonly clock: RemoteClock;
  readonly at: AirtableFake;
  readonly wf: WebflowFake;
  readonly linkIndex: LinkIndex;
  readonly videos: SyncJob;
  readonly authors: SyncJob;
  /**
   * One cycle of `job` with the real clock (throttles, back-off). The remotes' clock moves 3 s
   * before and after, so the run's own writes and the edits made after it fall in other seconds.
   */
  run(job: SyncJob): Promise<E2ERun>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Prefix of the job ids: cursors and conflicts are per job, links per table pair. */
  readonly id: string;
  readonly match?: boolean;
  readonly conflictPolicy?: SyncJob['conflictPolicy'];
}

export async function startWorld(linkIndex: LinkIndex, options: WorldOptions): Promise<E2EWorld> {
  const clock = new RemoteClock();
  const at = await startAirtableFake({ tokens: [AIRTABLE_TOKEN], bases: AIRTABLE_BASES, rateLimit: false, clock });
  const wf = await startWebflowFake({ tokens: [WEBFLOW_TOKEN], sites: WEBFLOW_SITES, rateLimit: false, clock });
  /** A side of a job: the generous throttle, and the adapter's job, side name and 5 s timeout. */
  const side = <A>(name: string, jobId: string, create: (call: { jobId: string; sideName: string; timeoutMs: number }) => A) => ({
    name, throttle: THROTTLE, adapter: create({ jobId, sideName: name, timeoutMs: 5_000 }),
  });
  const airtableSide = (jobId: string, table: string) => side('airtable', jobId, (call) => createAirtableAdapter({
    table, creds: { apiKey: AIRTABLE_TOKEN, baseId: BASE_ID }, api_url: at.url, last_modified_field: 'Last Modified', soft_delete_field: 'Deleted', ...call,
  }));
  // hard_delete unset: a delete archives the item (isArchived), Webflow's soft delete.
  const webflowSide = (jobId: string, collection: string) => side('webflow', jobId, (call) => createWebflowAdapter({
    collection, creds: { token: WEBFLOW_TOKEN, site_id: SITE_ID }, api_url: wf.url, ...call,
  }));
  const authorsId = `${options.id}-authors`;
  const videosId = `${options.id}-videos`;
  const job = (id: string, table: string, collection: string, mappers: SyncJob['mappers']): SyncJob => ({
    id,
    source: airtableSide(id, table),
    dest: webflowSide(id, collection),
    mappers,
    retries: RETRIES,
    conflictPolicy: options.conflictPolicy ?? 'last_writer_wins',
    ...(options.match ? { match: { source: 'Slug', dest: 'slug' } } : {}),
  });
  const authors = job(authorsId, 'Authors', AUTHORS_COLLECTION_ID, { toDest: authorToWebflow, toSource: authorToAirtable });
  const videos = job(videosId, 'Videos', VIDEOS_COLLECTION_ID, { toDest: videoToWebflow, toSource: videoToAirtable });
  return {
    clock, at, wf, linkIndex, videos, authors,
    run: async (job) => {
      clock.advance(3_000);
      const from = { at: at.requests.length, wf: wf.requests.length };
      const t0 = performance.now();
      const result = await runSyncCycle(job, { linkIndex }, { trigger: 'test' });
      const ms = Math.round(performance.now() - t0);
      clock.advance(3_000);
      const writes: RunWrites = {
        airtable: at.requests.slice(from.at)
          .filter((r) => r.method !== 'GET' && !r.path.endsWith('/listRecords'))
          .map((r) => `${r.method} ${r.path} ×${r.recordCount ?? '?'}${r.status === 0 ? ' (response lost)' : ''}`),
        webflow: wf.requests.slice(from.wf)
          .filter((r) => r.method !== 'GET')
          .map((r) => `${r.method} ${r.path} ×${r.itemCount ?? '?'}${r.status === 0 ? ' (response lost)' : ''}`),
      };
      // E2E_DEBUG=1 prints one line per run: job, duration, counts, writes, plan actions.
      if (process.env.E2E_DEBUG) {
        console.info(`${job.id} ${ms} ms`, JSON.stringify(result.summary?.counts), JSON.stringify(writes), result.plan.map((e) => e.action).join(','));
      }
      return { ...result, writes, ms };
    },
    close: async () => {
      await Promise.all([at.close(), wf.close()]);
    },
  };
}

// ---- reading both sides ---------------------------------------------------------------------------

/** What a video holds, compared across the remotes (ids, URLs and times left out). */
export interface VideoView {
  readonly name: unknown;
  readonly slug: unknown;
  readonly notes: unknown;
  readonly published: boolean;
  /** The attachment's filename / the image's alt: the file's identity across remotes. */
  readonly file: string | null;
  readonly deleted: boolean;
}

export function airtableVideoView(r: AirtableFakeApiRecord): VideoView {
  const f = r.fields;
  const att = (f.Attachments as { filename: string }[] | undefined)?.[0];
  return {
    name: f.Name, slug: f.Slug, notes: f.Notes ?? null, published: f.Published === true,
    file: att?.filename ?? null, deleted: f.Deleted === true,
  };
}

export function webflowVideoView(i: WebflowFakeApiItem): VideoView {
  const f = i.fieldData;
  const image = f.image as { alt?: string | null } | undefined;
  return {
    name: f.name, slug: f.slug, notes: f.notes ?? null, published: f.published === true,
    file: image?.alt ?? null, deleted: i.isArchived,
  };
}

const bySlug = (a: VideoView, b: VideoView) => String(a.slug).localeCompare(String(b.slug));

export function airtableVideos(world: E2EWorld): VideoView[] {
  return world.at.records('Videos').map(airtableVideoView).sort(bySlug);
}

export function webflowVideos(world: E2EWorld): VideoView[] {
  return world.wf.items('videos').map(webflowVideoView).sort(bySlug);
}

export function airtableVideoBySlug(world: E2EWorld, slug: string): AirtableFakeApiRecord {
  const found = world.at.records('Videos').filter((r) => r.fields.Slug === slug);
  expect(found, `Airtable Videos records with Slug ${slug}`).toHaveLength(1);
  return found[0]!;
}

export function webflowVideoBySlug(world: E2EWorld, slug: string): WebflowFakeApiItem {
  const found = world.wf.items('videos').filter((i) => i.fieldData.slug === slug);
  expect(found, `Webflow videos items with slug ${slug}`).toHaveLength(1);
  return found[0]!;
}

/**
 * Asserts that the LinkIndex links every record of `atTable` to exactly one item of `wfCollection`
 * and back (1:1, no item left out on either side), and returns the links by Airtable id.
 */
export async function expectLinkedOneToOne(
  world: E2EWorld, pair: TablePair, atTable: string, wfCollection: string,
): Promise<Map<string, Link>> {
  const atIds = world.at.records(atTable).map((r) => r.id);
  const wfIds = world.wf.items(wfCollection).map((i) => i.id);
  const bySource = await world.linkIndex.findLinks(pair, 'source', atIds);
  const byDest = await world.linkIndex.findLinks(pair, 'dest', wfIds);
  expect(bySource.map((l) => l.sourceId).sort(), 'every Airtable record has exactly one link').toEqual([...atIds].sort());
  expect(byDest.map((l) => l.destId).sort(), 'every Webflow item has exactly one link').toEqual([...wfIds].sort());
  expect(bySource.map((l) => `${l.sourceId}→${l.destId}`).sort()).toEqual(byDest.map((l) => `${l.sourceId}→${l.destId}`).sort());
  return new Map(bySource.map((l) => [l.sourceId, l]));
}

/** Asserts the videos are linked 1:1 and each linked pair holds the same content. */
export async function expectVideosInSync(world: E2EWorld): Promise<Map<string, Link>> {
  const links = await expectLinkedOneToOne(world, VIDEOS_PAIR, 'Videos', 'videos');
  for (const [atId, link] of links) {
    const record = world.at.get('Videos', atId)!;
    const item = world.wf.get('videos', link.destId)!;
    expect(webflowVideoView(item), `the Webflow copy of ${String(record.fields.Slug)}`).toEqual(airtableVideoView(record));
  }
  return links;
}

export const NO_WRITES: RunWrites = { airtable: [], webflow: [] };
