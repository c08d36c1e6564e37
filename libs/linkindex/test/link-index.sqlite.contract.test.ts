import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLinkIndex } from '@syncframe/linkindex';
import { describeLinkIndexContract } from '@syncframe/test-kit/contracts';

// One database file for this test file, removed afterwards.
const dir = await mkdtemp(join(tmpdir(), 'syncframe-sqlite-'));
const file = join(dir, 'nested', 'syncframe.db'); // the folder is not there yet: the driver creates it

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeLinkIndexContract(
  'sqlite driver',
  async () => {
    const { linkIndex } = await openLinkIndex({ driver: 'sqlite', conn: file });
    return { linkIndex, close: () => linkIndex.close() };
  },
  { leases: true },
);

describe('sqlite driver: database file', () => {
  const pair = { source: { adapter: 'airtable', table: 'Videos' }, dest: { adapter: 'webflow', table: 'c1' } };
  const link = { sourceId: 'rec1', destId: 'item1', sourceHash: 'h1', destHash: 'h2', deletedAt: null, syncedAt: '2026-01-01T00:00:00.123Z' };

  it('keeps links, cursors and leases across a close and reopen, without migrating again', async () => {
    const first = await openLinkIndex({ driver: 'sqlite', conn: file });
    expect(first.driver).toBe('sqlite');
    expect(first.migrations?.applied).toEqual([]);
    await first.linkIndex.upsertLinks(pair, [link]);
    await first.linkIndex.saveCursor('job-persist', pair.source, { value: 'cur-1' });
    const grant = await first.linkIndex.acquireLease('job-persist', 'worker-a', 60_000);
    await first.linkIndex.close();
    await first.linkIndex.close(); // idempotent

    const second = await openLinkIndex({ driver: 'sqlite', conn: file }, { migrate: false });
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
