import { describe, expect, it } from 'vitest';
import { FakeClock } from '@syncframe/test-kit';
import { rideOutOutage } from '../src/ride-out-outage.js';

class Down extends Error {}
const isDown = (err: Error): err is Down => err instanceof Down;
const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/** A command failing with `failures` in order, then answering 'ok'; records when it was tried. */
function flaky(clock: FakeClock, failures: Error[]) {
  const tries: number[] = [];
  const command = async () => {
    tries.push(clock.now());
    const next = failures.shift();
    if (next) throw next;
    return 'ok';
  };
  return { tries, command };
}

describe('rideOutOutage (one back-off for every store SyncFrame depends on)', () => {
  it('tries again while the store is out of reach, 250 ms doubling, and answers once it is back', async () => {
    const clock = new FakeClock(0);
    const { tries, command } = flaky(clock, [new Down(), new Down(), new Down()]);
    const waits: number[] = [];
    const answer = await rideOutOutage(command, { map: asError, isOutage: isDown, toleranceMs: 10_000, clock, onOutage: (_e, waited) => waits.push(waited) });
    expect(answer).toBe('ok');
    expect(tries).toEqual([0, 250, 750, 1750]);
    expect(waits).toEqual([0, 250, 750]);
  });

  it('throws the mapped error once the next wait would pass the tolerance, or at once with no tolerance', async () => {
    const clock = new FakeClock(0);
    const { tries, command } = flaky(clock, Array.from({ length: 10 }, () => new Down()));
    await expect(rideOutOutage(command, { map: asError, isOutage: isDown, toleranceMs: 1000, clock })).rejects.toBeInstanceOf(Down);
    expect(tries).toEqual([0, 250, 750]);
    const once = flaky(clock, [new Down()]);
    await expect(rideOutOutage(once.command, { map: asError, isOutage: isDown, toleranceMs: 0, clock })).rejects.toBeInstanceOf(Down);
    expect(once.tries).toHaveLength(1);
  });

  it('never retries an error that is not an outage', async () => {
    const clock = new FakeClock(0);
    const { tries, command } = flaky(clock, [new Error('syntax error')]);
    await expect(rideOutOutage(command, { map: asError, isOutage: isDown, toleranceMs: 10_000, clock })).rejects.toThrow('syntax error');
    expect(tries).toHaveLength(1);
  });
});
