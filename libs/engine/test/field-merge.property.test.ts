import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InjectedFailure, InMemoryAdapter } from '@syncframe/test-kit';
import { contents, harness } from '@syncframe/test-kit';

type Side = 'source' | 'dest';
type Field = 'name' | 'slug' | 'notes';
type Action =
  | { t: 'edit'; side: Side; pick: number; field: Field; value: string }
  | { t: 'run'; fault: null | { side: Side; op: 'any' | 'write'; failure: InjectedFailure; times: number } };

const FIELDS: readonly Field[] = ['name', 'slug', 'notes'];
/** Each side's name of a logical field (the harness mappers rename them). */
const KEY: Record<Side, Record<Field, string>> = {
  source: { name: 'Name', slug: 'Slug', notes: 'Notes' },
  dest: { name: 'name', slug: 'slug', notes: 'notes' },
};
const SIDES: readonly Side[] = ['source', 'dest'];
const ITEMS = 3;

const side = fc.constantFrom<Side>('source', 'dest');
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('edit' as const), side, pick: fc.nat({ max: ITEMS - 1 }),
      field: fc.constantFrom<Field>(...FIELDS), value: fc.constantFrom('a', 'b', 'c', ''),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('run' as const),
      fault: fc.option(
        fc.record({
          side,
          // 'write': a merge's write to one side fails while the other lands.
          op: fc.constantFrom('any' as const, 'write' as const),
          failure: fc.constantFrom<InjectedFailure>({ type: 'transient' }, { type: 'lost-response' }, { type: 'permanent' }),
          times: fc.integer({ min: 1, max: 3 }),
        }),
        { nil: null },
      ),
    }),
  },
);

/** Empty values are one value, as the engine compares them (remotes omit empty cells). */
const norm = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));

describe('field merge (property)', () => {
  it('random edits on both sides across runs (with failures) converge, and a field edited on one side only is never lost', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 30 }),
        fc.constantFrom(1, 3),
        async (actions, concurrency) => {
          const h = harness({
            conflictPolicy: 'field_merge', pageSize: 2, throttle: { batch_size: 2, concurrency },
            retries: { disable_job_after: 1000 },
          });
          const adapters: Record<Side, InMemoryAdapter> = { source: h.source, dest: h.dest };
          const sourceIds = Array.from({ length: ITEMS }, (_, i) => h.source.insert({ Name: `n${i}`, Slug: `s${i}`, Notes: 'x' }).id);
          await h.run();
          const links = await h.links();
          const ids: Record<Side, string[]> = { source: sourceIds, dest: sourceIds.map((id) => links.find((l) => l.sourceId === id)!.destId) };
          const value = (s: Side, item: number, f: Field) => norm(adapters[s].get(ids[s][item]!)!.fields[KEY[s][f]]);
          /** Per item and field, each side's edit since the field was last synced (undefined: none). */
          const pending = Array.from({ length: ITEMS }, () => Object.fromEntries(FIELDS.map((f) => [f, { source: undefined, dest: undefined }])) as Record<Field, Record<Side, string | null | undefined>>);

          /** After a run; `synced`: it succeeded, so fields equal on both sides are now their last synced value. */
          const check = (synced: boolean) => {
            for (let item = 0; item < ITEMS; item++) {
              for (const f of FIELDS) {
                const p = pending[item]![f];
                const edited = SIDES.filter((s) => p[s] !== undefined);
                if (edited.length === 1) {
                  const [s] = edited as [Side];
                  // A one-sided edit is never overwritten on its own side.
                  expect(value(s, item, f), `item ${item} ${f}: ${s}'s edit overwritten`).toBe(p[s]);
                }
                // Equal on both sides after a successful run: synced (both-sided edits may settle either way).
                if (synced && value('source', item, f) === value('dest', item, f)) p.source = p.dest = undefined;
              }
            }
          };

          for (const a of actions) {
            if (a.t === 'edit') {
              adapters[a.side].edit(ids[a.side][a.pick]!, { [KEY[a.side][a.field]]: a.value });
              const p = pending[a.pick]![a.field];
              p[a.side] = norm(a.value);
            } else {
              if (a.fault) adapters[a.fault.side].failNext(a.fault.failure, a.fault.op, a.fault.times);
              const run = await h.run();
              h.source.clearFaults();
              h.dest.clearFaults();
              check(run.status === 'success');
            }
            h.clock.advance(7);
          }
          // Settle without faults until quiet.
          for (let i = 0; i < 3; i++) {
            const run = await h.run();
            check(run.status === 'success');
          }
          const writes = h.source.writeRequests().length + h.dest.writeRequests().length;
          const final = await h.run();
          expect(final.status).toBe('success');
          expect(h.source.writeRequests().length + h.dest.writeRequests().length).toBe(writes);
          expect(await h.linkIndex.listConflicts(h.job.id, 'open')).toEqual([]);
          // Converged: equal under the mappers.
          expect(contents(h.dest, FIELDS.map((f) => KEY.dest[f]))).toEqual(contents(h.source, FIELDS.map((f) => KEY.source[f])));
          // Every one-sided edit ended on both sides (check() cleared those that did).
          for (let item = 0; item < ITEMS; item++) {
            for (const f of FIELDS) expect(pending[item]![f], `item ${item} ${f} never synced`).toEqual({ source: undefined, dest: undefined });
          }
        },
      ),
      { numRuns: 120, seed: Number(process.env.FC_SEED ?? 20261205) },
    );
  });
});
