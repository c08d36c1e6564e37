import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '@syncframe/engine';
import { FakeClock } from '@syncframe/test-kit';
import { MemoryLinkIndex, openLinkIndex } from '@syncframe/linkindex';

describe('MemoryLinkIndex leases on an injected clock', () => {
  it('expires a lease when the clock passes its ttl, not before', async () => {
    const clock = new FakeClock();
    const li = new MemoryLinkIndex(clock);
    const a = (await li.acquireLease('job', 'worker-a', 1_000))!;
    expect(a.expiresAt).toBe(new Date(clock.now() + 1_000).toISOString());
    clock.advance(999);
    expect(await li.acquireLease('job', 'worker-b', 1_000)).toBeNull();
    clock.advance(1);
    const b = (await li.acquireLease('job', 'worker-b', 1_000))!;
    expect(b.token).toBe(a.token + 1);
    await expect(li.fenced(a).upsertLinks({ source: { adapter: 'a', table: 't' }, dest: { adapter: 'b', table: 'u' } }, [])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('is what the memory driver opens, with the clock given', async () => {
    const clock = new FakeClock();
    const { linkIndex, driver, migrations } = await openLinkIndex({ driver: 'memory' }, { clock });
    expect(driver).toBe('memory');
    expect(migrations).toBeNull();
    expect(linkIndex).toBeInstanceOf(MemoryLinkIndex);
    const grant = (await linkIndex.acquireLease('job', 'w', 10))!;
    expect(grant.expiresAt).toBe(new Date(clock.now() + 10).toISOString());
    await linkIndex.close();
  });

  it('refuses an unknown driver', async () => {
    await expect(openLinkIndex({ driver: 'mysql' as never })).rejects.toThrow('unknown link index driver "mysql": use postgres, pglite, sqlite or memory');
  });
});
