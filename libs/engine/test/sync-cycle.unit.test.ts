import { describe, expect, it } from 'vitest';
import { harness } from './harness.js';
import { describeSyncScenarios } from './scenarios/sync-scenarios.js';

describeSyncScenarios('memory', () => null);

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
