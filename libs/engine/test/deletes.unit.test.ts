import { describe, expect, it } from 'vitest';
import type { AdapterCallOptions, SyncRecord } from '@syncframe/engine';
import { PermanentError } from '@syncframe/engine';
import { harness, InMemoryAdapter } from '@syncframe/test-kit';
import type { Harness, HarnessOptions } from '@syncframe/test-kit';

const BRAKE = { maxCount: 50, maxShare: 0.1 };

/** A harness whose source table holds `n` records, all synced. */
async function synced(n: number, options: HarnessOptions = {}): Promise<Harness> {
  const h = harness(options);
  for (let i = 0; i < n; i++) h.source.insert({ Name: `video ${i}`, Slug: `v-${i}` });
  const first = await h.run();
  expect(first.status).toBe('success');
  expect(h.dest.live()).toHaveLength(n);
  return h;
}

const partnerOf = async (h: Harness, sourceId: string) => (await h.linkIndex.findLinks({ source: h.source.ref, dest: h.dest.ref }, 'source', [sourceId]))[0]!;

describe('hard deletes, found by reconciliation', () => {
  it('a record deleted for good is invisible to a plain run; reconciling deletes its partner and records what it held', async () => {
    const h = await synced(3);
    const [gone] = h.source.live();
    const { destId } = await partnerOf(h, gone!.id);
    h.source.purge(gone!.id);

    const plain = await h.run();
    expect(plain.summary!.counts.dest.deleted).toBe(0);
    expect(h.dest.live()).toHaveLength(3);

    const reconciled = await h.run({ reconcile: true });
    expect(reconciled.status).toBe('success');
    expect(reconciled.summary!.reconcile).toEqual({ listed: { source: 2, dest: 3 }, gone: { source: 1, dest: 0 } });
    expect(reconciled.summary!.counts.dest.deleted).toBe(1);
    expect(h.dest.get(destId)!.deleted).toBe(true);
    expect(h.dest.live()).toHaveLength(2);
    // What the deleted record held, to restore it by hand.
    expect(reconciled.summary!.deletes).toEqual([{
      side: 'dest', recordId: destId, partnerId: gone!.id, cause: 'gone',
      record: expect.objectContaining({ id: destId, fields: expect.objectContaining({ name: gone!.fields.Name, slug: gone!.fields.Slug }) }),
    }]);
    const link = await partnerOf(h, gone!.id);
    expect(link.deletedAt).not.toBeNull();

    // Nothing more to do: the next reconciliation finds nothing new.
    const again = await h.run({ reconcile: true });
    expect(again.summary!.reconcile!.gone).toEqual({ source: 0, dest: 0 });
    expect(again.summary!.deletes).toBeUndefined();
  });

  it('a listing that fails halfway counts nothing as gone, and the run says why', async () => {
    const h = harness({ pageSize: 2 });
    for (let i = 0; i < 6; i++) h.source.insert({ Name: `video ${i}`, Slug: `v-${i}` });
    await h.run();
    const [gone] = h.source.live();
    h.source.purge(gone!.id);
    const listIds = h.source.listIds.bind(h.source);
    h.source.listIds = async function* failingHalfway(options: AdapterCallOptions) {
      let pages = 0;
      for await (const page of listIds(options)) {
        if (++pages === 2) throw new PermanentError('connection reset while listing');
        yield page;
      }
    };

    const run = await h.run({ reconcile: true });
    expect(run.status).toBe('failed');
    expect(run.summary!.failures).toEqual([expect.objectContaining({ side: 'source', message: expect.stringMatching(/^reconciliation: listing every id failed, so no record was taken as deleted: connection reset while listing/) })]);
    expect(run.summary!.reconcile!.listed.source).toBeNull();
    expect(run.summary!.counts.dest.deleted).toBe(0);
    expect(h.dest.live()).toHaveLength(6);

    // The listing works again: the next reconciliation finds the record gone.
    h.source.listIds = listIds;
    const next = await h.run({ reconcile: true });
    expect(next.summary!.counts.dest.deleted).toBe(1);
    expect(h.dest.live()).toHaveLength(5);
  });

  it('a listing that skipped a record that still exists (pages shifted under it) deletes nothing: the record is read first', async () => {
    const h = await synced(4);
    const [skipped] = h.source.live();
    const listIds = h.source.listIds.bind(h.source);
    h.source.listIds = async function* skipping(options: AdapterCallOptions) {
      for await (const page of listIds(options)) yield page.filter((id) => id !== skipped!.id);
    };
    const run = await h.run({ reconcile: true });
    expect(run.status).toBe('success');
    expect(run.summary!.reconcile!.gone).toEqual({ source: 0, dest: 0 });
    expect(h.dest.live()).toHaveLength(4);
  });

  it('a pair gone on both sides is tombstoned, with no write', async () => {
    const h = await synced(2);
    const [gone] = h.source.live();
    const { destId } = await partnerOf(h, gone!.id);
    h.source.purge(gone!.id);
    h.dest.purge(destId);
    const writes = h.dest.writeRequests().length + h.source.writeRequests().length;
    const run = await h.run({ reconcile: true });
    expect(run.summary!.reconcile!.gone).toEqual({ source: 1, dest: 1 });
    expect(h.dest.writeRequests().length + h.source.writeRequests().length).toBe(writes);
    expect((await partnerOf(h, gone!.id)).deletedAt).not.toBeNull();
  });

  it('a dry run reconciles without writing anything', async () => {
    const h = await synced(3);
    const [gone] = h.source.live();
    h.source.purge(gone!.id);
    const dry = await h.run({ reconcile: true, dryRun: true });
    expect(dry.plan.filter((e) => e.action === 'delete')).toEqual([expect.objectContaining({ side: 'source', recordId: gone!.id })]);
    expect(h.dest.live()).toHaveLength(3);
    expect((await partnerOf(h, gone!.id)).deletedAt).toBeNull();
  });
});

describe('the delete brake', () => {
  it('holds 11 of 100 deletes at the 10 % default, applies none, and applies them all once approved', async () => {
    const h = await synced(100, { deleteBrake: BRAKE });
    const doomed = h.source.live().slice(0, 11);
    for (const r of doomed) h.source.remove(r.id);

    const held = await h.run();
    expect(held.status).toBe('success');
    expect(held.summary!.deletesHeld).toBe(11);
    expect(held.summary!.counts.dest.deleted).toBe(0);
    expect(h.dest.live()).toHaveLength(100);
    const pending = await h.linkIndex.listPendingDeletes(h.job.id, ['open']);
    expect(pending).toHaveLength(11);
    expect(new Set(pending.map((p) => p.sourceId))).toEqual(new Set(doomed.map((r) => r.id)));
    expect(pending.every((p) => p.side === 'source' && p.cause === 'deleted' && p.runId === held.summary!.runId)).toBe(true);

    // The cursor passed them: a run before anyone decides holds nothing new and writes nothing.
    const idle = await h.run();
    expect(idle.summary!.counts.source.pulled).toBe(0);
    expect(idle.summary!.deletesHeld).toBeUndefined();
    expect(await h.linkIndex.listPendingDeletes(h.job.id, ['open'])).toHaveLength(11);

    expect(await h.linkIndex.decidePendingDeletes(h.job.id, 'all', 'approved')).toHaveLength(11);
    const applied = await h.run();
    expect(applied.summary!.counts.dest.deleted).toBe(11);
    expect(h.dest.live()).toHaveLength(89);
    expect(applied.summary!.deletes).toHaveLength(11);
    expect(applied.summary!.deletes!.every((d) => d.approvedDeleteId !== undefined && d.record !== null && d.cause === 'deleted')).toBe(true);
    expect(await h.linkIndex.listPendingDeletes(h.job.id, ['open', 'approved'])).toEqual([]);
    expect(await h.linkIndex.listPendingDeletes(h.job.id, ['done'])).toHaveLength(11);
  });

  it('applies 10 of 100 deletes (not more than 10 %) at once', async () => {
    const h = await synced(100, { deleteBrake: BRAKE });
    for (const r of h.source.live().slice(0, 10)) h.source.remove(r.id);
    const run = await h.run();
    expect(run.summary!.deletesHeld).toBeUndefined();
    expect(run.summary!.counts.dest.deleted).toBe(10);
    expect(await h.linkIndex.listPendingDeletes(h.job.id)).toEqual([]);
  });

  it('holds more than max_count deletes whatever their share', async () => {
    const h = await synced(30, { deleteBrake: { maxCount: 2, maxShare: 1 } });
    for (const r of h.source.live().slice(0, 3)) h.source.remove(r.id);
    const run = await h.run();
    expect(run.summary!.deletesHeld).toBe(3);
    expect(h.dest.live()).toHaveLength(30);
  });

  it('covers deletes found by reconciliation too', async () => {
    const h = await synced(10, { deleteBrake: BRAKE });
    const gone = h.source.live().slice(0, 2);
    for (const r of gone) h.source.purge(r.id);
    const run = await h.run({ reconcile: true });
    expect(run.summary!.deletesHeld).toBe(2);
    expect(h.dest.live()).toHaveLength(10);
    const pending = await h.linkIndex.listPendingDeletes(h.job.id, ['open']);
    expect(pending.map((p) => p.cause)).toEqual(['gone', 'gone']);
    // Held deletes are not proposed again by the next reconciliation.
    const again = await h.run({ reconcile: true });
    expect(again.summary!.deletesHeld).toBeUndefined();
    expect(await h.linkIndex.listPendingDeletes(h.job.id)).toHaveLength(2);
  });

  it('approves one by one: only the approved one is applied', async () => {
    const h = await synced(10, { deleteBrake: BRAKE });
    const doomed = h.source.live().slice(0, 2);
    for (const r of doomed) h.source.remove(r.id);
    await h.run();
    const [first, second] = await h.linkIndex.listPendingDeletes(h.job.id, ['open']);
    await h.linkIndex.decidePendingDeletes(h.job.id, [first!.deleteId], 'approved');
    const run = await h.run();
    expect(run.summary!.deletes!.map((d) => d.recordId)).toEqual([first!.destId]);
    expect(h.dest.get(first!.destId)!.deleted).toBe(true);
    expect(h.dest.get(second!.destId)!.deleted).toBe(false);
    expect((await h.linkIndex.listPendingDeletes(h.job.id, ['open'])).map((p) => p.deleteId)).toEqual([second!.deleteId]);
  });

  it('a record that reappears cancels its pending delete', async () => {
    const h = await synced(10, { deleteBrake: BRAKE });
    const [back, stays] = h.source.live();
    h.source.remove(back!.id);
    h.source.remove(stays!.id);
    await h.run();
    expect(await h.linkIndex.listPendingDeletes(h.job.id, ['open'])).toHaveLength(2);

    h.source.restore(back!.id);
    await h.run();
    const open = await h.linkIndex.listPendingDeletes(h.job.id, ['open']);
    expect(open.map((p) => p.sourceId)).toEqual([stays!.id]);
    const done = await h.linkIndex.listPendingDeletes(h.job.id, ['done']);
    expect(done).toEqual([expect.objectContaining({ sourceId: back!.id, decision: 'cancelled' })]);
    // Approving everything now deletes only the one still deleted.
    await h.linkIndex.decidePendingDeletes(h.job.id, 'all', 'approved');
    await h.run();
    expect(h.dest.get((await partnerOf(h, back!.id)).destId)!.deleted).toBe(false);
    expect(h.dest.get((await partnerOf(h, stays!.id)).destId)!.deleted).toBe(true);
  });

  it('a gone record that is listed again cancels its pending delete', async () => {
    const h = await synced(10, { deleteBrake: BRAKE });
    const [hidden, other] = h.source.live();
    const listIds = h.source.listIds.bind(h.source);
    const readRecords = h.source.readRecords.bind(h.source);
    let hiding = true;
    // The record looks gone (not listed, not readable: e.g. moved out of reach), then is back.
    h.source.listIds = async function* maybeHiding(options: AdapterCallOptions) {
      for await (const page of listIds(options)) yield page.filter((id) => !hiding || id !== hidden!.id);
    };
    h.source.readRecords = async (ids: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]> =>
      (await readRecords(ids, options)).filter((r) => !hiding || r.id !== hidden!.id);
    h.source.purge(other!.id);
    await h.run({ reconcile: true });
    expect((await h.linkIndex.listPendingDeletes(h.job.id, ['open'])).map((p) => p.sourceId).sort()).toEqual([hidden!.id, other!.id].sort());

    hiding = false;
    await h.run({ reconcile: true });
    expect((await h.linkIndex.listPendingDeletes(h.job.id, ['open'])).map((p) => p.sourceId)).toEqual([other!.id]);
  });

  it('rejected deletes leave both records be and are not proposed again', async () => {
    const h = await synced(10, { deleteBrake: BRAKE });
    const [flagged, purged] = h.source.live();
    h.source.remove(flagged!.id);
    h.source.purge(purged!.id);
    await h.run({ reconcile: true });
    expect(await h.linkIndex.decidePendingDeletes(h.job.id, 'all', 'rejected')).toHaveLength(2);
    const flaggedPartner = (await partnerOf(h, flagged!.id)).destId;
    const run = await h.run({ reconcile: true });
    expect(run.summary!.counts.dest.deleted).toBe(0);
    expect(run.summary!.deletesHeld).toBeUndefined();
    expect(h.dest.live()).toHaveLength(10);
    expect(await h.linkIndex.listPendingDeletes(h.job.id, ['open', 'approved', 'rejected'])).toEqual([]);
    // The gone record's pair was let go; the flagged one's delete counts as synced.
    expect(await h.linkIndex.findLinks({ source: h.source.ref, dest: h.dest.ref }, 'source', [purged!.id])).toEqual([]);
    expect(h.dest.get(flaggedPartner)!.deleted).toBe(false);
    const later = await h.run({ reconcile: true });
    expect(later.summary!.deletesHeld).toBeUndefined();
    expect(later.summary!.counts.dest.deleted).toBe(0);
  });

  it('while a delete waits, an edit of the surviving partner is not written to the gone record (no error, the delete still waits)', async () => {
    const h = await synced(10, { deleteBrake: { maxCount: 0, maxShare: 1 } });
    const [gone] = h.source.live();
    const { destId } = await partnerOf(h, gone!.id);
    h.source.purge(gone!.id);
    await h.run({ reconcile: true });
    expect(await h.linkIndex.listPendingDeletes(h.job.id, ['open'])).toHaveLength(1);
    h.dest.edit(destId, { name: 'edited while its partner is gone' });
    const run = await h.run();
    expect(run.status).toBe('success');
    expect(run.summary!.errors).toEqual([]);
    expect(run.summary!.counts.source.updated).toBe(0);
    expect(await h.linkIndex.listPendingDeletes(h.job.id, ['open'])).toHaveLength(1);
    // Approved, the delete goes through as planned.
    await h.linkIndex.decidePendingDeletes(h.job.id, 'all', 'approved');
    expect((await h.run()).summary!.counts.dest.deleted).toBe(1);
    expect(h.dest.get(destId)!.deleted).toBe(true);
  });

  it('without a brake, many deletes are applied at once', async () => {
    const h = await synced(20, { deleteBrake: null });
    for (const r of h.source.live().slice(0, 15)) h.source.remove(r.id);
    const run = await h.run();
    expect(run.summary!.counts.dest.deleted).toBe(15);
    expect(run.summary!.deletes).toHaveLength(15);
  });
});

describe('the memory adapter as a remote with hard deletes', () => {
  it('lists every id and reads by id; a purged record is gone from both', async () => {
    const a = new InMemoryAdapter({ pageSize: 2 });
    const ids = [1, 2, 3].map((i) => a.insert({ n: i }).id);
    a.purge(ids[1]!);
    const throttle = { acquire: async () => ({ sent() {}, cancel() {} }), pause: async () => undefined } as unknown as AdapterCallOptions['throttle'];
    const pages: string[][] = [];
    for await (const page of a.listIds({ throttle })) pages.push([...page]);
    expect(pages.flat()).toEqual([ids[0], ids[2]]);
    expect((await a.readRecords(ids, { throttle })).map((r) => r.id)).toEqual([ids[0], ids[2]]);
  });
});
