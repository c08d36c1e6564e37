import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobSide } from '@syncframe/engine';
import { InMemoryAdapter, maxInWindow } from '@syncframe/engine/testing';
import { RedisThrottleProvider } from '@syncframe/fleet';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sf-test-${randomUUID().slice(0, 8)}`;
const clients: Redis[] = [];
const client = () => {
  const c = new Redis(REDIS_URL, { enableOfflineQueue: true });
  clients.push(c);
  return c;
};

afterAll(async () => {
  const keys = await clients[0]!.keys(`${prefix}*`);
  if (keys.length) await clients[0]!.del(...keys);
  clients.forEach((c) => c.disconnect());
});

function side(maxReqs: number, intervalSec: number): JobSide {
  return {
    name: 'airtable',
    adapter: new InMemoryAdapter({ adapter: 'airtable', table: 'T', rateLimitKey: `airtable:app${randomUUID().slice(0, 6)}` }),
    throttle: { max_reqs: maxReqs, interval_sec: intervalSec, batch_size: 10 },
  };
}


describe('RedisThrottleProvider', () => {
  it('three workers sharing one account never exceed max_reqs in any window, and all of them get through', async () => {
    const s = side(5, 1);
    // Three workers: separate connections and providers, one remote account.
    const throttles = [0, 1, 2].map(() => new RedisThrottleProvider(client(), { prefix }).throttleFor(s));
    // The admission log, read from Redis itself: entries live one window, so polling every 150 ms
    // sees each of them. (Client-side timestamps would carry event-loop delays.)
    const admitted = new Map<string, number>();
    const watcher = client();
    const logKey = `${prefix}:win:${s.adapter.rateLimitKey}`;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const entries = await watcher.zrange(logKey, 0, -1, 'WITHSCORES');
        for (let i = 0; i < entries.length; i += 2) admitted.set(entries[i]!, Number(entries[i + 1]));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    let done = 0;
    await Promise.all(throttles.map(async (t) => {
      for (let i = 0; i < 6; i++) {
        await t.acquire();
        done++;
      }
    }));
    await new Promise((r) => setTimeout(r, 200));
    polling = false;
    await poll;
    expect(done).toBe(18);
    expect(admitted.size).toBe(18);
    const times = [...admitted.values()];
    expect(maxInWindow(times, 1000)).toBe(5);
    // 18 requests at 5/s need at least 3 full windows: callers waited rather than failed.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(3000);
  });

  it('is a sliding window: no burst across a window boundary', async () => {
    const s = side(5, 4);
    const t = new RedisThrottleProvider(client(), { prefix }).throttleFor(s);
    const limiter = (t as unknown as { window: { consume(k: string): Promise<unknown> }; key: string });
    const consume = () => limiter.window.consume(limiter.key).then(() => true, () => false);
    expect(await consume()).toBe(true); // t0
    await new Promise((r) => setTimeout(r, 2000));
    expect(await Promise.all([1, 2, 3, 4].map(consume))).toEqual([true, true, true, true]); // ~t0+2s
    // ~t0+4.6s: only the first has left the window (margins of 0.6 s and 1.4 s against delays).
    await new Promise((r) => setTimeout(r, 2600));
    const results = await Promise.all([1, 2, 3, 4, 5].map(consume));
    // A fixed window starting at t0 would have reset at t0+4s and let all five through.
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a 429 pauses the account for every worker', async () => {
    const s = side(100, 1);
    const a = new RedisThrottleProvider(client(), { prefix }).throttleFor(s);
    const b = new RedisThrottleProvider(client(), { prefix }).throttleFor(s);
    await a.acquire();
    await a.pause(1200);
    const t0 = Date.now();
    await b.acquire();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it('accounts are independent', async () => {
    const p = new RedisThrottleProvider(client(), { prefix });
    const one = p.throttleFor(side(1, 60));
    const two = p.throttleFor(side(1, 60));
    await one.acquire();
    const t0 = Date.now();
    await two.acquire();
    expect(Date.now() - t0).toBeLessThan(5000); // the other account's 60 s window does not hold it
  });

  it('an aborted wait rejects', async () => {
    const t = new RedisThrottleProvider(client(), { prefix }).throttleFor(side(1, 60));
    await t.acquire();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('shutdown')), 100);
    await expect(t.acquire(ac.signal)).rejects.toThrow('shutdown');
  });

  it('refuses a window shorter than a second', () => {
    expect(() => new RedisThrottleProvider(client(), { prefix }).throttleFor(side(1, 0.5))).toThrow(/interval_sec must be at least 1/);
  });
});
