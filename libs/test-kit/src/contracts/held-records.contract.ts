/**
 * The held-records part of the LinkIndex contract (edit settling, `settle_sec`): registered by
 * `describeLinkIndexContract` inside its suite, so it runs against every implementation.
 */
import { describe, expect, it } from 'vitest';
import type { LinkIndex, TableRef } from '@syncframe/engine';

let counter = 0;
const uniqueJob = () => `held-job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${++counter}`;

const T1 = new Date('2026-03-01T10:00:00.000Z');
const T2 = new Date('2026-03-01T10:00:30.000Z');

/** `linkIndex()` gives the suite's store once it is open. */
export function describeHeldRecordsContract(linkIndex: () => LinkIndex): void {
  describe('held records (edit settling)', () => {
    const airtable: TableRef = { adapter: 'airtable', table: 'Videos' };
    const webflow: TableRef = { adapter: 'webflow', table: 'c0ffee' };

    it('holds records, keeping the first time of one already held, and finds them by id', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      expect(await li.findHeld(job, airtable, ['rec1', 'rec2'])).toEqual(new Map());
      expect(await li.holdRecords(job, airtable, ['rec1'], T1)).toEqual(new Map([['rec1', T1.toISOString()]]));
      expect(await li.holdRecords(job, airtable, ['rec1', 'rec2', 'rec2'], T2)).toEqual(new Map([
        ['rec1', T1.toISOString()], ['rec2', T2.toISOString()],
      ]));
      expect(await li.findHeld(job, airtable, ['rec1', 'rec2', 'rec3'])).toEqual(new Map([
        ['rec1', T1.toISOString()], ['rec2', T2.toISOString()],
      ]));
      expect(await li.findHeld(job, airtable, [])).toEqual(new Map());
      expect(await li.holdRecords(job, airtable, [], T2)).toEqual(new Map());
    });

    it('keeps holds apart per job and per side', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      const other = uniqueJob();
      await li.holdRecords(job, airtable, ['rec1'], T1);
      expect(await li.findHeld(other, airtable, ['rec1'])).toEqual(new Map());
      expect(await li.findHeld(job, webflow, ['rec1'])).toEqual(new Map());
      expect(await li.findHeld(job, { adapter: 'airtable', table: 'Other' }, ['rec1'])).toEqual(new Map());
      await li.holdRecords(other, airtable, ['rec1'], T2);
      expect(await li.findHeld(other, airtable, ['rec1'])).toEqual(new Map([['rec1', T2.toISOString()]]));
      expect(await li.findHeld(job, airtable, ['rec1'])).toEqual(new Map([['rec1', T1.toISOString()]]));
    });

    it('releases only the given records of that job and side; a released record is held afresh', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      const other = uniqueJob();
      await li.holdRecords(job, airtable, ['rec1', 'rec2', 'rec3'], T1);
      await li.holdRecords(other, airtable, ['rec1'], T1);
      await li.holdRecords(job, webflow, ['rec1'], T1);
      await li.releaseHeld(job, airtable, ['rec1', 'rec3', 'never-held']);
      await li.releaseHeld(job, airtable, []);
      expect(await li.findHeld(job, airtable, ['rec1', 'rec2', 'rec3'])).toEqual(new Map([['rec2', T1.toISOString()]]));
      expect(await li.findHeld(other, airtable, ['rec1'])).toEqual(new Map([['rec1', T1.toISOString()]]));
      expect(await li.findHeld(job, webflow, ['rec1'])).toEqual(new Map([['rec1', T1.toISOString()]]));
      expect(await li.holdRecords(job, airtable, ['rec1'], T2)).toEqual(new Map([['rec1', T2.toISOString()]]));
    });

    it('holds, finds and releases thousands of records per call', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      const ids = Array.from({ length: 5000 }, (_, i) => `rec${i}`);
      const held = await li.holdRecords(job, airtable, ids, T1);
      expect(held.size).toBe(5000);
      expect((await li.findHeld(job, airtable, ids)).size).toBe(5000);
      await li.releaseHeld(job, airtable, ids.slice(0, 4999));
      expect(await li.findHeld(job, airtable, ids)).toEqual(new Map([['rec4999', T1.toISOString()]]));
    });
  });
}
