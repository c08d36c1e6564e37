import { describe, expect, it } from 'vitest';
import type { Link } from '@syncframe/engine';
import { fieldHashes } from '@syncframe/engine';
import type { Harness } from '@syncframe/test-kit';
import { harness } from '@syncframe/test-kit';

/** A field_merge job with one item synced both ways: source record `s`, destination record `d`. */
async function synced(fieldConflict?: 'last_writer_wins' | 'manual') {
  const h = harness({ conflictPolicy: 'field_merge', ...(fieldConflict ? { fieldConflict } : {}) });
  const s = h.source.insert({ Name: 'Intro', Slug: 'intro', Notes: 'draft' });
  await h.run();
  const d = h.dest.live()[0]!;
  return { h, s: s.id, d: d.id };
}

const writes = (h: Harness) => h.source.writeRequests().length + h.dest.writeRequests().length;

/** The next run writes nothing and sees both records as echoes. */
async function expectQuiet(h: Harness) {
  const before = writes(h);
  const next = await h.run();
  expect(writes(h)).toBe(before);
  expect(next.plan.filter((e) => e.action !== 'echo')).toEqual([]);
}

describe('conflict_policy field_merge', () => {
  it('stores per-field hashes of both sides on every link it saves', async () => {
    const { h } = await synced();
    const [link] = await h.links();
    expect(link!.sourceFields).toEqual(fieldHashes({ name: 'Intro', slug: 'intro', notes: 'draft' }));
    expect(link!.destFields).toEqual(fieldHashes({ Name: 'Intro', Slug: 'intro', Notes: 'draft' }));
  });

  it('merges fields changed on one side only both ways, in one run, with partial updates and no conflict', async () => {
    const { h, s, d } = await synced();
    h.source.edit(s, { Notes: 'final' });
    h.clock.advance(10);
    h.dest.edit(d, { name: 'Welcome' });
    const run = await h.run();
    expect(run.status).toBe('success');
    expect(h.source.get(s)!.fields).toMatchObject({ Name: 'Welcome', Notes: 'final' });
    expect(h.dest.get(d)!.fields).toMatchObject({ name: 'Welcome', notes: 'final' });
    const reason = 'both sides changed different fields; merged (field_merge)';
    expect(run.plan).toEqual(expect.arrayContaining([
      expect.objectContaining({ side: 'source', recordId: s, action: 'update', fields: { notes: 'final' }, changedFields: ['notes'], reason }),
      expect.objectContaining({ side: 'dest', recordId: d, action: 'update', fields: { Name: 'Welcome' }, changedFields: ['Name'], reason }),
    ]));
    expect(run.summary!.counts.source.conflicts + run.summary!.counts.dest.conflicts).toBe(0);
    expect(await h.linkIndex.listConflicts(h.job.id, 'open')).toEqual([]);
    await expectQuiet(h);
  });

  it('a field changed on both sides to the same value is no conflict', async () => {
    const { h, s, d } = await synced('manual');
    h.source.edit(s, { Notes: 'same', Name: 'Source title' });
    h.clock.advance(10);
    h.dest.edit(d, { notes: 'same' });
    const run = await h.run();
    expect(await h.linkIndex.listConflicts(h.job.id, 'open')).toEqual([]);
    expect(h.dest.get(d)!.fields).toMatchObject({ name: 'Source title', notes: 'same' });
    expect(h.source.get(s)!.fields).toMatchObject({ Name: 'Source title', Notes: 'same' });
    expect(run.plan.find((e) => e.side === 'source')).toMatchObject({ action: 'update', fields: { name: 'Source title', notes: 'same' }, changedFields: ['name'] });
    await expectQuiet(h);
  });

  it('a field changed on both sides to different values goes to the newer side (last_writer_wins), the other fields still merge', async () => {
    const { h, s, d } = await synced();
    h.source.edit(s, { Notes: 'source notes', Name: 'Source title' });
    h.clock.advance(10);
    h.dest.edit(d, { notes: 'dest notes' }); // newer
    const run = await h.run();
    expect(h.source.get(s)!.fields).toMatchObject({ Name: 'Source title', Notes: 'dest notes' });
    expect(h.dest.get(d)!.fields).toMatchObject({ name: 'Source title', notes: 'dest notes' });
    expect(run.plan.find((e) => e.side === 'dest')).toMatchObject({ action: 'update', fields: { Notes: 'dest notes' } });
    expect(run.plan.find((e) => e.side === 'source')).toMatchObject({ action: 'update', fields: { name: 'Source title' } });
    expect(run.plan.find((e) => e.side === 'source')!.reason).toMatch(/Notes changed on both: the webflow side's newer change wins/);
    await expectQuiet(h);

    // And the other way round: the source edits last and wins that field.
    h.dest.edit(d, { notes: 'dest again', slug: 'intro-2' });
    h.clock.advance(10);
    h.source.edit(s, { Notes: 'source again' });
    await h.run();
    expect(h.source.get(s)!.fields).toMatchObject({ Slug: 'intro-2', Notes: 'source again' });
    expect(h.dest.get(d)!.fields).toMatchObject({ slug: 'intro-2', notes: 'source again' });
    await expectQuiet(h);
  });

  it('field_conflict manual records a conflict naming the fields and writes nothing; resolving keeps a side whole', async () => {
    const { h, s, d } = await synced('manual');
    h.source.edit(s, { Notes: 'source notes', Name: 'Source title' });
    h.clock.advance(10);
    h.dest.edit(d, { notes: 'dest notes' });
    const before = writes(h);
    const run = await h.run();
    expect(writes(h)).toBe(before);
    const [conflict, ...more] = await h.linkIndex.listConflicts(h.job.id, 'open');
    expect(more).toEqual([]);
    expect(conflict).toMatchObject({ sourceId: s, destId: d, fields: ['Notes'] });
    expect(run.plan.filter((e) => e.action === 'conflict')).toHaveLength(2);
    expect(run.plan[0]!.reason).toMatch(/both sides changed Notes; recorded for a person to decide/);
    await h.linkIndex.resolveConflict(conflict!.conflictId, 'dest');
    await h.run();
    expect(h.source.get(s)!.fields).toMatchObject({ Name: 'Intro', Notes: 'dest notes' });
    await expectQuiet(h);
  });

  it('a link without field hashes (synced before field_merge) falls back to whole-record last_writer_wins', async () => {
    const { h, s, d } = await synced();
    const pair = { source: h.source.ref, dest: h.dest.ref };
    const old = (await h.links()).map(({ sourceFields: _s, destFields: _d, ...rest }): Link => rest);
    await h.linkIndex.upsertLinks(pair, old);
    h.source.edit(s, { Notes: 'source notes' });
    h.clock.advance(10);
    h.dest.edit(d, { name: 'Dest title' });
    const run = await h.run();
    // The newer dest wins whole: the source's one-sided edit is overwritten (the old behaviour).
    expect(h.source.get(s)!.fields).toMatchObject({ Name: 'Dest title', Notes: 'draft' });
    expect(run.plan.find((e) => e.side === 'source')).toMatchObject({ action: 'conflict' });
    // The link saved now has field hashes: from here on edits merge.
    const [link] = await h.links();
    expect(link!.sourceFields).toBeTruthy();
    expect(link!.destFields).toBeTruthy();
  });

  it('a link without field hashes under field_conflict manual records a whole-record conflict', async () => {
    const { h, s, d } = await synced('manual');
    const pair = { source: h.source.ref, dest: h.dest.ref };
    await h.linkIndex.upsertLinks(pair, (await h.links()).map((l) => ({ ...l, sourceFields: null, destFields: null })));
    h.source.edit(s, { Notes: 'source notes' });
    h.clock.advance(10);
    h.dest.edit(d, { name: 'Dest title' });
    await h.run();
    const conflicts = await h.linkIndex.listConflicts(h.job.id, 'open');
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.fields ?? null).toBeNull();
  });

  it('a delete still wins over an edit of the other side', async () => {
    const { h, s, d } = await synced();
    // No delete brake: one delete of one link is the whole table.
    Object.assign(h.job, { deleteBrake: null });
    h.source.remove(s);
    h.clock.advance(10);
    h.dest.edit(d, { notes: 'edited' });
    await h.run();
    expect(h.dest.live()).toEqual([]);
    expect(h.source.live()).toEqual([]);
  });

  it('when one of the two merge writes fails, the next run carries its change over and nothing is lost', async () => {
    const { h, s, d } = await synced();
    h.source.edit(s, { Notes: 'final' });
    h.clock.advance(10);
    h.dest.edit(d, { name: 'Welcome' });
    h.source.rejectWhere((fields) => fields['Name'] === 'Welcome');
    const failed = await h.run();
    expect(failed.status).toBe('partial');
    expect(h.dest.get(d)!.fields).toMatchObject({ name: 'Welcome', notes: 'final' });
    expect(h.source.get(s)!.fields).toMatchObject({ Name: 'Intro', Notes: 'final' });
    h.source.clearFaults();
    // Meanwhile the source edits another field: still a merge, and the dest's change is not lost.
    h.source.edit(s, { Slug: 'intro-2' });
    await h.run();
    expect(h.source.get(s)!.fields).toMatchObject({ Name: 'Welcome', Slug: 'intro-2', Notes: 'final' });
    expect(h.dest.get(d)!.fields).toMatchObject({ name: 'Welcome', slug: 'intro-2', notes: 'final' });
    await expectQuiet(h);
  });

  it('follows renamed and joined fields through the mapper: a change landing on a field the other side changed conflicts', async () => {
    // The destination keeps one "title" made of the source's First and Last.
    const h = harness({
      conflictPolicy: 'field_merge', fieldConflict: 'manual',
      mappers: {
        toDest: (r) => ({ fields: { title: `${String(r.fields.First ?? '')} ${String(r.fields.Last ?? '')}`, body: r.fields.Notes ?? null } }),
        toSource: (r) => {
          const [first, ...last] = String(r.fields.title ?? '').split(' ');
          return { fields: { First: first ?? '', Last: last.join(' '), Notes: r.fields.body ?? null } };
        },
      },
    });
    const s = h.source.insert({ First: 'Ada', Last: 'Byron', Notes: 'n' }).id;
    await h.run();
    const d = h.dest.live()[0]!.id;
    // Different source fields, but both land on the one destination field: a conflict on Last.
    h.source.edit(s, { First: 'Augusta' });
    h.clock.advance(10);
    h.dest.edit(d, { title: 'Ada Lovelace' });
    await h.run();
    const [conflict] = await h.linkIndex.listConflicts(h.job.id, 'open');
    expect(conflict?.fields).toEqual(['Last']);
    await h.linkIndex.resolveConflict(conflict!.conflictId, 'dest');
    await h.run();
    // A body change on one side and a title change on the other merge.
    h.source.edit(s, { Notes: 'new body' });
    h.clock.advance(10);
    h.dest.edit(d, { title: 'Ada King' });
    await h.run();
    expect(await h.linkIndex.listConflicts(h.job.id, 'open')).toEqual([]);
    expect(h.source.get(s)!.fields).toMatchObject({ First: 'Ada', Last: 'King', Notes: 'new body' });
    expect(h.dest.get(d)!.fields).toMatchObject({ title: 'Ada King', body: 'new body' });
  });
});
