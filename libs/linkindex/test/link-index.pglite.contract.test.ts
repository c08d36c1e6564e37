import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLinkIndex } from '@syncframe/linkindex';
import { describeLinkIndexContract } from '@syncframe/test-kit/contracts';

// One data folder for the file: PGlite takes seconds to create a database, so the contract suite
// creates it once and the persistence tests below reopen it.
const dir = await mkdtemp(join(tmpdir(), 'syncframe-pglite-'));
const dataDir = join(dir, 'nested', 'pglite'); // not there yet: the driver creates it

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeLinkIndexContract(
  'pglite driver',
  async () => {
    const { linkIndex } = await openLinkIndex({ driver: 'pglite', conn: dataDir, schema: 'syncframe' });
    return { linkIndex, close: () => linkIndex.close() };
  },
  { leases: true },
);

describe('pglite driver: data folder', () => {
  const pair = { source: { adapter: 'airtable', table: 'Videos' }, dest: { adapter: 'webflow', table: 'c1' } };
  const link = { sourceId: 'rec1', destId: 'item1', sourceHash: 'h1', destHash: 'h2', deletedAt: null, syncedAt: '2026-01-01T00:00:00.000Z' };

  it('keeps links, cursors and leases across a close and reopen, without migrating again', async () => {
    const first = await openLinkIndex({ driver: 'pglite', conn: dataDir, schema: 'syncframe' });
    expect(first.driver).toBe('pglite');
    expect(first.migrations?.applied).toEqual([]);
    await first.linkIndex.upsertLinks(pair, [link]);
    await first.linkIndex.saveCursor('job-persist', pair.source, { value: 'cur-1' });
    const grant = await first.linkIndex.acquireLease('job-persist', 'worker-a', 60_000);
    await first.linkIndex.close();
    await first.linkIndex.close(); // idempotent

    // Reopened without migrating: the schema check passes, the data is there.
    const second = await openLinkIndex({ driver: 'pglite', conn: dataDir, schema: 'syncframe' }, { migrate: false });
    try {
      expect(second.migrations).toBeNull();
      expect(await second.linkIndex.findLinks(pair, 'dest', ['item1'])).toEqual([link]);
      expect(await second.linkIndex.loadCursor('job-persist', pair.source)).toEqual({ value: 'cur-1' });
      expect(await second.linkIndex.acquireLease('job-persist', 'worker-b', 60_000)).toBeNull();
      expect(await second.linkIndex.renewLease(grant!, 60_000)).toBe(true);
    } finally {
      await second.linkIndex.close();
    }
  });
});
