import { describe, expect, it } from 'vitest';
import { SlidingWindowThrottle } from '@syncframe/engine';
import { FakeClock, maxInWindow } from '@syncframe/engine/testing';
import { harness } from './harness.js';


describe('SlidingWindowThrottle', () => {
  it('never lets more than max_reqs through in any window, and makes callers wait instead of failing', async () => {
    const clock = new FakeClock();
    const throttle = new SlidingWindowThrottle(5, 1000, clock);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 23 }, async () => {
      await throttle.acquire();
      times.push(clock.now());
    }));
    expect(times).toHaveLength(23);
    expect(maxInWindow(times, 1000)).toBe(5);
    // Waiting, not bursting: 23 requests at 5/s need a little over 4 s.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(4000);
  });

  it('has no boundary burst: a sliding window, not a fixed one', async () => {
    const clock = new FakeClock(999);
    const throttle = new SlidingWindowThrottle(3, 1000, clock);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      await throttle.acquire();
      times.push(clock.now());
    }
    // A fixed window would allow 3 at 999 and 3 more at 1000.
    expect(times).toEqual([999, 999, 999, 1999, 1999, 1999]);
  });

  it('pause holds every caller', async () => {
    const clock = new FakeClock(0);
    const throttle = new SlidingWindowThrottle(100, 1000, clock);
    await throttle.pause(30_000);
    await throttle.acquire();
    expect(clock.now()).toBe(30_000);
  });

  it('an aborted wait rejects', async () => {
    const clock = new FakeClock(0);
    const throttle = new SlidingWindowThrottle(1, 1000, clock);
    await throttle.acquire();
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
