import { describe, expect, it } from 'vitest';
import type { InMemoryOperation } from '@syncframe/test-kit';
import { harness } from '@syncframe/test-kit';

/** Write answers held until the test lets each one go. */
function gatedWrites() {
  const held: (() => void)[] = [];
  let inFlight = 0;
  let peak = 0;
  return {
    held,
    get peak() {
      return peak;
    },
    delay: async (op: InMemoryOperation) => {
      if (op !== 'write') return;
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => held.push(resolve));
      inFlight--;
    },
  };
}

const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('pushing with requests in flight', () => {
  it('keeps `concurrency` write batches of a side in flight, and pushes both sides at once', async () => {
    const gate = gatedWrites();
    const h = harness({ throttle: { batch_size: 2, concurrency: 3 }, responseDelay: gate.delay });
    for (let i = 0; i < 12; i++) h.source.insert({ Name: `s${i}`, Slug: `s${i}` });
    for (let i = 0; i < 12; i++) h.dest.insert({ name: `d${i}`, slug: `d${i}` });
    const run = h.run();
    await turns();
    // Three batches to each side wait for their answers at the same time.
    expect(gate.held).toHaveLength(6);
    while (gate.held.length > 0) {
      gate.held.splice(0).forEach((go) => go());
      await turns();
    }
    expect((await run).status).toBe('success');
    expect(gate.peak).toBe(6);
    expect(h.dest.live()).toHaveLength(24);
    expect(h.source.live()).toHaveLength(24);
  });

  it('saves a cursor only when every change up to it has landed, though later batches land first', async () => {
    const gate = gatedWrites();
    const h = harness({ pageSize: 2, throttle: { batch_size: 2, concurrency: 3 }, responseDelay: gate.delay });
    for (let i = 0; i < 6; i++) h.source.insert({ Name: `s${i}`, Slug: `s${i}` });
    const saved: (string | null)[] = [];
    const real = h.linkIndex.saveCursor.bind(h.linkIndex);
    h.linkIndex.saveCursor = async (jobId, ref, cursor) => {
      if (ref.table === h.source.ref.table) saved.push(cursor.value);
      return real(jobId, ref, cursor);
    };
    const run = h.run();
    await turns();
    expect(gate.held).toHaveLength(3);
    // The batches of pages 2 and 3 land; page 1's is still out.
    gate.held[1]!();
    gate.held[2]!();
    await turns();
    expect(saved).toEqual([]);
    expect(await h.links()).toHaveLength(4);
    gate.held[0]!();
    expect((await run).status).toBe('success');
    // Then straight to the last page: everything up to it is applied.
    expect(saved).toEqual(['6']);
  });

  it('a batch that fails for good holds the cursor before it, while the batches that landed keep their links', async () => {
    const h = harness({ pageSize: 2, throttle: { batch_size: 2, concurrency: 3 }, retries: { max_attempts: 1 } });
    for (let i = 0; i < 6; i++) h.source.insert({ Name: `s${i}`, Slug: `s${i}` });
    h.dest.failNext({ type: 'transient' }, 'write');
    const result = await h.run();
    expect(result.status).toBe('failed');
    expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).toBeNull();
    expect(await h.links()).toHaveLength(4);
    // The next run writes only what is missing.
    expect((await h.run()).status).toBe('success');
    expect(h.dest.live()).toHaveLength(6);
    expect((await h.linkIndex.loadCursor(h.job.id, h.source.ref)).value).toBe('6');
  });
});
