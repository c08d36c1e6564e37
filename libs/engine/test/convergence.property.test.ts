import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '@syncframe/engine';
import type { InjectedFailure, InMemoryAdapter } from '@syncframe/test-kit';
import { contents, harness } from '@syncframe/test-kit';

type Side = 'source' | 'dest';
type Action =
  | { t: 'insert'; side: Side; reuse: number | null; conflict: boolean }
  | { t: 'edit'; side: Side; pick: number; notes: string }
  | { t: 'delete'; side: Side; pick: number }
  | { t: 'run'; fault: null | { side: Side; failure: InjectedFailure; times: number } | 'crash' };

const side = fc.constantFrom<Side>('source', 'dest');
const failure = fc.oneof(
  fc.constant<InjectedFailure>({ type: 'transient' }),
  fc.constant<InjectedFailure>({ type: 'lost-response' }),
  fc.constant<InjectedFailure>({ type: 'rate-limited', retryAfterMs: 5000 }),
  fc.constant<InjectedFailure>({ type: 'permanent' }),
);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('insert' as const), side, reuse: fc.option(fc.nat(), { nil: null }), conflict: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('edit' as const), side, pick: fc.nat(), notes: fc.string({ maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), side, pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('run' as const),
      fault: fc.oneof(
        fc.constant(null),
        fc.constant('crash' as const),
        fc.record({ side, failure, times: fc.integer({ min: 1, max: 4 }) }),
      ),
    }),
  },
);

/** A small seeded generator: the answers' order replays with the case. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = { source: ['Name', 'Slug', 'Notes'], dest: ['name', 'slug', 'notes'] } as const;

describe('convergence (property)', () => {
  it('random edits on both sides, interleaved with runs and failures, converge: equal under the mappers, no duplicates, then quiet', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('last_writer_wins' as const, 'manual' as const),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        // Records planned and pushed together: small chunks cross chunk boundaries (a link's two
        // records, a conflict, a key shared by both sides must still be decided together).
        fc.constantFrom(1, 2, 5, 2000),
        // Pulled records held in memory before the rest go to a spool (JSON copies read back per chunk).
        fc.constantFrom(0, 3, 100_000),
        async (actions, policy, concurrency, delaySeed, planChunkItems, spillAfter) => {
        // Several batches in flight per side, both sides at once, answers in a random order.
        const rand = seeded(delaySeed);
        const responseDelay = async () => {
          for (let i = Math.floor(rand() * 4); i > 0; i--) await new Promise((r) => setImmediate(r));
        };
        const h = harness({
          match: true, conflictPolicy: policy, pageSize: 3, throttle: { batch_size: 2, concurrency },
          retries: { disable_job_after: 1000 }, responseDelay, planChunkItems, spillAfter,
        });
        const adapters: Record<Side, InMemoryAdapter> = { source: h.source, dest: h.dest };
        let n = 0;
        const slugKey = (s: Side) => (s === 'source' ? 'Slug' : 'slug');
        for (const a of actions) {
          const ad = a.t === 'run' ? null : adapters[a.side];
          const live = ad ? ad.live() : [];
          if (a.t === 'insert' && ad) {
            // Reuse a slug of the other side (the same item created on both sides) only when this side lacks it.
            const other = adapters[a.side === 'source' ? 'dest' : 'source'].live().map((r) => String(r.fields[slugKey(a.side === 'source' ? 'dest' : 'source')]));
            const mine = new Set(live.map((r) => String(r.fields[slugKey(a.side)])));
            const candidates = other.filter((s) => !mine.has(s));
            const slug = a.reuse !== null && candidates.length > 0 ? candidates[a.reuse % candidates.length]! : `k${n++}`;
            const [nm, sl] = NAMES[a.side];
            ad.insert({ [nm]: a.conflict ? `x${n}` : slug, [sl]: slug });
          } else if (a.t === 'edit' && ad && live.length > 0) {
            ad.edit(live[a.pick % live.length]!.id, { [NAMES[a.side][2]]: a.notes });
          } else if (a.t === 'delete' && ad && live.length > 0) {
            ad.remove(live[a.pick % live.length]!.id);
          } else if (a.t === 'run') {
            if (a.fault === 'crash') {
              const real = h.linkIndex.upsertLinks.bind(h.linkIndex);
              let armed = true;
              h.linkIndex.upsertLinks = async (pair, links) => {
                if (armed) {
                  armed = false;
                  throw new LeaseLostError('process died before its links were saved');
                }
                return real(pair, links);
              };
              await h.run().catch((err) => expect(err).toBeInstanceOf(LeaseLostError));
              h.linkIndex.upsertLinks = real;
            } else {
              if (a.fault) adapters[a.fault.side].failNext(a.fault.failure, 'any', a.fault.times);
              await h.run();
              h.source.clearFaults();
              h.dest.clearFaults();
            }
          }
          h.clock.advance(7);
        }
        // Settle: a person resolves any open conflicts, then runs until quiet.
        for (let i = 0; i < 6; i++) {
          for (const c of await h.linkIndex.listConflicts('videos', 'open')) await h.linkIndex.resolveConflict(c.conflictId, 'dest');
          await h.run();
        }
        const writes = h.source.writeRequests().length + h.dest.writeRequests().length;
        const final = await h.run();
        expect(final.status).toBe('success');
        expect(h.source.writeRequests().length + h.dest.writeRequests().length).toBe(writes);
        expect(await h.linkIndex.listConflicts('videos', 'open')).toEqual([]);
        // Equal under the mappers.
        expect(contents(h.dest, [...NAMES.dest])).toEqual(contents(h.source, [...NAMES.source]));
        // No duplicates: every key once per side.
        for (const s of ['source', 'dest'] as const) {
          const slugs = adapters[s].live().map((r) => r.fields[slugKey(s)]);
          expect(new Set(slugs).size).toBe(slugs.length);
        }
      }),
      { numRuns: 150, seed: Number(process.env.FC_SEED ?? 20261124) },
    );
  });
});
