import { describe, expect, it } from 'vitest';
import type { Conflict, Link, SyncJob } from '@syncframe/engine';
import { harness } from '@syncframe/test-kit';
import { LinkedIdLoader } from '../src/linked-id-loader.js';
import { planChunks } from '../src/plan-chunks.js';
import type { PlanReads } from '../src/plan-cycle.js';
import type { CycleItem } from '../src/plan.js';
import type { PulledItem } from '../src/pulled-records.js';
import type { Side } from '../src/record.js';

const AT = '2026-01-01T00:00:00.000Z';
const item = (side: Side, id: string, page: number, fields: Record<string, unknown> = {}): PulledItem =>
  ({ side, id, page, editedAt: Date.parse(AT), deleted: false, record: { id, fields, updatedAt: AT, deleted: false } });
const load = async (items: readonly PulledItem[]): Promise<CycleItem[]> => items.map((i) => ({ side: i.side, page: i.page, record: i.record! }));
const link = (sourceId: string, destId: string): Link => ({ sourceId, destId, sourceHash: 'h', destHash: 'h', deletedAt: null, syncedAt: AT });
const conflict = (sourceId: string, destId: string, conflictId: string): Conflict => ({
  conflictId, jobId: 'videos', pair: { source: { adapter: 'a', table: 't' }, dest: { adapter: 'b', table: 'u' } }, sourceId, destId,
  sourcePayload: { id: sourceId, fields: {}, updatedAt: AT, deleted: false }, destPayload: { id: destId, fields: {}, updatedAt: AT, deleted: false },
  detectedAt: AT, resolvedAt: AT, keep: 'source', appliedAt: null,
});
const reads = (links: Link[] = [], resolved: Conflict[] = []): PlanReads => ({
  links: { bySourceId: new Map(links.map((l) => [l.sourceId, l])), byDestId: new Map(links.map((l) => [l.destId, l])) },
  open: [], resolved,
});
const ids = (chunk: { items: { source: readonly PulledItem[]; dest: readonly PulledItem[] } }) =>
  [...chunk.items.source, ...chunk.items.dest].map((i) => i.id).sort();

describe('planChunks', () => {
  const { job, linkIndex } = harness();
  const loader = new LinkedIdLoader(linkIndex);

  it('cuts the pulled records into chunks of the given size, page by page across both sides', async () => {
    const items = { source: [item('source', 's1', 0), item('source', 's2', 0), item('source', 's3', 1)], dest: [item('dest', 'd1', 0), item('dest', 'd2', 1)] };
    const chunks = await planChunks(job, loader, items, reads(), load, 2);
    expect(chunks.map(ids)).toEqual([['s1', 's2'], ['d1', 's3'], ['d2']]);
  });

  it('keeps the two records of a link together, however far apart they were pulled', async () => {
    const items = { source: [item('source', 's1', 0), item('source', 's2', 0), item('source', 's3', 0)], dest: [item('dest', 'd9', 0), item('dest', 'd1', 3)] };
    const chunks = await planChunks(job, loader, items, reads([link('s1', 'd1')]), load, 1);
    expect(chunks.map(ids)).toEqual([['d1', 's1'], ['s2'], ['s3'], ['d9']]);
  });

  it('applies a resolved conflict in one chunk only: the one holding its records, else the first', async () => {
    const items = { source: [item('source', 's1', 0), item('source', 's2', 0)], dest: [] };
    const chunks = await planChunks(job, loader, items, reads([], [conflict('s2', 'd2', 'held'), conflict('sx', 'dx', 'unpulled')]), load, 1);
    expect(chunks.map((c) => c.reads.resolved.map((r) => r.conflictId))).toEqual([['unpulled'], ['held']]);
  });

  it('returns one empty chunk when nothing was pulled (resolved conflicts still apply)', async () => {
    const chunks = await planChunks(job, loader, { source: [], dest: [] }, reads([], [conflict('s1', 'd1', 'c')]), load, 10);
    expect(chunks).toHaveLength(1);
    expect(ids(chunks[0]!)).toEqual([]);
    expect(chunks[0]!.reads.resolved).toHaveLength(1);
  });

  it('with match, keeps records with the same key together: the raw key and the key the mapper makes of it', async () => {
    const matched: SyncJob = { ...job, match: { source: 'Slug', dest: 'slug' } };
    const items = {
      source: [item('source', 's1', 0, { Slug: 'a' }), item('source', 's2', 0, { Slug: 'b' }), item('source', 's3', 0, { Slug: 'c' })],
      dest: [item('dest', 'd1', 0, { slug: 'c' }), item('dest', 'd2', 1, { slug: 'a' })],
    };
    const chunks = await planChunks(matched, loader, items, reads(), load, 1);
    expect(chunks.map(ids)).toEqual([['d2', 's1'], ['s2'], ['d1', 's3']]);
  });
});
