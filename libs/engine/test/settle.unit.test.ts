import { describe, expect, it, vi } from 'vitest';
import type { PlanEntry } from '@syncframe/engine';
import { harness } from '@syncframe/test-kit';
import type { HarnessOptions } from '@syncframe/test-kit';

/** Edit settling (`settle_sec`): the harness's `run()` moves the clock 1 s forward before each run. */
const SETTLE_30 = { source: { sec: 30, maxSec: 300 } };

const entryOf = (plan: readonly PlanEntry[], id: string) => plan.find((e) => e.recordId === id);

function settling(options: HarnessOptions = {}) {
  const h = harness({ settle: SETTLE_30, ...options });
  return {
    ...h,
    cursor: (side: 'source' | 'dest') => h.linkIndex.loadCursor(h.job.id, h[side].ref).then((c) => c.value),
    held: (ids: string[]) => h.linkIndex.findHeld(h.job.id, h.source.ref, ids),
  };
}

describe('edit settling (settle_sec)', () => {
  it('holds a record edited 2 s ago and passes it once it settles', async () => {
    const h = settling();
    const a = h.source.insert({ Name: 'Half-typ', Slug: 'a' });
    h.clock.advance(1000);

    const first = await h.run();
    expect(first.status).toBe('success');
    expect(h.dest.live()).toEqual([]);
    expect(h.dest.writeRequests()).toEqual([]);
    expect(entryOf(first.plan, a.id)).toMatchObject({ action: 'wait', target: null });
    expect(entryOf(first.plan, a.id)!.reason).toMatch(/^edited 2 s ago; waits until 30 s without an edit \(settle_sec\), at most 300 s /);
    expect(first.summary!.counts.source).toMatchObject({ pulled: 1, held: 1, errors: 0 });
    expect(first.summary!.errors).toEqual([]);
    // The cursor did not pass it: the next run pulls it again. Its hold is recorded.
    expect(await h.cursor('source')).toBeNull();
    const heldAt = new Date(h.clock.now()).toISOString();
    expect(await h.held([a.id])).toEqual(new Map([[a.id, heldAt]]));

    // Typing goes on; the first held time is kept.
    h.source.edit(a.id, { Name: 'Half-typed title' });
    const second = await h.run();
    expect(entryOf(second.plan, a.id)).toMatchObject({ action: 'wait' });
    expect(h.dest.live()).toEqual([]);
    expect(await h.held([a.id])).toEqual(new Map([[a.id, heldAt]]));

    h.clock.advance(29_000); // 30 s without an edit by the next run
    const third = await h.run();
    expect(third.status).toBe('success');
    expect(entryOf(third.plan, a.id)).toMatchObject({ action: 'create' });
    expect(third.summary!.counts.source.held).toBe(0);
    expect(h.dest.live().map((r) => r.fields['name'])).toEqual(['Half-typed title']);
    expect(await h.cursor('source')).not.toBeNull();
    // Passed: its hold is gone.
    expect(await h.held([a.id])).toEqual(new Map());
  });

  it('a record edited without pause syncs once settle_max_sec has gone by since it was first held', async () => {
    const h = settling({ settle: { source: { sec: 30, maxSec: 60 } } });
    const a = h.source.insert({ Name: 'v0', Slug: 'a' });
    const actions: string[] = [];
    for (let i = 1; i <= 8; i++) {
      const result = await h.run();
      actions.push(entryOf(result.plan, a.id)?.action ?? 'none');
      h.clock.advance(9000);
      h.source.edit(a.id, { Name: `v${i}` }); // an edit every 10 s, never 30 s without one
    }
    // Held at 0, 10, …, 50 s after the first hold; at 60 s it goes through despite its recent edit.
    expect(actions.slice(0, 7)).toEqual(['wait', 'wait', 'wait', 'wait', 'wait', 'wait', 'create']);
    expect(h.dest.live().map((r) => r.fields['name'])).toEqual(['v6']);
    // The hold that let it through is gone: the edit after it is held afresh (from now, not from the first hold).
    expect(actions[7]).toBe('wait');
    expect(await h.held([a.id])).toEqual(new Map([[a.id, new Date(h.clock.now() - 9000).toISOString()]]));
  });

  it('holds only recent records: the rest of the side syncs, and its cursor moves up to the held one, not past it', async () => {
    const h = settling({ pageSize: 1 });
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    const b = h.source.insert({ Name: 'B', Slug: 'b' });
    h.clock.advance(60_000);
    await h.run();
    expect(h.dest.live()).toHaveLength(2);
    h.source.edit(a.id, { Notes: 'a minute ago' });
    h.clock.advance(60_000);
    h.source.edit(b.id, { Notes: 'typing' }); // pulled on the page after a's

    const first = await h.run();
    expect(entryOf(first.plan, a.id)).toMatchObject({ action: 'update' });
    expect(entryOf(first.plan, b.id)).toMatchObject({ action: 'wait' });
    expect(h.dest.live().map((r) => r.fields['notes'] ?? null).sort()).toEqual(['a minute ago', null]);

    h.clock.advance(30_000);
    const next = await h.run();
    // Only b comes back: the cursor passed a's page, not b's.
    expect(next.plan.filter((e) => e.side === 'source').map((e) => [e.recordId, e.action])).toEqual([[b.id, 'update']]);
    expect(h.dest.live().map((r) => r.fields['notes']).sort()).toEqual(['a minute ago', 'typing']);
  });

  it('the other side is not held: its records sync in the same run', async () => {
    const h = settling();
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    const d = h.dest.insert({ name: 'D', slug: 'd' });
    const result = await h.run();
    expect(entryOf(result.plan, a.id)).toMatchObject({ action: 'wait' });
    expect(entryOf(result.plan, d.id)).toMatchObject({ action: 'create' });
    expect(h.source.live().map((r) => r.fields['Name']).sort()).toEqual(['A', 'D']);
    expect(result.summary!.counts.dest.held).toBe(0);
    expect(await h.cursor('dest')).not.toBeNull();
  });

  it('a held record\'s link partner that changed too waits with it, then last_writer_wins decides as usual', async () => {
    const h = settling();
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    h.clock.advance(60_000);
    await h.run();
    const d = h.dest.live()[0]!;
    h.dest.edit(d.id, { name: 'dest edit' });
    h.clock.advance(60_000);
    h.source.edit(a.id, { Name: 'source edit, typing' });

    const held = await h.run();
    expect(entryOf(held.plan, a.id)).toMatchObject({ action: 'wait' });
    expect(entryOf(held.plan, d.id)).toMatchObject({ action: 'wait', reason: `waits with airtable record ${a.id}, edited too recently to sync (settle_sec)` });
    expect(held.summary!.counts.dest.held).toBe(1);
    // Neither copy was written over the other, and the dest's cursor stops before its record too.
    expect(h.source.get(a.id)!.fields['Name']).toBe('source edit, typing');
    expect(h.dest.get(d.id)!.fields['name']).toBe('dest edit');

    h.clock.advance(30_000);
    const settled = await h.run();
    expect(settled.summary!.counts.source.conflicts + settled.summary!.counts.dest.conflicts).toBe(1);
    // Both changed: the newer source edit wins.
    expect(h.dest.get(d.id)!.fields['name']).toBe('source edit, typing');
  });

  it('a conflict a person resolved waits while one of its records is held, and is applied once it settles', async () => {
    const h = settling({ conflictPolicy: 'manual' });
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    h.clock.advance(60_000);
    await h.run();
    const d = h.dest.live()[0]!;
    h.source.edit(a.id, { Name: 'source edit' });
    h.dest.edit(d.id, { name: 'dest edit' });
    h.clock.advance(60_000);
    await h.run();
    const [open] = await h.linkIndex.listConflicts(h.job.id, 'open');
    await h.linkIndex.resolveConflict(open!.conflictId, 'dest');
    h.source.edit(a.id, { Notes: 'typing' });

    const held = await h.run();
    expect(entryOf(held.plan, a.id)).toMatchObject({ action: 'wait' });
    expect(h.source.get(a.id)!.fields['Name']).toBe('source edit');
    expect(await h.linkIndex.listConflicts(h.job.id, 'resolved')).toHaveLength(1);

    h.clock.advance(30_000);
    await h.run();
    expect(await h.linkIndex.listConflicts(h.job.id, 'resolved')).toEqual([]);
    expect(h.source.get(a.id)!.fields['Name']).toBe('dest edit');
  });

  it('holds spilled records too (their edit time is kept beside their place in the spool)', async () => {
    const h = settling({ spillAfter: 0 });
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    const result = await h.run();
    expect(entryOf(result.plan, a.id)).toMatchObject({ action: 'wait' });
    expect(h.dest.live()).toEqual([]);
  });

  it('a dry run shows the wait and records no hold', async () => {
    const h = settling();
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    const hold = vi.spyOn(h.linkIndex, 'holdRecords');
    const result = await h.run({ dryRun: true });
    expect(entryOf(result.plan, a.id)).toMatchObject({ action: 'wait' });
    expect(hold).not.toHaveBeenCalled();
    expect(await h.held([a.id])).toEqual(new Map());
  });

  it('settle_sec 0 changes nothing: a record edited just now syncs, and no hold is read or written', async () => {
    const h = settling({ settle: { source: { sec: 0, maxSec: 0 } } });
    const find = vi.spyOn(h.linkIndex, 'findHeld');
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    const result = await h.run();
    expect(entryOf(result.plan, a.id)).toMatchObject({ action: 'create' });
    expect(h.dest.live()).toHaveLength(1);
    expect(result.summary!.counts.source.held).toBe(0);
    expect(find).not.toHaveBeenCalled();
  });
});
