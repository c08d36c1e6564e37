import { describe, expect, it } from 'vitest';
import type { MapperFn, TablePair } from '@syncframe/engine';
import { runSyncCycle } from '@syncframe/engine';
import { InMemoryAdapter } from '@syncframe/test-kit';
import { harness } from '@syncframe/test-kit';

describe('mapper ctx.linkedId', () => {
  it('translates a reference to a linked table\'s id, batching lookups into one query per table pair', async () => {
    const h = harness();
    // Another job already linked authors: Airtable "Authors" recA1..3 ↔ Webflow "authors" w1..3.
    const authors: TablePair = { source: { adapter: 'memory-a', table: 'Authors' }, dest: { adapter: 'memory-b', table: 'authors' } };
    await h.linkIndex.upsertLinks(authors, [1, 2, 3].map((i) => ({
      sourceId: `recA${i}`, destId: `w${i}`, sourceHash: 'x', destHash: 'y', deletedAt: null, syncedAt: '2026-01-01T00:00:00Z',
    })));
    const toDest: MapperFn = async (r, ctx) => ({
      fields: {
        name: r.fields.Name,
        author: await ctx.linkedId(authors.source, authors.dest, String(r.fields.Author)),
      },
    });
    const toSource: MapperFn = async (r, ctx) => ({
      fields: {
        Name: r.fields.name,
        Author: await ctx.linkedId(authors.dest, authors.source, String(r.fields.author)),
      },
    });
    for (let i = 0; i < 30; i++) h.source.insert({ Name: `v${i}`, Author: `recA${(i % 3) + 1}` });
    h.source.insert({ Name: 'orphan', Author: 'recZZZ' });
    h.memory!.calls.length = 0;
    const job = { ...h.job, mappers: { toDest, toSource } };
    const result = await runSyncCycle(job, { linkIndex: h.linkIndex, clock: h.clock });
    expect(result.status).toBe('success');
    expect(h.dest.live().find((r) => r.fields.name === 'v0')!.fields.author).toBe('w1');
    expect(h.dest.live().find((r) => r.fields.name === 'v4')!.fields.author).toBe('w2');
    expect(h.dest.live().find((r) => r.fields.name === 'orphan')!.fields.author).toBeUndefined();
    // 31 records mapped: the linked-id lookups cost a handful of queries, not 31.
    const finds = h.memory!.calls.filter((c) => c.method === 'findLinks');
    expect(finds.length).toBeLessThanOrEqual(10);
    expect(new InMemoryAdapter().ref.adapter).toBe('memory');
  });
});

describe('mapper ctx.requireLinkedId', () => {
  it('makes a record wait for its reference: it fails alone, then syncs once the referenced record is linked', async () => {
    const h = harness();
    const authors: TablePair = { source: { adapter: 'memory-a', table: 'Authors' }, dest: { adapter: 'memory-b', table: 'authors' } };
    const toDest: MapperFn = async (r, ctx) => ({
      fields: { name: r.fields.Name, author: await ctx.requireLinkedId(authors.source, authors.dest, String(r.fields.Author)) },
    });
    const job = { ...h.job, mappers: { toDest, toSource: h.job.mappers.toSource } };
    h.source.insert({ Name: 'v1', Author: 'recA1' });
    h.source.insert({ Name: 'v2', Author: 'recA2' });
    await h.linkIndex.upsertLinks(authors, [{ sourceId: 'recA1', destId: 'w1', sourceHash: 'x', destHash: 'y', deletedAt: null, syncedAt: '2026-01-01T00:00:00Z' }]);
    const first = await runSyncCycle(job, { linkIndex: h.linkIndex, clock: h.clock });
    expect(first.status).toBe('partial');
    expect(first.summary!.errors[0]!.reason).toBe('reference to Authors record recA2 is not linked yet; the record waits and is retried next run');
    expect(h.dest.live().map((r) => r.fields)).toEqual([{ name: 'v1', author: 'w1' }]);
    // The Authors job links recA2; the waiting video syncs on the next run, without being edited.
    await h.linkIndex.upsertLinks(authors, [{ sourceId: 'recA2', destId: 'w2', sourceHash: 'x', destHash: 'y', deletedAt: null, syncedAt: '2026-01-01T00:00:00Z' }]);
    const second = await runSyncCycle(job, { linkIndex: h.linkIndex, clock: h.clock });
    expect(second.status).toBe('success');
    expect(h.dest.live().map((r) => r.fields.author).sort()).toEqual(['w1', 'w2']);
  });
});
