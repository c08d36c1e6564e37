/**
 * Issue 5, end to end: the Airtable fake ↔ the Webflow fake through the engine's sync cycle and
 * the PostgreSQL LinkIndex, both ways. Every scenario asserts the end state of both fakes (their
 * stored records, not what the engine says it did), the LinkIndex, and the write requests each
 * fake received.
 *
 * Time: the engine runs on real timers (generous throttles, 50 ms back-off). The fakes share one
 * hand-moved clock (`RemoteClock`): `world.run` moves it 3 s before and after each run, so the
 * Airtable adapter's whole-second cursor (kept 2 s behind the server's Date) settles with no real
 * wait, and "the newer edit" is made newer by moving that clock, never by sleeping.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSyncCycle, START_CURSOR } from '@syncframe/engine';
import type { PlanEntry, SyncJob } from '@syncframe/engine';
import type { E2ELinkIndex, E2EWorld, VideoView, WorldOptions } from './e2e-fixtures.js';
import {
  AUTHORS_PAIR, BASE_ID, NO_WRITES, VIDEOS_PAIR, airtableVideoBySlug, airtableVideos, expectLinkedOneToOne,
  expectVideosInSync, openE2ELinkIndex, startWorld, webflowVideoBySlug, webflowVideos,
} from './e2e-fixtures.js';
import { AUTHORS_COLLECTION_ID, VIDEOS_AT, VIDEOS_COLLECTION_ID, VIDEOS_WF } from './e2e-mappers.js';

const AT_VIDEOS = `/v0/${BASE_ID}/Videos`;
const AT_AUTHORS = `/v0/${BASE_ID}/Authors`;
const WF_VIDEOS = `/v2/collections/${VIDEOS_COLLECTION_ID}/items`;
const WF_AUTHORS = `/v2/collections/${AUTHORS_COLLECTION_ID}/items`;

type Attachment = { id: string; url: string; filename: string };
type Image = { fileId: string; url: string; alt: string | null };

const video = (v: Partial<VideoView> & { name: string; slug: string }): VideoView => ({
  notes: null, published: false, file: null, deleted: false, ...v,
});

/** The plan entry of one pulled record. */
function entryOf(plan: PlanEntry[], recordId: string): PlanEntry {
  const found = plan.filter((e) => e.recordId === recordId);
  expect(found, `plan entries of ${recordId}`).toHaveLength(1);
  return found[0]!;
}

describe('Airtable ↔ Webflow end to end, through the engine and the PostgreSQL LinkIndex', () => {
  let db: E2ELinkIndex;
  const worlds: E2EWorld[] = [];

  beforeAll(async () => {
    db = await openE2ELinkIndex();
  });
  afterEach(async () => {
    await Promise.all(worlds.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    await db?.close();
  });

  async function world(options: WorldOptions): Promise<E2EWorld> {
    const w = await startWorld(db.linkIndex, options);
    worlds.push(w);
    return w;
  }

  it('1. first sync both ways: both sides hold the union, linked 1:1; a second run writes nothing', async () => {
    const w = await world({ id: 's1' });
    w.at.insert('Videos', {
      Name: 'Intro to Sync', Slug: 'intro-to-sync', Notes: 'first video', Published: true,
      Attachments: [{ url: 'https://files.example.com/intro.png', filename: 'intro.png' }],
    });
    w.at.insert('Videos', { Name: 'Webhooks 101', Slug: 'webhooks-101', Notes: 'draft notes' });
    w.wf.insert('videos', {
      name: 'Designing a CMS', slug: 'designing-a-cms', notes: 'from the Designer', published: true,
      image: { url: 'https://images.example.com/cms.jpg', alt: 'cms.jpg' },
    });
    w.wf.insert('videos', { name: 'Rate limits', slug: 'rate-limits', published: false });

    const first = await w.run(w.videos);

    expect(first.status).toBe('success');
    expect(first.summary!.counts.source).toMatchObject({ pulled: 2, created: 2, updated: 0, errors: 0 });
    expect(first.summary!.counts.dest).toMatchObject({ pulled: 2, created: 2, updated: 0, errors: 0 });
    // One batch per side: the two creates of each side in one request.
    expect(first.writes).toEqual({ airtable: [`POST ${AT_VIDEOS} ×2`], webflow: [`POST ${WF_VIDEOS} ×2`] });
    const union = [
      video({ name: 'Designing a CMS', slug: 'designing-a-cms', notes: 'from the Designer', published: true, file: 'cms.jpg' }),
      video({ name: 'Intro to Sync', slug: 'intro-to-sync', notes: 'first video', published: true, file: 'intro.png' }),
      video({ name: 'Rate limits', slug: 'rate-limits' }),
      video({ name: 'Webhooks 101', slug: 'webhooks-101', notes: 'draft notes' }),
    ];
    expect(airtableVideos(w)).toEqual(union);
    expect(webflowVideos(w)).toEqual(union);
    await expectVideosInSync(w);
    // The files were copied, each re-hosted by the receiving remote under its own URL.
    const introAttachment = (airtableVideoBySlug(w, 'intro-to-sync').fields.Attachments as Attachment[])[0]!;
    const introImage = webflowVideoBySlug(w, 'intro-to-sync').fieldData.image as Image;
    expect(introImage.url.startsWith(`${w.wf.url}/cdn/`)).toBe(true);
    expect(introImage.url).not.toBe(introAttachment.url);
    const cmsImage = webflowVideoBySlug(w, 'designing-a-cms').fieldData.image as Image;
    const cmsAttachment = (airtableVideoBySlug(w, 'designing-a-cms').fields.Attachments as Attachment[])[0]!;
    expect(cmsAttachment.url.startsWith(`${w.at.url}/attachments/`)).toBe(true);
    expect(cmsAttachment.url).not.toBe(cmsImage.url);

    const second = await w.run(w.videos);

    expect(second.status).toBe('success');
    expect(second.writes).toEqual(NO_WRITES);
    // It pulled the records the first run created (their echoes) and recognised them.
    expect(second.summary!.counts.source).toMatchObject({ pulled: 2, echoesSkipped: 2, created: 0, updated: 0, deleted: 0 });
    expect(second.summary!.counts.dest).toMatchObject({ pulled: 2, echoesSkipped: 2, created: 0, updated: 0, deleted: 0 });
    expect(second.plan.filter((e) => e.action !== 'echo')).toEqual([]);
    expect(airtableVideos(w)).toEqual(union);
    expect(webflowVideos(w)).toEqual(union);
    const runs = await w.linkIndex.listRuns({ jobId: w.videos.id });
    expect(runs.map((r) => r.status)).toEqual(['success', 'success']);
  });

  it('2. edits on each side propagate; a file copied across is re-hosted and never loops', async () => {
    const w = await world({ id: 's2' });
    const intro = w.at.insert('Videos', { Name: 'Intro to Sync', Slug: 'intro-to-sync', Notes: 'first' });
    const hooks = w.at.insert('Videos', { Name: 'Webhooks 101', Slug: 'webhooks-101' });
    const cms = w.wf.insert('videos', { name: 'Designing a CMS', slug: 'designing-a-cms', notes: 'from the Designer' });
    const limits = w.wf.insert('videos', { name: 'Rate limits', slug: 'rate-limits', published: false });
    expect((await w.run(w.videos)).status).toBe('success');

    // Each linked pair is edited on one side only.
    w.at.edit('Videos', intro.id, { Notes: 'edited in Airtable', Published: true });
    w.at.edit('Videos', hooks.id, { Attachments: [{ url: 'https://files.example.com/webhooks.png', filename: 'webhooks.png' }] });
    w.wf.edit('videos', cms.id, { notes: 'edited in Webflow' });
    w.wf.edit('videos', limits.id, {
      name: 'Rate limits, explained', published: true, image: { url: 'https://images.example.com/limits.jpg', alt: 'limits.jpg' },
    });

    const edits = await w.run(w.videos);

    expect(edits.status).toBe('success');
    expect(edits.writes).toEqual({ airtable: [`PATCH ${AT_VIDEOS} ×2`], webflow: [`PATCH ${WF_VIDEOS} ×2`] });
    expect(edits.summary!.counts.source).toMatchObject({ updated: 2, created: 0 });
    expect(edits.summary!.counts.dest).toMatchObject({ updated: 2, created: 0 });
    const expected = [
      video({ name: 'Designing a CMS', slug: 'designing-a-cms', notes: 'edited in Webflow' }),
      video({ name: 'Intro to Sync', slug: 'intro-to-sync', notes: 'edited in Airtable', published: true }),
      video({ name: 'Rate limits, explained', slug: 'rate-limits', published: true, file: 'limits.jpg' }),
      video({ name: 'Webhooks 101', slug: 'webhooks-101', file: 'webhooks.png' }),
    ];
    expect(airtableVideos(w)).toEqual(expected);
    expect(webflowVideos(w)).toEqual(expected);
    await expectVideosInSync(w);

    // Airtable → Webflow: Webflow re-hosted the attachment on its CDN.
    const hooksAttachment = (airtableVideoBySlug(w, 'webhooks-101').fields.Attachments as Attachment[])[0]!;
    const hooksImage = webflowVideoBySlug(w, 'webhooks-101').fieldData.image as Image;
    expect(hooksImage.url.startsWith(`${w.wf.url}/cdn/`)).toBe(true);
    expect(hooksImage.url).not.toBe(hooksAttachment.url);
    // Webflow → Airtable: Airtable copied the image under a new attachment id and URL.
    const limitsImage = webflowVideoBySlug(w, 'rate-limits').fieldData.image as Image;
    const limitsAttachment = (airtableVideoBySlug(w, 'rate-limits').fields.Attachments as Attachment[])[0]!;
    expect(limitsAttachment.url.startsWith(`${w.at.url}/attachments/`)).toBe(true);
    expect(limitsAttachment.url).not.toBe(limitsImage.url);
    expect(limitsAttachment.filename).toBe('limits.jpg');

    // Run 2 pulls the echoes of those writes: each remote holds the file under its own new URL,
    // and the link's hashes were taken from the records the remotes returned, so nothing is written.
    const second = await w.run(w.videos);
    expect(second.status).toBe('success');
    expect(second.writes).toEqual(NO_WRITES);
    expect(second.summary!.counts.source).toMatchObject({ pulled: 2, echoesSkipped: 2 });
    expect(second.summary!.counts.dest).toMatchObject({ pulled: 2, echoesSkipped: 2 });
    // Runs 3 and 4 re-read both tables whole (cursors reset, as after a lost cursor): every
    // record, re-hosted files included, is recognised as already synced.
    for (const n of [3, 4]) {
      await w.linkIndex.saveCursor(w.videos.id, VIDEOS_AT, START_CURSOR);
      await w.linkIndex.saveCursor(w.videos.id, VIDEOS_WF, START_CURSOR);
      const again = await w.run(w.videos);
      expect(again.status, `run ${n} after the edits`).toBe('success');
      expect(again.writes, `run ${n} after the edits`).toEqual(NO_WRITES);
      expect(again.summary!.counts.source, `run ${n} after the edits`).toMatchObject({ pulled: 4, echoesSkipped: 4 });
      expect(again.summary!.counts.dest, `run ${n} after the edits`).toMatchObject({ pulled: 4, echoesSkipped: 4 });
    }
    expect((airtableVideoBySlug(w, 'webhooks-101').fields.Attachments as Attachment[])[0]).toEqual(hooksAttachment);
    expect(webflowVideoBySlug(w, 'webhooks-101').fieldData.image).toEqual(hooksImage);
    expect((airtableVideoBySlug(w, 'rate-limits').fields.Attachments as Attachment[])[0]).toEqual(limitsAttachment);
    expect(webflowVideoBySlug(w, 'rate-limits').fieldData.image).toEqual(limitsImage);
    expect(airtableVideos(w)).toEqual(expected);
    expect(webflowVideos(w)).toEqual(expected);
  });

  it('3a. conflict under last_writer_wins: the newer edit wins, either way round', async () => {
    const w = await world({ id: 's3-lww', conflictPolicy: 'last_writer_wins' });
    const record = w.at.insert('Videos', { Name: 'Conflicts', Slug: 'conflicts', Notes: 'original' });
    await w.run(w.videos);
    const item = webflowVideoBySlug(w, 'conflicts');

    // Airtable first, Webflow 5 s later: Webflow's edit is newer.
    w.at.edit('Videos', record.id, { Notes: 'older, from Airtable' });
    w.clock.advance(5_000);
    w.wf.edit('videos', item.id, { notes: 'newer, from Webflow', published: true });
    const webflowWins = await w.run(w.videos);

    expect(webflowWins.status).toBe('success');
    expect(webflowWins.writes).toEqual({ airtable: [`PATCH ${AT_VIDEOS} ×1`], webflow: [] });
    expect(entryOf(webflowWins.plan, item.id)).toMatchObject({ action: 'update', target: { side: 'source', id: record.id } });
    expect(entryOf(webflowWins.plan, record.id).action).toBe('conflict');
    const webflowVersion = [video({ name: 'Conflicts', slug: 'conflicts', notes: 'newer, from Webflow', published: true })];
    expect(airtableVideos(w)).toEqual(webflowVersion);
    expect(webflowVideos(w)).toEqual(webflowVersion);

    // Webflow first, Airtable 5 s later: Airtable's edit is newer.
    w.wf.edit('videos', item.id, { notes: 'older, from Webflow' });
    w.clock.advance(5_000);
    w.at.edit('Videos', record.id, { Notes: 'newer, from Airtable', Published: false });
    const airtableWins = await w.run(w.videos);

    expect(airtableWins.status).toBe('success');
    expect(airtableWins.writes).toEqual({ airtable: [], webflow: [`PATCH ${WF_VIDEOS} ×1`] });
    expect(entryOf(airtableWins.plan, record.id)).toMatchObject({ action: 'update', target: { side: 'dest', id: item.id } });
    expect(entryOf(airtableWins.plan, item.id).action).toBe('conflict');
    const airtableVersion = [video({ name: 'Conflicts', slug: 'conflicts', notes: 'newer, from Airtable' })];
    expect(airtableVideos(w)).toEqual(airtableVersion);
    expect(webflowVideos(w)).toEqual(airtableVersion);
    await expectVideosInSync(w);

    expect((await w.run(w.videos)).writes).toEqual(NO_WRITES);
    expect(await w.linkIndex.listConflicts(w.videos.id, 'open')).toEqual([]);
  });

  it('3b. conflict under manual: recorded in PostgreSQL with both payloads, nothing written; resolved for dest, the next run applies it', async () => {
    const w = await world({ id: 's3-manual', conflictPolicy: 'manual' });
    const record = w.at.insert('Videos', { Name: 'Manual', Slug: 'manual', Notes: 'original' });
    await w.run(w.videos);
    const item = webflowVideoBySlug(w, 'manual');

    w.at.edit('Videos', record.id, { Notes: 'Airtable says A' });
    w.clock.advance(5_000);
    w.wf.edit('videos', item.id, { notes: 'Webflow says W', published: true });
    const detected = await w.run(w.videos);

    expect(detected.status).toBe('success');
    expect(detected.writes).toEqual(NO_WRITES);
    expect(detected.summary!.counts.source.conflicts).toBe(1);
    expect(detected.summary!.counts.dest.conflicts).toBe(1);
    const open = await w.linkIndex.listConflicts(w.videos.id, 'open');
    expect(open).toHaveLength(1);
    const conflict = open[0]!;
    expect(conflict).toMatchObject({
      jobId: w.videos.id, pair: VIDEOS_PAIR, sourceId: record.id, destId: item.id, keep: null, resolvedAt: null, appliedAt: null,
    });
    expect(conflict.sourcePayload).toMatchObject({ id: record.id, deleted: false, fields: { Name: 'Manual', Slug: 'manual', Notes: 'Airtable says A' } });
    expect(conflict.destPayload).toMatchObject({ id: item.id, deleted: false, fields: { name: 'Manual', slug: 'manual', notes: 'Webflow says W', published: true } });
    // Both sides keep their own edit until a person decides.
    expect(airtableVideos(w)).toEqual([video({ name: 'Manual', slug: 'manual', notes: 'Airtable says A' })]);
    expect(webflowVideos(w)).toEqual([video({ name: 'Manual', slug: 'manual', notes: 'Webflow says W', published: true })]);
    // Edited again while the conflict is open: held, nothing written, the payload refreshed in place.
    w.at.edit('Videos', record.id, { Notes: 'Airtable says A, again' });
    const waiting = await w.run(w.videos);
    expect(waiting.writes).toEqual(NO_WRITES);
    expect(entryOf(waiting.plan, record.id).action).toBe('conflict');
    const stillOpen = await w.linkIndex.listConflicts(w.videos.id, 'open');
    expect(stillOpen.map((c) => c.conflictId)).toEqual([conflict.conflictId]);
    expect(stillOpen[0]!.sourcePayload.fields.Notes).toBe('Airtable says A, again');
    expect(stillOpen[0]!.destPayload.fields.notes).toBe('Webflow says W');
    expect(airtableVideos(w)).toEqual([video({ name: 'Manual', slug: 'manual', notes: 'Airtable says A, again' })]);

    await w.linkIndex.resolveConflict(conflict.conflictId, 'dest');
    const applied = await w.run(w.videos);

    expect(applied.status).toBe('success');
    expect(applied.writes).toEqual({ airtable: [`PATCH ${AT_VIDEOS} ×1`], webflow: [] });
    const webflowVersion = [video({ name: 'Manual', slug: 'manual', notes: 'Webflow says W', published: true })];
    expect(airtableVideos(w)).toEqual(webflowVersion);
    expect(webflowVideos(w)).toEqual(webflowVersion);
    await expectVideosInSync(w);
    const stored = await w.linkIndex.getConflict(conflict.conflictId);
    expect(stored).toMatchObject({ keep: 'dest' });
    expect(stored!.resolvedAt).not.toBeNull();
    expect(stored!.appliedAt).not.toBeNull();
    expect(await w.linkIndex.listConflicts(w.videos.id, 'open')).toEqual([]);
    expect(await w.linkIndex.listConflicts(w.videos.id, 'resolved')).toEqual([]);

    expect((await w.run(w.videos)).writes).toEqual(NO_WRITES);
  });

  it('4. soft deletes: Airtable "Deleted" checkbox ↔ Webflow isArchived; a delete wins; a stale copy never re-creates', async () => {
    const w = await world({ id: 's4' });
    const recA = w.at.insert('Videos', { Name: 'Deleted in Airtable', Slug: 'deleted-in-airtable', Notes: 'a' });
    const recB = w.at.insert('Videos', { Name: 'Archived in Webflow', Slug: 'archived-in-webflow', Notes: 'b' });
    const recC = w.at.insert('Videos', { Name: 'Airtable delete versus edit', Slug: 'airtable-delete-versus-edit', Notes: 'c' });
    const recD = w.at.insert('Videos', { Name: 'Webflow archive versus edit', Slug: 'webflow-archive-versus-edit', Notes: 'd' });
    await w.run(w.videos);
    const itemA = webflowVideoBySlug(w, 'deleted-in-airtable');
    const itemB = webflowVideoBySlug(w, 'archived-in-webflow');
    const itemC = webflowVideoBySlug(w, 'airtable-delete-versus-edit');
    const itemD = webflowVideoBySlug(w, 'webflow-archive-versus-edit');
    const pairs = [[recA.id, itemA.id], [recB.id, itemB.id], [recC.id, itemC.id], [recD.id, itemD.id]];

    w.at.edit('Videos', recA.id, { Deleted: true }); // a person ticks "Deleted"
    w.wf.edit('videos', itemB.id, {}, { isArchived: true }); // a person archives the item
    // Deleted on one side, then edited (newer) on the other: the delete still wins.
    w.at.edit('Videos', recC.id, { Deleted: true });
    w.wf.edit('videos', itemD.id, {}, { isArchived: true });
    w.clock.advance(5_000);
    w.wf.edit('videos', itemC.id, { notes: 'edited after the delete' });
    w.at.edit('Videos', recD.id, { Notes: 'edited after the archive' });
    const deletes = await w.run(w.videos);

    expect(deletes.status).toBe('success');
    // One PATCH per side: Webflow archives A and C, Airtable ticks "Deleted" on B and D.
    expect(deletes.writes).toEqual({ airtable: [`PATCH ${AT_VIDEOS} ×2`], webflow: [`PATCH ${WF_VIDEOS} ×2`] });
    expect(deletes.summary!.counts.dest.deleted).toBe(2);
    expect(deletes.summary!.counts.source.deleted).toBe(2);
    expect(w.wf.get('videos', itemA.id)).toMatchObject({ isArchived: true, fieldData: { notes: 'a' } });
    expect(w.wf.get('videos', itemC.id)).toMatchObject({ isArchived: true, fieldData: { notes: 'edited after the delete' } });
    expect(w.at.get('Videos', recB.id)!.fields).toMatchObject({ Deleted: true, Notes: 'b' });
    expect(w.at.get('Videos', recC.id)!.fields).toMatchObject({ Deleted: true, Notes: 'c' }); // the Webflow edit was not carried over
    expect(w.at.get('Videos', recD.id)!.fields).toMatchObject({ Deleted: true, Notes: 'edited after the archive' });
    expect(w.wf.get('videos', itemD.id)).toMatchObject({ isArchived: true, fieldData: { notes: 'd' } }); // nor this one
    const tombstones = await w.linkIndex.findLinks(VIDEOS_PAIR, 'source', pairs.map(([at]) => at!));
    expect(tombstones.map((l) => [l.sourceId, l.destId]).sort()).toEqual([...pairs].sort());
    for (const link of tombstones) expect(link.deletedAt, `tombstone of ${link.sourceId}`).not.toBeNull();

    // Stale copies come back: un-deleted in Airtable, un-archived in Webflow, archived ones edited.
    w.at.edit('Videos', recA.id, { Deleted: false, Notes: 'restored in Airtable' });
    w.wf.edit('videos', itemC.id, { notes: 'restored in Webflow' }, { isArchived: false });
    w.wf.edit('videos', itemB.id, { notes: 'edited while archived' });
    w.at.edit('Videos', recD.id, { Notes: 'edited while deleted' });
    const stale = await w.run(w.videos);

    expect(stale.status).toBe('success');
    expect(stale.writes).toEqual(NO_WRITES);
    expect(entryOf(stale.plan, recA.id).action).toBe('skip');
    expect(entryOf(stale.plan, itemC.id).action).toBe('skip');
    expect(entryOf(stale.plan, itemB.id).action).toBe('echo');
    expect(entryOf(stale.plan, recD.id).action).toBe('echo');
    // Nothing re-created, nothing un-deleted on the other side.
    expect(w.at.records('Videos')).toHaveLength(4);
    expect(w.wf.items('videos')).toHaveLength(4);
    expect(w.wf.get('videos', itemA.id)!.isArchived).toBe(true);
    expect(w.at.get('Videos', recB.id)!.fields.Deleted).toBe(true);
    expect(w.at.get('Videos', recC.id)!.fields.Deleted).toBe(true);
    expect(w.wf.get('videos', itemD.id)!.isArchived).toBe(true);
    for (const link of await w.linkIndex.findLinks(VIDEOS_PAIR, 'source', pairs.map(([at]) => at!))) {
      expect(link.deletedAt, `tombstone of ${link.sourceId}`).not.toBeNull();
    }
    expect((await w.run(w.videos)).writes).toEqual(NO_WRITES);
  });

  it('5. a reference field between two synced tables: Videos.Author ↔ videos.author, translated through the LinkIndex', async () => {
    const w = await world({ id: 's5' });
    const ada = w.at.insert('Authors', { Name: 'Ada Lovelace', Slug: 'ada-lovelace', Bio: 'Wrote the first program' });
    const grace = w.wf.insert('authors', { name: 'Grace Hopper', slug: 'grace-hopper', bio: 'Wrote the first compiler' });

    const authors = await w.run(w.authors);

    expect(authors.status).toBe('success');
    expect(authors.writes).toEqual({ airtable: [`POST ${AT_AUTHORS} ×1`], webflow: [`POST ${WF_AUTHORS} ×1`] });
    const authorLinks = await expectLinkedOneToOne(w, AUTHORS_PAIR, 'Authors', 'authors');
    const adaInWebflow = authorLinks.get(ada.id)!.destId;
    const graceInAirtable = [...authorLinks.values()].find((l) => l.destId === grace.id)!.sourceId;
    expect(w.wf.get('authors', adaInWebflow)!.fieldData).toMatchObject({ name: 'Ada Lovelace', slug: 'ada-lovelace' });
    expect(w.at.get('Authors', graceInAirtable)!.fields).toMatchObject({ Name: 'Grace Hopper', Slug: 'grace-hopper' });

    const engine = w.at.insert('Videos', { Name: 'The Analytical Engine', Slug: 'analytical-engine', Author: [ada.id] });
    const compiler = w.wf.insert('videos', { name: 'The first compiler', slug: 'first-compiler', author: grace.id });
    const videos = await w.run(w.videos);

    expect(videos.status).toBe('success');
    expect(videos.writes).toEqual({ airtable: [`POST ${AT_VIDEOS} ×1`], webflow: [`POST ${WF_VIDEOS} ×1`] });
    expect(webflowVideoBySlug(w, 'analytical-engine').fieldData.author).toBe(adaInWebflow);
    expect(airtableVideoBySlug(w, 'first-compiler').fields.Author).toEqual([graceInAirtable]);
    await expectVideosInSync(w);
    expect((await w.run(w.authors)).writes).toEqual(NO_WRITES);
    expect((await w.run(w.videos)).writes).toEqual(NO_WRITES);

    // Re-point each reference on one side: the other side follows, translated.
    const engineItem = webflowVideoBySlug(w, 'analytical-engine');
    const compilerRecord = airtableVideoBySlug(w, 'first-compiler');
    w.wf.edit('videos', engineItem.id, { author: grace.id });
    w.at.edit('Videos', compilerRecord.id, { Author: [ada.id] });
    const repointed = await w.run(w.videos);

    expect(repointed.status).toBe('success');
    expect(repointed.writes).toEqual({ airtable: [`PATCH ${AT_VIDEOS} ×1`], webflow: [`PATCH ${WF_VIDEOS} ×1`] });
    expect(w.at.get('Videos', engine.id)!.fields.Author).toEqual([graceInAirtable]);
    expect(w.wf.get('videos', compiler.id)!.fieldData.author).toBe(adaInWebflow);
    expect((await w.run(w.videos)).writes).toEqual(NO_WRITES);
  });

  it('6. a create batch whose response is lost (both sides), with match on Slug/slug: no duplicates', async () => {
    const w = await world({ id: 's6', match: true });
    for (const n of [1, 2, 3]) w.at.insert('Videos', { Name: `Airtable video ${n}`, Slug: `airtable-video-${n}`, Notes: `at ${n}` });
    for (const n of [1, 2, 3]) w.wf.insert('videos', { name: `Webflow video ${n}`, slug: `webflow-video-${n}`, notes: `wf ${n}` });
    // The create batch on each side is applied, and its response never arrives.
    w.wf.loseNextWriteResponse();
    w.at.loseNextWriteResponse();

    const run = await w.run(w.videos);

    expect(run.status).toBe('success');
    // One POST per side and no second one: the retry first looked the keys up and found all three.
    expect(run.writes).toEqual({
      airtable: [`POST ${AT_VIDEOS} ×3 (response lost)`],
      webflow: [`POST ${WF_VIDEOS} ×3 (response lost)`],
    });
    expect(run.summary!.retries).toBe(2);
    expect(run.summary!.counts.source).toMatchObject({ created: 3, errors: 0 });
    expect(run.summary!.counts.dest).toMatchObject({ created: 3, errors: 0 });
    const slugs = (views: VideoView[]) => views.map((v) => v.slug);
    const all = [1, 2, 3].flatMap((n) => [`airtable-video-${n}`, `webflow-video-${n}`]).sort();
    expect(slugs(airtableVideos(w))).toEqual(all);
    expect(slugs(webflowVideos(w))).toEqual(all);
    await expectVideosInSync(w);

    const next = await w.run(w.videos);
    expect(next.writes).toEqual(NO_WRITES);
    expect(slugs(airtableVideos(w))).toEqual(all);
    expect(slugs(webflowVideos(w))).toEqual(all);
  });

  // DESIGN.md: "with match, pair new records of both sides that carry the same key … already-equal
  // content is just linked". Two tables that already hold the same videos are linked, not written.
  it.each(['last_writer_wins', 'manual'] as const)(
    '6b. match links records already equal on both sides: nothing written, no conflict (%s)',
    async (conflictPolicy: SyncJob['conflictPolicy']) => {
      const w = await world({ id: `s6b-${conflictPolicy}`, match: true, conflictPolicy });
      w.at.insert('Videos', { Name: 'Already there', Slug: 'already-there', Notes: 'same on both sides' });
      w.wf.insert('videos', { name: 'Already there', slug: 'already-there', notes: 'same on both sides', published: false });
      w.at.insert('Videos', { Name: 'Published twice', Slug: 'published-twice', Published: true });
      w.wf.insert('videos', { name: 'Published twice', slug: 'published-twice', published: true });

      const first = await w.run(w.videos);

      expect(first.status).toBe('success');
      expect(first.plan.map((e) => `${e.action}: ${e.reason ?? ''}`)).toEqual(
        Array(4).fill('link: both sides already hold the same content'),
      );
      expect(first.writes).toEqual(NO_WRITES);
      expect(await w.linkIndex.listConflicts(w.videos.id, 'open')).toEqual([]);
      await expectVideosInSync(w);
      expect((await w.run(w.videos)).writes).toEqual(NO_WRITES);
    },
  );

  // Issue 10: moving to a new store starts from empty links; `match` must find the item whose key
  // Webflow normalised on write ("Bad Slug!!" → "bad-slug"), or both sides get a duplicate.
  it('7. a key the remote normalised still matches, from a new store: no duplicate on either side', async () => {
    const w = await world({ id: 's7', match: true });
    w.at.insert('Videos', { Name: 'Bad slug', Slug: 'Bad Slug!!' });
    expect((await w.run(w.videos)).status).toBe('success');
    expect(webflowVideos(w).map((v) => v.slug)).toEqual(['bad-slug']);
    const fresh = await openE2ELinkIndex();
    try {
      w.clock.advance(3000);
      const moved = await runSyncCycle(w.videos, { linkIndex: fresh.linkIndex });
      expect(moved.failures).toEqual([]);
      expect(moved.status).toBe('success');
      // Paired by the stored key; their contents differ by the slug alone, decided like any pair.
      expect(moved.plan.every((e) => e.target === null || e.target.id !== null)).toBe(true);
      expect(moved.plan.map((e) => e.action)).not.toContain('create');
      expect(w.at.records('Videos')).toHaveLength(1);
      expect(webflowVideos(w)).toHaveLength(1);
      w.clock.advance(3000);
      const quiet = await runSyncCycle(w.videos, { linkIndex: fresh.linkIndex });
      expect(quiet.status).toBe('success');
      expect(quiet.plan.filter((e) => e.action !== 'echo')).toEqual([]);
      expect(w.at.records('Videos')).toHaveLength(1);
      expect(webflowVideos(w)).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });
});
