/**
 * The failing-records part of the LinkIndex contract (the board's list of records that keep
 * failing, and "retry now"): registered by `describeLinkIndexContract` inside its suite, so it runs
 * against every implementation.
 */
import { describe, expect, it } from 'vitest';
import type { LinkIndex, NewRecordFailure, RecordKey } from '@syncframe/engine';

let counter = 0;
const uniqueJob = () => `failing-job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${++counter}`;

const T1 = '2026-04-01T10:00:00.000Z';
const T2 = '2026-04-01T11:00:00.000Z';
const T3 = '2026-04-01T12:00:00.000Z';

function failure(recordId: string, over: Partial<NewRecordFailure> = {}): NewRecordFailure {
  return { side: 'source', recordId, stage: 'map', reason: `mapper threw on ${recordId}`, runId: 'run-1', at: T1, retrying: true, ...over };
}

const key = (recordId: string, side: RecordKey['side'] = 'source'): RecordKey => ({ side, recordId });

/** `linkIndex()` gives the suite's store once it is open. */
export function describeRecordFailuresContract(linkIndex: () => LinkIndex): void {
  describe('failing records', () => {
    it('lists a new failure at 1, then counts it up, replacing reason, stage, run and retrying but keeping the first time', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      expect(await li.listRecordFailures(job)).toEqual([]);
      await li.recordFailures(job, [failure('rec1')]);
      expect(await li.listRecordFailures(job)).toEqual([{
        jobId: job, side: 'source', recordId: 'rec1', stage: 'map', reason: 'mapper threw on rec1',
        firstFailedAt: T1, lastFailedAt: T1, failures: 1, lastRunId: 'run-1', retrying: true, retryRequestedAt: null,
      }]);
      await li.recordFailures(job, [failure('rec1', { stage: 'write', reason: 'rejected: bad value', runId: 'run-2', at: T2 })]);
      await li.recordFailures(job, [failure('rec1', { stage: 'match', reason: 'no partner', runId: 'run-3', at: T3, retrying: false })]);
      expect(await li.listRecordFailures(job)).toEqual([{
        jobId: job, side: 'source', recordId: 'rec1', stage: 'match', reason: 'no partner',
        firstFailedAt: T1, lastFailedAt: T3, failures: 3, lastRunId: 'run-3', retrying: false, retryRequestedAt: null,
      }]);
      await li.recordFailures(job, []);
      expect((await li.listRecordFailures(job)).map((f) => f.failures)).toEqual([3]);
    });

    it('keeps a record apart per side, and counts a record given twice in one call once (its last entry)', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      await li.recordFailures(job, [
        failure('rec1', { reason: 'first' }),
        failure('rec1', { side: 'dest', stage: 'write', reason: 'dest side' }),
        failure('rec1', { reason: 'second' }),
      ]);
      const listed = await li.listRecordFailures(job);
      expect(listed.map((f) => [f.side, f.recordId, f.reason, f.failures])).toEqual([['dest', 'rec1', 'dest side', 1], ['source', 'rec1', 'second', 1]]);
    });

    it('lists the most recently failed first (then by side and id), and keeps only the given keys when asked', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      await li.recordFailures(job, [failure('rec-b', { at: T1 }), failure('rec-a', { at: T2 }), failure('rec-c', { at: T2, side: 'dest' })]);
      await li.recordFailures(job, [failure('rec-d', { at: T3 })]);
      expect((await li.listRecordFailures(job)).map((f) => f.recordId)).toEqual(['rec-d', 'rec-c', 'rec-a', 'rec-b']);
      expect((await li.listRecordFailures(job, [key('rec-b'), key('rec-c', 'dest'), key('rec-c'), key('nope')])).map((f) => f.recordId))
        .toEqual(['rec-c', 'rec-b']);
      expect(await li.listRecordFailures(job, [])).toEqual([]);
    });

    it('clears the given records only; unknown keys are ignored; a cleared record starts again at 1', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      await li.recordFailures(job, [failure('rec1'), failure('rec2'), failure('rec3', { side: 'dest' })]);
      await li.recordFailures(job, [failure('rec1', { at: T2 })]);
      await li.clearRecordFailures(job, [key('rec1'), key('rec3'), key('never-failed'), key('rec9', 'dest')]);
      await li.clearRecordFailures(job, []);
      expect((await li.listRecordFailures(job)).map((f) => [f.side, f.recordId])).toEqual([['dest', 'rec3'], ['source', 'rec2']]);
      await li.recordFailures(job, [failure('rec1', { at: T3 })]);
      expect((await li.listRecordFailures(job, [key('rec1')])).map((f) => [f.failures, f.firstFailedAt])).toEqual([[1, T3]]);
    });

    it('asks for a retry of the given failing records or of all, counting only existing failures', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      const at = new Date('2026-04-02T08:00:00.000Z');
      expect(await li.requestRecordRetry(job, 'all', at)).toBe(0);
      await li.recordFailures(job, [failure('rec1'), failure('rec2'), failure('rec3')]);
      expect(await li.requestRecordRetry(job, [key('rec1'), key('rec1', 'dest'), key('unknown')], at)).toBe(1);
      expect(await li.requestRecordRetry(job, [], at)).toBe(0);
      const requested = (await li.listRecordFailures(job)).map((f) => [f.recordId, f.retryRequestedAt]);
      expect(requested).toEqual([['rec1', at.toISOString()], ['rec2', null], ['rec3', null]]);
      const later = new Date('2026-04-02T09:00:00.000Z');
      expect(await li.requestRecordRetry(job, 'all', later)).toBe(3);
      expect((await li.listRecordFailures(job)).every((f) => f.retryRequestedAt === later.toISOString())).toBe(true);
    });

    it('a new failure of a record serves (clears) its retry request', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      await li.recordFailures(job, [failure('rec1'), failure('rec2')]);
      await li.requestRecordRetry(job, 'all', new Date(T2));
      await li.recordFailures(job, [failure('rec1', { at: T3, runId: 'run-2' })]);
      expect((await li.listRecordFailures(job)).map((f) => [f.recordId, f.failures, f.retryRequestedAt])).toEqual([
        ['rec1', 2, null], ['rec2', 1, T2],
      ]);
    });

    it('keeps jobs apart', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      const other = uniqueJob();
      await li.recordFailures(job, [failure('rec1')]);
      await li.recordFailures(other, [failure('rec1', { reason: 'other job' })]);
      await li.recordFailures(other, [failure('rec1', { reason: 'other job', at: T2 })]);
      expect((await li.listRecordFailures(job)).map((f) => [f.jobId, f.failures])).toEqual([[job, 1]]);
      expect(await li.requestRecordRetry(job, 'all', new Date(T3))).toBe(1);
      expect((await li.listRecordFailures(other))[0]!.retryRequestedAt).toBeNull();
      await li.clearRecordFailures(job, [key('rec1')]);
      expect(await li.listRecordFailures(job)).toEqual([]);
      expect((await li.listRecordFailures(other)).map((f) => [f.jobId, f.reason, f.failures])).toEqual([[other, 'other job', 2]]);
    });

    it('records, lists and clears thousands of records per call', async () => {
      const li = linkIndex();
      const job = uniqueJob();
      const ids = Array.from({ length: 12_000 }, (_, i) => `rec${i}`);
      await li.recordFailures(job, ids.map((id) => failure(id)));
      await li.recordFailures(job, ids.slice(0, 10).map((id) => failure(id, { at: T2 })));
      expect((await li.listRecordFailures(job)).length).toBe(12_000);
      await li.clearRecordFailures(job, ids.slice(1).map((id) => key(id)));
      expect((await li.listRecordFailures(job)).map((f) => [f.recordId, f.failures])).toEqual([['rec0', 2]]);
    });
  });
}
