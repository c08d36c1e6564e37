import { describe, expect, it } from 'vitest';
import type { SideConfig } from '@syncframe/config';
import { createAdapter, sideRef } from '@syncframe/fleet';

// Fail counts and cursors are keyed by the adapter's `ref`; the board and the CLI read them through
// sideRef without building adapters, so the two must agree for every adapter kind.
describe('sideRef', () => {
  const sides: SideConfig[] = [
    { name: 'at', adapter: 'airtable', table: 'Videos', creds: { apiKey: 'patX', baseId: 'app00000000000001' }, typecast: false, hard_delete: false },
    { name: 'wf', adapter: 'webflow', collection: '0123456789abcdef01234567', creds: { token: 'wfX' }, publish: 'staged', hard_delete: false },
    { name: 'mem', adapter: 'memory', table: 'people', hard_delete: false },
  ];
  for (const side of sides) {
    it(`equals the ${side.adapter} adapter's ref`, () => {
      expect(sideRef(side)).toEqual(createAdapter(side, 'job').ref);
    });
  }
});
