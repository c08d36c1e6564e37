import { describe, expect, it } from 'vitest';
import type { Link, LinkIndex, PlanEntry } from '@syncframe/engine';
import type { HarnessOptions } from '../engine/harness.js';
import { contents, harness as baseHarness } from '../engine/harness.js';

const KEYS_SRC = ['Name', 'Slug', 'Notes'];
const KEYS_DST = ['name', 'slug', 'notes'];

const stripIds = (plan: PlanEntry[]) =>
  plan.map((e) => ({ ...e, target: e.target ? { side: e.target.side } : null })).sort((a, b) => `${a.side}${a.recordId}`.localeCompare(`${b.side}${b.recordId}`));

/**
 * The engine's scenarios, against any LinkIndex: in memory here, on PGlite and PostgreSQL in
 * libs/linkindex. `store` returns the LinkIndex to use (a shared one gets unique job and table names);
 * `given` are harness options every scenario starts from (e.g. planning one record per chunk).
 */
export function describeSyncScenarios(name: string, store: () => LinkIndex | null, given: HarnessOptions = {}): void {
  const harness = (options: HarnessOptions = {}) => {
    const shared = store();
    return baseHarness({ ...given, ...options, ...(shared ? { linkIndex: shared } : {}) });
  };
  describe(`sync scenarios (${name})`, () => {
  describe('first sync', () => {
    it('creates each side\'s records on the other side and links them', async () => {
      const h = harness();
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.source.insert({ Name: 'B', Slug: 'b', Notes: 'n' });
      h.dest.insert({ name: 'C', slug: 'c' });

      const result = await h.run();

      expect(result.status).toBe('success');
      expect(contents(h.dest, KEYS_DST)).toEqual(contents(h.source, KEYS_SRC));
      expect(h.source.live()).toHaveLength(3);
      expect(h.dest.live()).toHaveLength(3);
      expect(result.summary!.counts.dest.created).toBe(2);
      expect(result.summary!.counts.source.created).toBe(1);
      expect(await h.links()).toHaveLength(3);
      expect(await h.linkIndex.listRuns({ jobId: h.job.id })).toHaveLength(1);
    });
  });

  describe('dry run', () => {
    it('writes nothing, remote or local, and plans exactly what the real run then does', async () => {
      const h = harness({ match: true });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.source.insert({ Name: 'B', Slug: 'b' });
      h.dest.insert({ name: 'B2', slug: 'b' }); // matched by slug: an update
      h.dest.insert({ name: 'D', slug: 'd' });
      await h.run();
      h.source.edit(h.source.live()[0]!.id, { Notes: 'edited' });
      h.source.insert({ Name: 'E', Slug: 'e' });
      h.dest.remove(h.dest.live().find((r) => r.fields.slug === 'd')!.id);
      const writesBefore = h.source.writeRequests().length + h.dest.writeRequests().length;
      const runsBefore = (await h.linkIndex.listRuns({})).length;
      const linksBefore = JSON.stringify(await h.links());
      const cursorsBefore = JSON.stringify([await h.linkIndex.loadCursor(h.job.id, h.source.ref), await h.linkIndex.loadCursor(h.job.id, h.dest.ref)]);

      const dry = await h.run({ dryRun: true });

      expect(dry.summary).toBeNull();
      expect(h.source.writeRequests().length + h.dest.writeRequests().length).toBe(writesBefore);
      expect((await h.linkIndex.listRuns({})).length).toBe(runsBefore);
      expect(JSON.stringify(await h.links())).toBe(linksBefore);
      expect(JSON.stringify([await h.linkIndex.loadCursor(h.job.id, h.source.ref), await h.linkIndex.loadCursor(h.job.id, h.dest.ref)])).toBe(cursorsBefore);
      expect(dry.plan.map((e) => e.action).filter((a) => a !== 'echo').sort()).toEqual(['create', 'delete', 'update']);
      const update = dry.plan.find((e) => e.action === 'update')!;
      expect(update.fields).toEqual({ name: 'A', slug: 'a', notes: 'edited' });

      const real = await h.run();
      expect(stripIds(real.plan)).toEqual(stripIds(dry.plan));
      expect(real.summary!.counts.dest).toMatchObject({ created: 1, updated: 1 });
      expect(real.summary!.counts.source).toMatchObject({ deleted: 1 });
    });

    it('reports the changed fields of an update whose target is in hand', async () => {
      const h = harness({ match: true });
      h.source.insert({ Name: 'New name', Slug: 'x', Notes: 'same' });
      h.clock.advance(5);
      h.dest.insert({ name: 'Old name', slug: 'x', notes: 'same' });
      const dry = await h.run({ dryRun: true });
      const entry = dry.plan.find((e) => e.side === 'source')!;
      // Both records are new and matched in this cycle: a conflict, the newer (dest) side wins.
      expect(entry.action).toBe('conflict');
      const winner = dry.plan.find((e) => e.side === 'dest')!;
      expect(winner).toMatchObject({ action: 'update', changedFields: ['Name'] });
    });
  });

  describe('incremental sync and echo suppression', () => {
    it('pushes only what changed since the cursor', async () => {
      const h = harness();
      const a = h.source.insert({ Name: 'A', Slug: 'a' });
      h.source.insert({ Name: 'B', Slug: 'b' });
      await h.run();
      h.source.edit(a.id, { Notes: 'new' });

      const result = await h.run();

      expect(result.summary!.counts.source.pulled).toBe(1);
      expect(result.summary!.counts.dest.updated).toBe(1);
      expect(h.dest.live().find((r) => r.fields.slug === 'a')!.fields.notes).toBe('new');
    });

    it('a second run right after a sync writes nothing: its own writes come back as echoes', async () => {
      const h = harness();
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.dest.insert({ name: 'B', slug: 'b' });
      await h.run();
      const writes = h.source.writeRequests().length + h.dest.writeRequests().length;

      const second = await h.run();

      expect(h.source.writeRequests().length + h.dest.writeRequests().length).toBe(writes);
      expect(second.summary!.counts.source.echoesSkipped + second.summary!.counts.dest.echoesSkipped).toBe(2);
      expect(second.plan.every((e) => e.action === 'echo')).toBe(true);
      const third = await h.run();
      expect(third.plan).toEqual([]);
    });

  });

  describe('conflicts', () => {
    async function conflicted(policy: 'last_writer_wins' | 'manual', destNewer: boolean) {
      const h = harness({ conflictPolicy: policy });
      const a = h.source.insert({ Name: 'A', Slug: 'a' });
      await h.run();
      const b = h.dest.live()[0]!;
      if (destNewer) {
        h.source.edit(a.id, { Name: 'from source' });
        h.clock.advance(10);
        h.dest.edit(b.id, { name: 'from dest' });
      } else {
        h.dest.edit(b.id, { name: 'from dest' });
        h.clock.advance(10);
        h.source.edit(a.id, { Name: 'from source' });
      }
      return { h, a, b, result: await h.run() };
    }

    it('last_writer_wins: the newer change wins on both sides', async () => {
      const { h, a, b, result } = await conflicted('last_writer_wins', true);
      expect(h.source.get(a.id)!.fields.Name).toBe('from dest');
      expect(h.dest.get(b.id)!.fields.name).toBe('from dest');
      expect(result.summary!.counts.source.conflicts).toBe(1);
      const again = await conflicted('last_writer_wins', false);
      expect(again.h.dest.get(again.b.id)!.fields.name).toBe('from source');
    });

    it('last_writer_wins breaks a tie deterministically (the source side wins)', async () => {
      const h = harness();
      const a = h.source.insert({ Name: 'A', Slug: 'a' });
      await h.run();
      const b = h.dest.live()[0]!;
      h.source.edit(a.id, { Name: 'S' });
      h.dest.edit(b.id, { name: 'D' });
      // Force equal modification times.
      const same = '2030-01-01T00:00:00.000Z';
      (h.source as unknown as { store: Map<string, { record: { updatedAt: string } }> }).store.get(a.id)!.record.updatedAt = same;
      (h.dest as unknown as { store: Map<string, { record: { updatedAt: string } }> }).store.get(b.id)!.record.updatedAt = same;
      await h.run();
      expect(h.dest.get(b.id)!.fields.name).toBe('S');
    });

    it('manual: records both full payloads, writes neither, and applies the kept side on the next run', async () => {
      const { h, a, b, result } = await conflicted('manual', true);
      expect(h.source.get(a.id)!.fields.Name).toBe('from source');
      expect(h.dest.get(b.id)!.fields.name).toBe('from dest');
      const open = await h.linkIndex.listConflicts(h.job.id, 'open');
      expect(open).toHaveLength(1);
      expect(open[0]!.sourcePayload.fields.Name).toBe('from source');
      expect(open[0]!.destPayload.fields.name).toBe('from dest');
      expect(result.plan.filter((e) => e.action === 'conflict')).toHaveLength(2);

      // While open, a further edit refreshes the payload and is still held back.
      h.source.edit(a.id, { Name: 'from source 2' });
      await h.run();
      expect(h.dest.get(b.id)!.fields.name).toBe('from dest');
      expect((await h.linkIndex.listConflicts(h.job.id, 'open'))[0]!.sourcePayload.fields.Name).toBe('from source 2');

      await h.linkIndex.resolveConflict(open[0]!.conflictId, 'source');
      const applied = await h.run();
      expect(applied.summary!.counts.dest.updated).toBe(1);
      expect(h.dest.get(b.id)!.fields.name).toBe('from source 2');
      expect(await h.linkIndex.listConflicts(h.job.id, 'applied')).toHaveLength(1);
      const writes = h.source.writeRequests().length + h.dest.writeRequests().length;
      const quiet = await h.run();
      expect(h.source.writeRequests().length + h.dest.writeRequests().length).toBe(writes);
      expect(quiet.plan.every((e) => e.action === 'echo')).toBe(true);
    });
  });

  describe('field merge', () => {
    it('field_merge: fields changed on one side each go to the other side; a field changed on both sides is named in a manual conflict', async () => {
      const h = harness({ conflictPolicy: 'field_merge', fieldConflict: 'manual' });
      const a = h.source.insert({ Name: 'A', Slug: 'a', Notes: 'n' });
      await h.run();
      const b = h.dest.live()[0]!;
      h.source.edit(a.id, { Notes: 'from source' });
      h.clock.advance(10);
      h.dest.edit(b.id, { name: 'from dest' });
      await h.run();
      expect(h.source.get(a.id)!.fields).toMatchObject({ Name: 'from dest', Notes: 'from source' });
      expect(h.dest.get(b.id)!.fields).toMatchObject({ name: 'from dest', notes: 'from source' });
      const writes = h.source.writeRequests().length + h.dest.writeRequests().length;
      const quiet = await h.run();
      expect(h.source.writeRequests().length + h.dest.writeRequests().length).toBe(writes);
      expect(quiet.plan.every((e) => e.action === 'echo')).toBe(true);

      h.source.edit(a.id, { Notes: 'source again', Slug: 'a2' });
      h.clock.advance(10);
      h.dest.edit(b.id, { notes: 'dest again' });
      await h.run();
      const open = await h.linkIndex.listConflicts(h.job.id, 'open');
      expect(open.map((c) => c.fields)).toEqual([['Notes']]);
      expect(h.dest.get(b.id)!.fields.slug).toBe('a');
    });
  });

  describe('deletes', () => {
    it('a record deleted on one side is deleted on the other, and its stale copy never re-creates it', async () => {
      const h = harness();
      const a = h.source.insert({ Name: 'A', Slug: 'a' });
      await h.run();
      const b = h.dest.live()[0]!;
      h.source.remove(a.id);
      const result = await h.run();
      expect(result.summary!.counts.dest.deleted).toBe(1);
      expect(h.dest.get(b.id)!.deleted).toBe(true);

      // The other side's stale copy shows up again (someone un-archives it): never re-created.
      h.dest.restore(b.id);
      const after = await h.run();
      expect(h.source.get(a.id)!.deleted).toBe(true);
      expect(h.source.live()).toHaveLength(0);
      expect(after.plan.find((e) => e.recordId === b.id)!.action).toBe('skip');
    });

    it('a delete wins over a concurrent edit of the other copy', async () => {
      const h = harness();
      const a = h.source.insert({ Name: 'A', Slug: 'a' });
      await h.run();
      const b = h.dest.live()[0]!;
      h.source.remove(a.id);
      h.clock.advance(10);
      h.dest.edit(b.id, { name: 'newer edit' });
      await h.run();
      expect(h.dest.get(b.id)!.deleted).toBe(true);
      expect(h.source.get(a.id)!.deleted).toBe(true);
    });

    it('a record created and deleted between runs is never synced', async () => {
      const h = harness();
      const a = h.source.insert({ Name: 'A', Slug: 'a' });
      h.source.remove(a.id);
      const result = await h.run();
      expect(h.dest.all()).toHaveLength(0);
      expect(result.plan[0]).toMatchObject({ action: 'skip' });
    });
  });

  describe('retries, fail counts and disabling', () => {
    it('retries a transient failure with exponential back-off, then succeeds', async () => {
      const h = harness({ retries: { max_attempts: 4, backoff_sec: 2 } });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.dest.failNext({ type: 'transient' }, 'write', 2);
      const result = await h.run();
      expect(result.status).toBe('success');
      expect(result.summary!.retries).toBe(2);
      expect(h.clock.sleeps).toEqual([2000, 4000]);
      expect(h.dest.live()).toHaveLength(1);
    });

    it('a 429 waits the remote\'s Retry-After and pauses the throttle for every caller', async () => {
      const h = harness({ throttle: { max_reqs: 100, interval_sec: 1 } });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.dest.failNext({ type: 'rate-limited', retryAfterMs: 30_000 }, 'write');
      const result = await h.run();
      expect(result.status).toBe('success');
      const writes = h.dest.requests.filter((r) => r.op === 'write');
      expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(30_000);
    });

    it('retries exhausted: the side\'s fail count grows each run, the job is disabled at disable_job_after, then skipped', async () => {
      const h = harness({ retries: { max_attempts: 2, backoff_sec: 1, disable_job_after: 3 } });
      h.source.insert({ Name: 'A', Slug: 'a' });
      for (let run = 1; run <= 3; run++) {
        h.dest.failNext({ type: 'transient' }, 'write', 2);
        const result = await h.run();
        expect(result.status).toBe('failed');
        expect(result.summary!.failures[0]).toMatchObject({ side: 'dest', retryable: true });
        expect(await h.linkIndex.getFailCount(h.job.id, h.dest.ref)).toBe(run);
        expect(await h.linkIndex.getFailCount(h.job.id, h.source.ref)).toBe(0);
      }
      expect((await h.linkIndex.getJobState(h.job.id)).disabledAt).not.toBeNull();
      const requests = h.source.requests.length + h.dest.requests.length;
      const skipped = await h.run();
      expect(skipped.status).toBe('skipped');
      expect(h.source.requests.length + h.dest.requests.length).toBe(requests);

      await h.linkIndex.enableJob(h.job.id);
      const ok = await h.run();
      expect(ok.status).toBe('success');
      expect(h.dest.live()).toHaveLength(1);
    });

    it('a success resets both sides\' fail counts', async () => {
      const h = harness({ retries: { max_attempts: 1 } });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.dest.failNext({ type: 'transient' }, 'write');
      await h.run();
      expect(await h.linkIndex.getFailCount(h.job.id, h.dest.ref)).toBe(1);
      await h.run();
      expect(await h.linkIndex.getFailCount(h.job.id, h.dest.ref)).toBe(0);
    });

    it('an auth error is not retried', async () => {
      const h = harness({ retries: { max_attempts: 5 } });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.dest.failNext({ type: 'auth' }, 'write');
      const result = await h.run();
      expect(result.status).toBe('failed');
      expect(result.summary!.retries).toBe(0);
      expect(result.summary!.failures[0]).toMatchObject({ side: 'dest', retryable: false });
    });

    it('a pull failure fails the run without pushing the other side', async () => {
      const h = harness({ retries: { max_attempts: 1 } });
      h.dest.insert({ name: 'B', slug: 'b' });
      h.source.failNext({ type: 'permanent' }, 'pull');
      const result = await h.run();
      expect(result.status).toBe('failed');
      expect(h.source.all()).toHaveLength(0);
      expect(await h.linkIndex.getFailCount(h.job.id, h.source.ref)).toBe(1);
    });
  });

  describe('records that fail alone', () => {
    it('a record the remote rejects alone is reported; the others sync; the run is partial', async () => {
      const h = harness();
      h.source.insert({ Name: 'good 1', Slug: 'g1' });
      const bad = h.source.insert({ Name: 'bad', Slug: 'bad' });
      h.source.insert({ Name: 'good 2', Slug: 'g2' });
      h.dest.rejectWhere((f) => f.slug === 'bad', 'alone', 'slug is reserved');
      const result = await h.run();
      expect(result.status).toBe('partial');
      expect(result.summary!.errors).toEqual([{ side: 'source', recordId: bad.id, stage: 'write', reason: 'slug is reserved' }]);
      expect(result.summary!.counts.source.errors).toBe(1);
      expect(h.dest.live().map((r) => r.fields.slug).sort()).toEqual(['g1', 'g2']);
    });

    it('a batch rejected whole because of one record is split to isolate it', async () => {
      // Batches are made within a planned chunk: one chunk holds the eight.
      const h = harness({ throttle: { batch_size: 8 }, planChunkItems: 8 });
      for (let i = 0; i < 8; i++) h.source.insert({ Name: `n${i}`, Slug: i === 5 ? 'bad' : `s${i}` });
      h.dest.rejectWhere((f) => f.slug === 'bad', 'batch', 'INVALID_VALUE_FOR_COLUMN');
      const result = await h.run();
      expect(result.status).toBe('partial');
      expect(h.dest.live()).toHaveLength(7);
      expect(result.summary!.errors).toHaveLength(1);
      expect(result.summary!.errors[0]!.reason).toContain('INVALID_VALUE_FOR_COLUMN');
      // 8 → 4+4 → 2+2 → 1+1: log2(8) levels of splitting around the bad record, not one request per record.
      expect(h.dest.requests.filter((r) => r.op === 'write').length).toBeLessThanOrEqual(7);
    });

    it('a mapper that throws, or returns an invalid record, fails that record alone', async () => {
      const h = harness({
        mappers: {
          toDest: (r) => {
            if (r.fields.Name === 'throws') throw new Error('boom');
            if (r.fields.Name === 'invalid') return { fieldz: {} } as never;
            return { fields: { name: r.fields.Name, slug: r.fields.Slug } };
          },
        },
      });
      h.source.insert({ Name: 'throws', Slug: 't' });
      h.source.insert({ Name: 'invalid', Slug: 'i' });
      h.source.insert({ Name: 'fine', Slug: 'f' });
      const result = await h.run();
      expect(result.status).toBe('partial');
      expect(result.summary!.errors.map((e) => e.reason).sort()).toEqual([
        'mapper returned an invalid record: unexpected key "fieldz" (a mapper returns { fields, deleted? })',
        'mapper threw: boom',
      ]);
      expect(h.dest.live().map((r) => r.fields.slug)).toEqual(['f']);
    });

    it('a mapper returning null skips the record', async () => {
      const h = harness({ mappers: { toDest: (r) => (r.fields.Name === 'private' ? null : { fields: { name: r.fields.Name } }) } });
      h.source.insert({ Name: 'private' });
      h.source.insert({ Name: 'public' });
      const result = await h.run();
      expect(result.status).toBe('success');
      expect(h.dest.live().map((r) => r.fields.name)).toEqual(['public']);
    });
  });

  describe('no duplicates after a crash', () => {
    it('a crash between a create and its link save, then a re-run, makes no duplicate (match)', async () => {
      const h = harness({ match: true });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.dest.insert({ name: 'B', slug: 'b' });
      const crashOnce = Object.create(h.linkIndex) as typeof h.linkIndex;
      let crashed = false;
      crashOnce.upsertLinks = async (pair, links) => {
        if (!crashed) {
          crashed = true;
          throw new Error('process killed');
        }
        return h.linkIndex.upsertLinks(pair, links);
      };
      await h.run({}, { linkIndex: crashOnce }).catch(() => undefined);
      expect(h.dest.live()).toHaveLength(2); // the create landed, its link did not
      await h.run();
      await h.run();
      expect(h.dest.live()).toHaveLength(2);
      expect(h.source.live()).toHaveLength(2);
      expect(await h.links()).toHaveLength(2);
    });

    it('a lost create response is not retried into a duplicate (match)', async () => {
      const h = harness({ match: true });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.source.insert({ Name: 'B', Slug: 'b' });
      h.dest.failNext({ type: 'lost-response' }, 'write');
      const result = await h.run();
      expect(result.status).toBe('success');
      expect(h.dest.live()).toHaveLength(2);
      expect(result.summary!.counts.dest.created).toBe(2);
    });

    it('match links tables that already hold the same items on the first sync', async () => {
      const h = harness({ match: true });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.source.insert({ Name: 'B', Slug: 'b' });
      h.dest.insert({ name: 'A', slug: 'a' });
      h.dest.insert({ name: 'B', slug: 'b' });
      const result = await h.run();
      expect(result.plan.every((e) => e.action === 'link')).toBe(true);
      expect(h.source.writeRequests()).toHaveLength(0);
      expect(h.dest.writeRequests()).toHaveLength(0);
      expect(await h.links()).toHaveLength(2);
      const second = await h.run();
      expect(second.plan).toEqual([]);
    });
  });

  describe('cursors', () => {
    it('a cursor never moves past an unapplied change', async () => {
      const h = harness({ retries: { max_attempts: 1 }, pageSize: 2 });
      for (let i = 0; i < 5; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
      h.dest.failNext({ type: 'permanent' }, 'write');
      const failed = await h.run();
      expect(failed.status).toBe('failed');
      expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).toBeNull();
      const ok = await h.run();
      expect(ok.summary!.counts.source.pulled).toBe(5);
      expect(h.dest.live()).toHaveLength(5);
    });

    it('saves each page\'s cursor once that page and all before it are applied', async () => {
      // A chunk per page (when chunks are small): a batch is a page, and cursors move across chunks.
      const h = harness({ pageSize: 3, throttle: { batch_size: 3 }, retries: { max_attempts: 1 }, planChunkItems: 3 });
      for (let i = 0; i < 9; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
      // The third write batch fails: pages 1 and 2 are applied, page 3 is not.
      const origWrite = h.dest.write.bind(h.dest);
      let n = 0;
      h.dest.write = async (ops, opts) => {
        n++;
        if (n === 3) throw new (await import('@syncframe/engine')).PermanentError('boom');
        return origWrite(ops, opts);
      };
      await h.run();
      expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).toBe('6');
    });
  });

  describe('links', () => {
    it('remember a content hash per side', async () => {
      const h = harness();
      h.source.insert({ Name: 'A', Slug: 'a' });
      await h.run();
      const [link] = (await h.links()) as [Link];
      expect(link.sourceHash).toMatch(/^[\w-]{43}$/);
      expect(link.destHash).toMatch(/^[\w-]{43}$/);
    });
  });

  describe('run summary', () => {
    it('counts 429s and the time spent waiting for the throttle', async () => {
      const h = harness({ throttle: { max_reqs: 1, interval_sec: 2, batch_size: 1 } });
      h.source.insert({ Name: 'A', Slug: 'a' });
      h.source.insert({ Name: 'B', Slug: 'b' });
      h.dest.failNext({ type: 'rate-limited', retryAfterMs: 5000 }, 'write');
      const { summary } = await h.run();
      expect(summary!.rateLimited).toBe(1);
      expect(summary!.throttleWaitMs).toBeGreaterThanOrEqual(2000); // 1 request per 2 s
      expect(summary!.status).toBe('success');
    });
  });

  describe('field comparison', () => {
    it('treats empty values alike: an explicit empty equals the other side\'s absent cell', async () => {
      const { changedFields, isContainedIn } = await import('@syncframe/engine');
      expect(isContainedIn({ a: '', b: false, c: [], d: null, e: undefined }, {})).toBe(true);
      expect(changedFields({ a: 'x', b: true, c: [1], d: 0 }, { a: '', b: false, c: [] })).toEqual(['a', 'b', 'c', 'd']);
      expect(isContainedIn({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 }, other: 3 })).toBe(true);
    });
  });

  describe('failing records', () => {
    it('lists a rejected record run after run, retries it on request once given up, and clears it once it syncs', async () => {
      const h = harness();
      const bad = h.source.insert({ Name: 'Bad', Slug: 'bad' });
      h.source.insert({ Name: 'Good', Slug: 'good' });
      h.dest.rejectWhere((f) => f.slug === 'bad', 'alone', '422 slug is invalid');
      const first = await h.run();
      h.clock.advance(25 * 3600 * 1000);
      await h.run();
      const listed = await h.linkIndex.listRecordFailures(h.job.id);
      expect(listed.map((f) => [f.side, f.recordId, f.stage, f.reason, f.failures, f.retrying, f.firstFailedAt]))
        .toEqual([['source', bad.id, 'write', '422 slug is invalid', 2, false, first.summary!.endedAt]]);

      h.dest.clearFaults();
      expect(await h.linkIndex.requestRecordRetry(h.job.id, 'all')).toBe(1);
      const retried = await h.run();
      expect(retried.summary!.counts.dest.created).toBe(1);
      expect(contents(h.dest, KEYS_DST)).toEqual(contents(h.source, KEYS_SRC));
      expect(await h.linkIndex.listRecordFailures(h.job.id)).toEqual([]);
    });
  });
  });
}
