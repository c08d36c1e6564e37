import { describe, expect, it } from 'vitest';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { parseConfigText } from '@syncframe/config';
import { createAdapter, sideRef } from '@syncframe/fleet';

// Fail counts and cursors are keyed by the adapter's `ref`; the board and the CLI read them through
// sideRef without building adapters, so the two must agree for every built-in adapter.
describe('sideRef', () => {
  const maps = { 'a->b': './a-to-b.mjs', 'b->a': './b-to-a.mjs' };
  const config = parseConfigText(JSON.stringify({
    jobs: [
      {
        id: 'remote', mappings: maps, conflict_policy: 'manual',
        sides: {
          a: { adapter: 'airtable', table: 'Videos', creds: { apiKey: 'patX', baseId: 'app00000000000001' } },
          b: { adapter: 'webflow', collection: '0123456789abcdef01234567', creds: { token: 'wfX' } },
        },
      },
      {
        id: 'local', mappings: maps,
        sides: {
          a: { adapter: 'memory', table: 'people' },
          b: { adapter: 'postgres', conn: 'postgres://localhost:1/none', table: 'crm.people', updated_at_column: 'updated_at' },
        },
      },
    ],
  }), '/srv/sync/jobs.jsonc', {}, BUILTIN_ADAPTER_PLUGINS);
  const sides = config.jobs.flatMap((job) => [job.source, job.dest]);

  it('covers every built-in adapter', () => {
    expect(sides.map((s) => s.plugin).sort()).toEqual(Object.keys(BUILTIN_ADAPTER_PLUGINS).sort());
  });
  for (const side of sides) {
    it(`equals the ${side.plugin} adapter's ref`, async () => {
      const adapter = createAdapter(side, 'job');
      expect(sideRef(side)).toEqual(adapter.ref);
      await (adapter as { close?: () => Promise<void> }).close?.();
    });
  }
});
