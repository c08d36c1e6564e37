import { describe, expect, it } from 'vitest';
import { harness } from '@syncframe/test-kit';
import { describeSyncScenarios } from '@syncframe/test-kit/contracts';

describeSyncScenarios('memory', () => null);
describeSyncScenarios('memory, planned a record at a time', () => null, { planChunkItems: 1 });
describeSyncScenarios('memory, chunks of two, every record spilled to a spool', () => null, { planChunkItems: 2, spillAfter: 0 });

describe('LinkIndex round trips (memory)', () => {
  it('looks links up in batches, never once per record', async () => {
    const h = harness();
    for (let i = 0; i < 250; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
    await h.run();
    h.memory!.calls.length = 0;
    for (const r of h.source.live()) h.source.edit(r.id, { Notes: 'x' });
    await h.run();
    const finds = h.memory!.calls.filter((c) => c.method === 'findLinks');
    const upserts = h.memory!.calls.filter((c) => c.method === 'upsertLinks');
    expect(finds.length).toBeLessThanOrEqual(4);
    expect(upserts.length).toBe(25); // one per batch of 10
  });
});

describe('chunked runs', () => {
  it('spills the pulled records beyond spillAfter to the spool, reads them back once per chunk, and closes it', async () => {
    const h = harness({ planChunkItems: 3, spillAfter: 4 });
    for (let i = 0; i < 10; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
    const result = await h.run();
    expect(result.status).toBe('success');
    expect(h.dest.live()).toHaveLength(10);
    expect(h.spools).toHaveLength(1);
    expect(h.spools[0]!).toMatchObject({ written: 6, readBack: 6, closed: true });
    // The next run pulls the 10 echoes (spilled again); the one after pulls nothing and opens no spool.
    await h.run();
    await h.run();
    expect(h.spools).toHaveLength(2);
    expect(h.spools[1]!).toMatchObject({ written: 6, closed: true });
  });

  it('closes the spool when the run fails as a whole', async () => {
    const h = harness({ spillAfter: 0, retries: { max_attempts: 1 } });
    for (let i = 0; i < 3; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
    h.dest.failNext({ type: 'permanent' }, 'pull');
    expect((await h.run()).status).toBe('failed');
    expect(h.spools.map((s) => s.closed)).toEqual([true]);
  });

  it('a side whose push failed gets no more writes from later chunks: a dead remote sees max_attempts requests per run', async () => {
    const h = harness({ planChunkItems: 1, retries: { max_attempts: 2 }, throttle: { concurrency: 1 } });
    for (let i = 0; i < 5; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
    h.dest.failNext({ type: 'transient' }, 'write', 100);
    const result = await h.run();
    expect(result.status).toBe('failed');
    expect(h.dest.requests.filter((r) => r.op === 'write')).toHaveLength(2);
    expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).toBeNull();
    h.dest.clearFaults();
    expect((await h.run()).status).toBe('success');
    expect(h.dest.live()).toHaveLength(5);
  });
});

describe('review regressions', () => {
  it('a conflict is recorded before any cursor moves past it: a crash in between loses nothing', async () => {
    const { RetryableError } = await import('@syncframe/engine');
    const h = harness({ match: true, conflictPolicy: 'manual' });
    h.source.insert({ Name: 'from source', Slug: 'x' });
    h.clock.advance(5);
    h.dest.insert({ name: 'from dest', slug: 'x' });
    const real = h.linkIndex.recordConflict.bind(h.linkIndex);
    h.linkIndex.recordConflict = async () => {
      throw new RetryableError('database connection lost');
    };
    await expect(h.run()).rejects.toThrow('database connection lost');
    expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).toBeNull();
    expect((await h.linkIndex.loadCursor(h.job.id, h.dest.ref)).value).toBeNull();
    h.linkIndex.recordConflict = real;
    await h.run();
    expect(await h.linkIndex.listConflicts(h.job.id, 'open')).toHaveLength(1);
    expect(h.dest.live()[0]!.fields.name).toBe('from dest');
    expect(h.source.live()[0]!.fields.Name).toBe('from source');
  });

  it('when one record of a link fails to map, the other side\'s change waits instead of overwriting it', async () => {
    let broken = false;
    const h = harness({
      mappers: {
        toSource: (r) => {
          if (broken && r.fields.name === 'dest edit') throw new Error('mapper bug');
          return { fields: { Name: r.fields.name ?? null, Slug: r.fields.slug ?? null, Notes: r.fields.notes ?? null } };
        },
      },
    });
    const a = h.source.insert({ Name: 'A', Slug: 'a' });
    await h.run();
    const b = h.dest.live()[0]!;
    h.source.edit(a.id, { Notes: 'source edit' });
    h.clock.advance(10);
    h.dest.edit(b.id, { name: 'dest edit' });
    broken = true;
    const held = await h.run();
    expect(held.status).toBe('partial');
    expect(h.dest.get(b.id)!.fields.name).toBe('dest edit');
    expect(held.plan.find((e) => e.recordId === a.id)).toMatchObject({ action: 'error' });
    broken = false;
    const resolved = await h.run();
    expect(resolved.summary!.counts.source.conflicts).toBe(1);
    // Both changed: last_writer_wins keeps the newer dest edit, and the source takes it.
    expect(h.source.get(a.id)!.fields.Name).toBe('dest edit');
  });

  it('an abort with a plain reason ends the run without a failure: no run row, no fail count', async () => {
    const h = harness();
    h.source.insert({ Name: 'A', Slug: 'a' });
    const ac = new AbortController();
    const write = h.dest.write.bind(h.dest);
    h.dest.write = async (ops, opts) => {
      ac.abort('shutdown'); // as BullMQ's cancelAllJobs does
      return write(ops, opts);
    };
    await expect(h.run({}, { signal: ac.signal })).rejects.toThrow(/shutdown/);
    expect(await h.linkIndex.listRuns({ jobId: h.job.id })).toEqual([]);
    expect(await h.linkIndex.getFailCount(h.job.id, h.dest.ref)).toBe(0);
  });

  it('a store of its own that stays unreachable (StoreUnavailableError) ends the run at once: no run row, no fail count, no remote retry', async () => {
    const { StoreUnavailableError } = await import('@syncframe/engine');
    const h = harness({ throttle: { batch_size: 2, concurrency: 1 }, match: true });
    for (let i = 0; i < 6; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
    const store = h.memory!;
    const upsert = store.upsertLinks.bind(store);
    let saves = 0;
    store.upsertLinks = async (pair, links) => {
      if (++saves === 2) throw new StoreUnavailableError('link index upsertLinks failed: lost the connection');
      return upsert(pair, links);
    };
    await expect(h.run()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await h.linkIndex.listRuns({ jobId: h.job.id })).toEqual([]);
    expect(await h.linkIndex.getFailCount(h.job.id, h.dest.ref)).toBe(0);
    expect(await h.linkIndex.getFailCount(h.job.id, h.source.ref)).toBe(0);
    // The second batch landed but its links were not saved; the third, written while that save ran
    // (a lane saves while another writes), landed too; no fourth started, no write was retried.
    expect(h.dest.writeRequests()).toHaveLength(3);
    // Once the store is back the next run converges: with `match` the landed records are found by key, not created again.
    store.upsertLinks = upsert;
    expect((await h.run()).status).toBe('success');
    expect(h.dest.live()).toHaveLength(6);
    expect((await h.run()).summary!.counts.dest.created).toBe(0);
  });

  it('a throttle whose store is down (StoreUnavailableError) spends no remote attempt', async () => {
    const { StoreUnavailableError } = await import('@syncframe/engine');
    const h = harness();
    h.source.insert({ Name: 'A', Slug: 'a' });
    let acquires = 0;
    const down = {
      acquire: async () => {
        acquires++;
        throw new StoreUnavailableError('rate limiter unavailable (Redis)');
      },
      pause: async () => undefined,
    };
    await expect(h.run({}, { throttles: { throttleFor: () => down } })).rejects.toBeInstanceOf(StoreUnavailableError);
    // max_attempts is 3: a retryable error would have been tried 3 times per side.
    expect(acquires).toBeLessThanOrEqual(2);
    expect(await h.linkIndex.listRuns({ jobId: h.job.id })).toEqual([]);
  });

  it('a pull that fails mid-way resumes after the last page received', async () => {
    const { RetryableError } = await import('@syncframe/engine');
    const h = harness({ pageSize: 2 });
    for (let i = 0; i < 6; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
    const pull = h.source.pull.bind(h.source);
    const from: (string | null)[] = [];
    let pages = 0;
    h.source.pull = (cursor, opts) => {
      from.push(cursor.value);
      return (async function* () {
        for await (const page of pull(cursor, opts)) {
          if (++pages === 2) throw new RetryableError('502 bad gateway');
          yield page;
        }
      })();
    };
    const result = await h.run();
    expect(result.status).toBe('success');
    expect(from).toEqual([null, '2']);
    expect(h.dest.live()).toHaveLength(6);
  });
});

describe('a record that keeps failing', () => {
  it('holds its cursor for a day, then lets it move on (still reported; an edit retries it)', async () => {
    const h = harness({ pageSize: 2 });
    const bad = h.source.insert({ Name: 'bad', Slug: 'bad' });
    h.dest.rejectWhere((f) => f.slug === 'bad', 'alone', '404 target gone');
    h.source.insert({ Name: 'ok', Slug: 'ok' });
    const first = await h.run();
    expect(first.status).toBe('partial');
    expect(first.summary!.errors[0]!.reason).toBe('404 target gone');
    expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).toBeNull();
    h.clock.advance(25 * 3600 * 1000);
    const later = await h.run();
    expect(later.summary!.errors[0]!.reason).toMatch(/404 target gone \(not retried any more: last modified over 24 h ago/);
    expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).not.toBeNull();
    const quiet = await h.run();
    expect(quiet.summary!.counts.source.pulled).toBe(0);
    h.dest.clearFaults();
    h.source.edit(bad.id, { Notes: 'fixed' });
    await h.run();
    expect(h.dest.live().map((r) => r.fields.slug).sort()).toEqual(['bad', 'ok']);
  });
});
