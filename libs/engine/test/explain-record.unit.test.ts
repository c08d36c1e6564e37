import { describe, expect, it } from 'vitest';
import { explainRecord } from '@syncframe/engine';
import { harness } from '@syncframe/test-kit';
import type { Harness, HarnessOptions } from '@syncframe/test-kit';

async function synced(options: HarnessOptions = {}): Promise<{ h: Harness; recId: string; itemId: string }> {
  const h = harness(options);
  const rec = h.source.insert({ Name: 'Ada', Slug: 'ada' });
  h.source.insert({ Name: 'Grace', Slug: 'grace' });
  await h.run();
  const [link] = await h.linkIndex.findLinks({ source: h.source.ref, dest: h.dest.ref }, 'source', [rec.id]);
  return { h, recId: rec.id, itemId: link!.destId };
}

const explain = (h: Harness, id: string) => explainRecord(h.job, { linkIndex: h.linkIndex, clock: h.clock }, id);

describe('explain a record', () => {
  it('a record in sync: its link, partner, the run that synced it, and that the next run has nothing to do', async () => {
    const { h, recId, itemId } = await synced();
    const [run] = await h.linkIndex.listRuns({ jobId: h.job.id });
    for (const id of [recId, itemId]) {
      const e = await explain(h, id);
      expect(e.side).toBe(id === recId ? 'source' : 'dest');
      expect(e.link).toMatchObject({ sourceId: recId, destId: itemId, deletedAt: null });
      expect(e.partner).toMatchObject({ id: id === recId ? itemId : recId, exists: true });
      expect(e.lastSynced).toEqual({ at: e.link!.syncedAt, runId: run!.runId });
      expect(e.changedSinceSync).toEqual({ changed: false, fields: null });
      expect(e.differsFromPartner).toEqual([]);
      expect(e.next.find((n) => n.recordId === id)).toMatchObject({ action: 'echo' });
      expect(e.verdict).toContain('It has not changed since it last synced.');
      expect(e.verdict.at(-1)).toBe('Next run that pulls it: nothing: it is in sync.');
    }
  });

  it('an edited record: changed since its sync, which fields differ from its partner, and the update the next run would make', async () => {
    const { h, recId, itemId } = await synced();
    h.source.edit(recId, { Name: 'Ada Lovelace' });
    const e = await explain(h, recId);
    expect(e.changedSinceSync).toEqual({ changed: true, fields: null });
    expect(e.differsFromPartner).toEqual(['name']);
    expect(e.next.find((n) => n.recordId === recId)).toMatchObject({ action: 'update', target: { side: 'dest', id: itemId }, changedFields: ['name'] });
    expect(e.verdict).toContain(`Its partner webflow ${itemId} differs in name.`);
    expect(e.verdict.at(-1)).toBe(`Next run that pulls it: update webflow ${itemId} (name).`);
    // Explaining wrote nothing: a run afterwards still carries the edit.
    expect((await h.run()).summary!.counts.dest.updated).toBe(1);
  });

  it('with field_merge, names the fields changed since the last sync', async () => {
    const { h, recId } = await synced({ conflictPolicy: 'field_merge' });
    h.source.edit(recId, { Notes: 'new notes' });
    const e = await explain(h, recId);
    expect(e.changedSinceSync).toEqual({ changed: true, fields: ['notes'] });
    expect(e.verdict).toContain('It changed since it last synced (notes).');
  });

  it('a record that never synced: no link, the mapper\'s error, and what the next run would do', async () => {
    const h = harness({ mappers: { toDest: (r) => { if (r.fields.Name === 'bad') throw new Error('no slug'); return { fields: { name: r.fields.Name } }; } } });
    const bad = h.source.insert({ Name: 'bad' });
    const fresh = h.dest.insert({ name: 'new on the site' });
    const e = await explain(h, bad.id);
    expect(e).toMatchObject({ side: 'source', link: null, partner: null, mapping: { ok: false, reason: 'mapper threw: no slug' } });
    expect(e.verdict).toContain('Its mapper fails on it now: mapper threw: no slug.');
    expect(e.verdict).toContain('It never synced: no link.');
    expect(e.failures).toEqual([]);
    await h.run();
    const failed = await explain(h, bad.id);
    expect(failed.failures).toEqual([expect.objectContaining({ side: 'source', recordId: bad.id, stage: 'map', failures: 1, retrying: true })]);
    expect(failed.verdict.some((v) => v.startsWith(`airtable ${bad.id} failed 1 time (map, last at `) && v.endsWith('mapper threw: no slug; every run retries it.'))).toBe(true);
    // Synced by that run; a newer one on the site is not yet.
    expect((await explain(h, fresh.id)).next.find((n) => n.recordId === fresh.id)).toMatchObject({ action: 'echo' });
    const newer = h.dest.insert({ name: 'newer on the site' });
    const other = await explain(h, newer.id);
    expect(other.next).toEqual([expect.objectContaining({ side: 'dest', recordId: newer.id, action: 'create', target: { side: 'source', id: null } })]);
    expect(other.verdict.at(-1)).toBe('Next run that pulls it: create it on airtable (a new record).');
  });

  it('an unknown id says so', async () => {
    const { h } = await synced();
    const e = await explain(h, 'recNope');
    expect(e.side).toBeNull();
    expect(e.verdict).toEqual([`No record recNope on either side of job ${h.job.id}, and no link names it: check the id (Airtable rec…, Webflow item id), or the job.`]);
  });

  it('names an open conflict and a pending delete of the pair', async () => {
    const { h, recId, itemId } = await synced({ conflictPolicy: 'manual', deleteBrake: { maxCount: 0, maxShare: 1 } });
    h.source.edit(recId, { Name: 'source edit' });
    h.dest.edit(itemId, { name: 'site edit' });
    await h.run();
    const e = await explain(h, itemId);
    expect(e.conflicts).toHaveLength(1);
    expect(e.verdict.some((v) => v.startsWith(`The pair has an open conflict (${e.conflicts[0]!.conflictId})`))).toBe(true);

    const [, other] = h.source.live();
    h.source.remove(other!.id);
    await h.run();
    const d = await explain(h, other!.id);
    expect(d.pendingDeletes).toHaveLength(1);
    expect(d.record?.record?.deleted).toBe(true);
    expect(d.verdict).toContain(`airtable ${other!.id} is flagged deleted.`);
    expect(d.verdict.some((v) => v.startsWith('A delete of this pair waits for a person (open;'))).toBe(true);
  });

  it('a record deleted for good is said to be gone', async () => {
    const { h, recId } = await synced();
    h.source.purge(recId);
    const e = await explain(h, recId);
    expect(e.record).toMatchObject({ exists: false, record: null });
    expect(e.verdict[0]).toContain('does not exist any more (deleted for good)');
  });
});
