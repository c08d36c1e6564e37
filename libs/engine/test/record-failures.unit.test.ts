import { describe, expect, it, vi } from 'vitest';
import type { MapperFn, RecordFailure } from '@syncframe/engine';
import { harness, toDest } from '@syncframe/test-kit';
import type { Harness, HarnessOptions } from '@syncframe/test-kit';

const DAY_AND_AN_HOUR = 25 * 3600 * 1000;

/** A harness whose toDest mapper throws on records with the slug `bad` while `broken.on`. */
function withBrokenMapper(options: HarnessOptions = {}): { h: Harness; broken: { on: boolean } } {
  const broken = { on: true };
  const mapper: MapperFn = (r, ctx) => {
    if (broken.on && r.fields.Slug === 'bad') throw new Error('Slug "bad" is reserved');
    return toDest(r, ctx);
  };
  return { h: harness({ ...options, mappers: { toDest: mapper } }), broken };
}

const failing = (h: Harness): Promise<RecordFailure[]> => h.linkIndex.listRecordFailures(h.job.id);
const brief = (f: RecordFailure) => ({ side: f.side, recordId: f.recordId, stage: f.stage, reason: f.reason, failures: f.failures, retrying: f.retrying });

describe('failing records: recorded by each run, cleared once they sync', () => {
  it('a record the mapper throws on is listed with its reason, counts up run after run, and leaves the list once it syncs', async () => {
    const { h, broken } = withBrokenMapper();
    const bad = h.source.insert({ Name: 'Bad', Slug: 'bad' });
    h.source.insert({ Name: 'Good', Slug: 'good' });

    const first = await h.run();
    expect(first.status).toBe('partial');
    expect((await failing(h)).map(brief)).toEqual([
      { side: 'source', recordId: bad.id, stage: 'map', reason: expect.stringContaining('Slug "bad" is reserved'), failures: 1, retrying: true },
    ]);
    const [listed] = await failing(h);
    expect(listed!.lastRunId).toBe(first.summary!.runId);
    expect(listed!.firstFailedAt).toBe(first.summary!.endedAt);

    const second = await h.run();
    const [again] = await failing(h);
    expect(again!.failures).toBe(2);
    expect(again!.lastRunId).toBe(second.summary!.runId);
    expect(again!.firstFailedAt).toBe(listed!.firstFailedAt);
    expect(again!.lastFailedAt).toBe(second.summary!.endedAt);

    broken.on = false;
    const fixed = await h.run();
    expect(fixed.status).toBe('success');
    expect(h.dest.live().map((r) => r.fields.slug).sort()).toEqual(['bad', 'good']);
    expect(await failing(h)).toEqual([]);
  });

  it('a record the remote rejects on write is listed (stage write) and leaves the list once a write lands', async () => {
    const h = harness();
    const bad = h.source.insert({ Name: 'Bad', Slug: 'bad' });
    h.source.insert({ Name: 'Good', Slug: 'good' });
    h.dest.rejectWhere((f) => f.slug === 'bad', 'alone', '422 slug is invalid');

    await h.run();
    await h.run();
    expect((await failing(h)).map(brief)).toEqual([
      { side: 'source', recordId: bad.id, stage: 'write', reason: '422 slug is invalid', failures: 2, retrying: true },
    ]);

    h.dest.clearFaults();
    await h.run();
    expect(h.dest.live()).toHaveLength(2);
    expect(await failing(h)).toEqual([]);
  });

  it('a failure on the other side is listed on that side', async () => {
    const h = harness();
    const item = h.dest.insert({ name: 'From Webflow', slug: 'wf' });
    h.source.rejectWhere((f) => f.Slug === 'wf', 'alone', 'INVALID_VALUE_FOR_COLUMN');
    await h.run();
    expect((await failing(h)).map(brief)).toEqual([
      { side: 'dest', recordId: item.id, stage: 'write', reason: 'INVALID_VALUE_FOR_COLUMN', failures: 1, retrying: true },
    ]);
  });

  it('past 24 h a record is no longer retried: listed with retrying false, its reason without the note the summary adds', async () => {
    const h = harness();
    const bad = h.source.insert({ Name: 'Bad', Slug: 'bad' });
    h.dest.rejectWhere((f) => f.slug === 'bad', 'alone', '404 target gone');
    await h.run();
    expect((await failing(h))[0]!.retrying).toBe(true);

    h.clock.advance(DAY_AND_AN_HOUR);
    const later = await h.run();
    expect(later.summary!.errors[0]!.reason).toMatch(/^404 target gone \(not retried any more: last modified over 24 h ago/);
    expect((await failing(h)).map(brief)).toEqual([
      { side: 'source', recordId: bad.id, stage: 'write', reason: '404 target gone', failures: 2, retrying: false },
    ]);

    // Not pulled any more (its cursor moved on): it stays listed as it was.
    const quiet = await h.run();
    expect(quiet.summary!.counts.source.pulled).toBe(0);
    expect((await failing(h)).map(brief)).toEqual([
      { side: 'source', recordId: bad.id, stage: 'write', reason: '404 target gone', failures: 2, retrying: false },
    ]);
  });

  it('a run that fails before planning (the pull failed) clears nothing', async () => {
    const { h, broken } = withBrokenMapper();
    h.source.insert({ Name: 'Bad', Slug: 'bad' });
    await h.run();
    broken.on = false;
    h.source.failNext({ type: 'permanent' }, 'pull');
    const failed = await h.run();
    expect(failed.status).toBe('failed');
    expect((await failing(h)).map((f) => f.failures)).toEqual([1]);
    await h.run();
    expect(await failing(h)).toEqual([]);
  });

  it('a record whose write went to a side whose push failed stays listed until a write lands', async () => {
    const h = harness();
    h.source.insert({ Name: 'Bad', Slug: 'bad' });
    h.dest.rejectWhere((f) => f.slug === 'bad', 'alone', '422 slug is invalid');
    await h.run();
    h.dest.clearFaults();
    h.dest.failNext({ type: 'permanent' }, 'write', 100);
    const failed = await h.run();
    expect(failed.status).toBe('failed');
    expect((await failing(h)).map((f) => [f.reason, f.failures])).toEqual([['422 slug is invalid', 1]]);
    h.dest.clearFaults();
    await h.run();
    expect(h.dest.live()).toHaveLength(1);
    expect(await failing(h)).toEqual([]);
  });

  it('a listed record waiting for edit settling stays listed until it is planned', async () => {
    const { h, broken } = withBrokenMapper({ settle: { source: { sec: 60, maxSec: 3600 } } });
    const bad = h.source.insert({ Name: 'Bad', Slug: 'bad' });
    h.clock.advance(120_000);
    await h.run();
    expect((await failing(h)).map((f) => f.failures)).toEqual([1]);

    broken.on = false;
    h.source.edit(bad.id, { Notes: 'edited just now' });
    const waiting = await h.run();
    expect(waiting.plan.find((e) => e.recordId === bad.id)?.action).toBe('wait');
    expect((await failing(h)).map((f) => f.failures)).toEqual([1]);

    h.clock.advance(120_000);
    await h.run();
    expect(h.dest.live()).toHaveLength(1);
    expect(await failing(h)).toEqual([]);
  });

  it('a run with no failing record reads the list once and writes nothing to it', async () => {
    const h = harness();
    h.source.insert({ Name: 'Good', Slug: 'good' });
    const list = vi.spyOn(h.linkIndex, 'listRecordFailures');
    const record = vi.spyOn(h.linkIndex, 'recordFailures');
    const clear = vi.spyOn(h.linkIndex, 'clearRecordFailures');
    await h.run();
    expect([list.mock.calls.length, record.mock.calls.length, clear.mock.calls.length]).toEqual([1, 0, 0]);
  });

  it('a dry run lists nothing and clears nothing', async () => {
    const { h, broken } = withBrokenMapper();
    const bad = h.source.insert({ Name: 'Bad', Slug: 'bad' });
    const dry = await h.run({ dryRun: true });
    expect(dry.plan.find((e) => e.recordId === bad.id)?.action).toBe('error');
    expect(await failing(h)).toEqual([]);

    await h.run();
    broken.on = false;
    await h.run({ dryRun: true });
    expect((await failing(h)).map((f) => f.failures)).toEqual([1]);
  });
});

describe('retry now', () => {
  /** A record rejected by the remote, past its 24 h: no longer pulled, listed with retrying false. */
  async function givenUp(): Promise<{ h: Harness; id: string }> {
    const h = harness();
    const bad = h.source.insert({ Name: 'Bad', Slug: 'bad' });
    h.source.insert({ Name: 'Good', Slug: 'good' });
    h.dest.rejectWhere((f) => f.slug === 'bad', 'alone', '404 target gone');
    await h.run();
    h.clock.advance(DAY_AND_AN_HOUR);
    await h.run();
    const quiet = await h.run();
    expect(quiet.summary!.counts.source.pulled).toBe(0);
    expect((await failing(h)).map((f) => [f.recordId, f.retrying])).toEqual([[bad.id, false]]);
    return { h, id: bad.id };
  }

  it('re-plans a given-up record that was not pulled: still failing, it counts one more and the request is served', async () => {
    const { h, id } = await givenUp();
    expect(await h.linkIndex.requestRecordRetry(h.job.id, [{ side: 'source', recordId: id }])).toBe(1);
    const retried = await h.run();
    expect(retried.summary!.counts.source.pulled).toBe(0);
    expect(retried.summary!.errors.map((e) => e.recordId)).toEqual([id]);
    expect((await failing(h)).map((f) => [f.recordId, f.failures, f.retryRequestedAt])).toEqual([[id, 3, null]]);

    // Served: the next run does not read it again.
    const next = await h.run();
    expect(next.summary!.errors).toEqual([]);
    expect((await failing(h)).map((f) => f.failures)).toEqual([3]);
  });

  it('once the cause is fixed, retry now syncs the record and it leaves the list', async () => {
    const { h, id } = await givenUp();
    h.dest.clearFaults();
    // Fixed, but not edited: nothing pulls it.
    await h.run();
    expect(h.dest.live()).toHaveLength(1);
    expect(await h.linkIndex.requestRecordRetry(h.job.id, 'all')).toBe(1);
    const retried = await h.run();
    expect(retried.status).toBe('success');
    expect(retried.summary!.counts.dest.created).toBe(1);
    expect(h.dest.live().map((r) => r.fields.slug).sort()).toEqual(['bad', 'good']);
    expect((await h.links()).map((l) => l.sourceId)).toContain(id);
    expect(await failing(h)).toEqual([]);
  });

  it('a record deleted meanwhile leaves the list', async () => {
    const { h, id } = await givenUp();
    h.source.purge(id);
    await h.linkIndex.requestRecordRetry(h.job.id, [{ side: 'source', recordId: id }]);
    const retried = await h.run();
    expect(retried.status).toBe('success');
    expect(await failing(h)).toEqual([]);
  });

  it('a dry run reads the record again but serves nothing and clears nothing', async () => {
    const { h, id } = await givenUp();
    h.dest.clearFaults();
    const requestedAt = new Date(h.clock.now());
    await h.linkIndex.requestRecordRetry(h.job.id, 'all', requestedAt);
    const dry = await h.run({ dryRun: true });
    expect(dry.plan.find((e) => e.recordId === id)?.action).toBe('create');
    expect(h.dest.live()).toHaveLength(1);
    expect((await failing(h)).map((f) => [f.failures, f.retryRequestedAt])).toEqual([[2, requestedAt.toISOString()]]);

    h.source.purge(id);
    await h.run({ dryRun: true });
    expect((await failing(h)).map((f) => f.recordId)).toEqual([id]);
  });
});
