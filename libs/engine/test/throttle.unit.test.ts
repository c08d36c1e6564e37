import { describe, expect, it } from 'vitest';
import { SlidingLog, SlidingWindowThrottle, PENDING_PERMIT_TTL_MS } from '@syncframe/engine';
import { FakeClock, maxInWindow, SimulatedClock } from '@syncframe/test-kit';
import { harness } from '@syncframe/test-kit';

const limit = (max_reqs: number, interval_sec = 1, margin_ms = 0) => ({ key: 'test:acct', max_reqs, interval_sec, margin_ms });

describe('SlidingWindowThrottle', () => {
  it('never lets more than max_reqs be sent in any window, and makes callers wait instead of failing', async () => {
    const clock = new FakeClock();
    const throttle = SlidingWindowThrottle.forLimit(limit(5), clock);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 23 }, async () => {
      (await throttle.acquire()).sent();
      times.push(clock.now());
    }));
    expect(times).toHaveLength(23);
    expect(maxInWindow(times, 1000)).toBe(5);
    // Waiting, not bursting: 23 requests at 5/s need a little over 4 s.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(4000);
  });

  it('has no boundary burst, and its window is closed: a send exactly one window later still shares it', async () => {
    const clock = new FakeClock(999);
    const throttle = SlidingWindowThrottle.forLimit(limit(3), clock);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      (await throttle.acquire()).sent();
      times.push(clock.now());
    }
    // A fixed window would allow 3 at 999 and 3 more at 1000; a half-open one 3 more at 1999.
    expect(times).toEqual([999, 999, 999, 2000, 2000, 2000]);
  });

  it('adds its margin to the window', async () => {
    const clock = new FakeClock(0);
    const throttle = SlidingWindowThrottle.forLimit(limit(1, 1, 25), clock);
    (await throttle.acquire()).sent();
    (await throttle.acquire()).sent();
    expect(clock.now()).toBe(1026);
  });

  it('counts a permit from when it is sent, not from when it was granted', async () => {
    const clock = new FakeClock(0);
    const throttle = SlidingWindowThrottle.forLimit(limit(1), clock);
    const first = await throttle.acquire();
    clock.advance(700); // a stall, a slow connection: the request leaves late
    first.sent();
    (await throttle.acquire()).sent();
    expect(clock.now()).toBe(1701);
  });

  it('a pending permit holds its slot until it settles; a cancelled one gives it back', async () => {
    const clock = new SimulatedClock(0);
    const throttle = SlidingWindowThrottle.forLimit(limit(1), clock);
    const first = await throttle.acquire();
    let granted = false;
    const second = throttle.acquire().then((p) => {
      granted = true;
      return p;
    });
    await clock.advance(5_000);
    expect(granted).toBe(false);
    first.cancel();
    (await clock.settle(second)).sent();
    // Nothing was sent with the cancelled permit: the second went as soon as it was freed.
    expect(clock.now()).toBe(5_000);
  });

  it('a permit its holder never settles stops counting after the pending TTL', async () => {
    const clock = new FakeClock(0);
    const throttle = SlidingWindowThrottle.forLimit(limit(1), clock);
    await throttle.acquire(); // never settled: its holder crashed
    (await throttle.acquire()).sent();
    expect(clock.now()).toBeGreaterThanOrEqual(PENDING_PERMIT_TTL_MS);
  });

  it('a 429 pause holds every caller, and doubles the margin for a while', async () => {
    const clock = new FakeClock(0);
    const throttle = SlidingWindowThrottle.forLimit(limit(100, 1, 25), clock);
    await throttle.pause(30_000);
    (await throttle.acquire()).sent();
    expect(clock.now()).toBe(30_000);
    const log = new SlidingLog(limit(1, 1, 25));
    log.block(0, 1);
    expect(log.marginMs(10)).toBe(50);
    log.block(10, 1);
    expect(log.marginMs(20)).toBe(100);
    expect(log.marginMs(20 + 3_600_000)).toBe(25);
  });

  it('a limit shared by several accounts holds them all (Airtable: 5 per base, 50 per token)', async () => {
    const clock = new FakeClock(0);
    const token = new SlidingLog({ key: 'at:tok', max_reqs: 3, interval_sec: 1, margin_ms: 0 });
    const baseA = new SlidingWindowThrottle([new SlidingLog(limit(5)), token], clock);
    const baseB = new SlidingWindowThrottle([new SlidingLog({ ...limit(5), key: 'test:other' }), token], clock);
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      (await (i % 2 ? baseA : baseB).acquire()).sent();
      times.push(clock.now());
    }
    expect(times).toEqual([0, 0, 0, 1001]);
  });

  it('remote usage beyond what it knows of counts as sent now', async () => {
    const clock = new FakeClock(0);
    const throttle = SlidingWindowThrottle.forLimit(limit(5, 60), clock);
    (await throttle.acquire()).sent();
    throttle.reportRemoteRemaining(0); // someone else sent 4 with the same token
    (await throttle.acquire()).sent();
    expect(clock.now()).toBe(60_001);
  });

  it('an aborted wait rejects', async () => {
    const clock = new FakeClock(0);
    const throttle = SlidingWindowThrottle.forLimit(limit(1), clock);
    (await throttle.acquire()).sent();
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(throttle.acquire(ac.signal)).rejects.toThrow('stop');
  });
});

describe('engine and throttle', () => {
  it('every request of a run goes through the side\'s throttle: the window is never exceeded', async () => {
    const h = harness({ throttle: { max_reqs: 4, interval_sec: 10, batch_size: 2 } });
    for (let i = 0; i < 30; i++) h.source.insert({ Name: `n${i}`, Slug: `s${i}` });
    const result = await h.run();
    expect(result.status).toBe('success');
    const destTimes = h.dest.requests.map((r) => r.at);
    expect(destTimes.length).toBeGreaterThanOrEqual(16);
    expect(maxInWindow(destTimes, 10_000)).toBeLessThanOrEqual(4);
  });
});
