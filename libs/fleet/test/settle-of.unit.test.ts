import { describe, expect, it } from 'vitest';
import type { SideConfig } from '@syncframe/config';
import { settleOf } from '@syncframe/fleet';

const side = (over: Partial<SideConfig> = {}): SideConfig => ({ name: 'mem', adapter: 'memory', table: 'people', hard_delete: false, ...over } as SideConfig);

describe('settleOf (config settle_sec → the engine side\'s settle)', () => {
  it('is off without settle_sec, or with 0', () => {
    expect(settleOf(side())).toEqual({});
    expect(settleOf(side({ settle_sec: 0, settle_max_sec: 60 }))).toEqual({});
  });

  it('caps the wait at 10 × settle_sec unless settle_max_sec says otherwise', () => {
    expect(settleOf(side({ settle_sec: 30 }))).toEqual({ settle: { sec: 30, maxSec: 300 } });
    expect(settleOf(side({ settle_sec: 30, settle_max_sec: 45 }))).toEqual({ settle: { sec: 30, maxSec: 45 } });
  });
});
