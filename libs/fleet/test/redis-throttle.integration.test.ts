import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobSide, RateLimitScope } from '@syncframe/engine';
import { isStoreUnavailableError, MAX_MARGIN_MS, PENDING_PERMIT_TTL_MS, RetryableError, SEND_DEADLINE_MS, WIDENED_MARGIN_FOR_MS } from '@syncframe/engine';
import { InMemoryAdapter, TcpProxy } from '@syncframe/test-kit';
import { AirtableAdapter } from '@syncframe/adapter-airtable';
import { WebflowAdapter } from '@syncframe/adapter-webflow';
import { RedisThrottleProvider, RedisUnavailableError } from '@syncframe/fleet';
import type { RedisThrottleOptions } from '@syncframe/fleet';
import type { ScriptCall, ScriptScope } from '../src/redis-throttle-scripts.js';
import { RESERVE_LUA, reserveCall, scopeKeys, STAMP_LUA, stampCall, TIME_CALL } from '../src/redis-throttle-scripts.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = resolve(import.meta.dirname, '../../..');
const run = `sf-rl-test-${randomUUID().slice(0, 8)}`;
let tests = 0;
/** Every test writes under its own prefix. */
const freshPrefix = () => `${run}:${++tests}`;

const clients: Redis[] = [];
const client = () => {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  clients.push(c);
  return c;
};
const admin = client();

afterAll(async () => {
  const keys = await admin.keys(`${run}:*`);
  if (keys.length) await admin.del(...keys);
  clients.forEach((c) => c.disconnect());
});

function side(maxReqs: number, intervalSec: number, extra: { margin_ms?: number; key?: string; shared?: RateLimitScope[] } = {}): JobSide {
  const adapter = new InMemoryAdapter({ adapter: 'airtable', table: 'T', rateLimitKey: extra.key ?? `airtable:app${randomUUID().slice(0, 6)}` });
  return {
    name: 'airtable',
    adapter: extra.shared ? Object.assign(adapter, { sharedRateLimits: extra.shared }) : adapter,
    throttle: { max_reqs: maxReqs, interval_sec: intervalSec, batch_size: 10, ...(extra.margin_ms !== undefined ? { margin_ms: extra.margin_ms } : {}) },
  };
}

const keyOf = (s: JobSide) => s.adapter.rateLimitKey!;
const logKey = (prefix: string, key: string) => scopeKeys(prefix, key).log;
const pendingKey = (prefix: string, key: string) => scopeKeys(prefix, key).pending;

/** Stamps of a log as `member → Redis time (ms)`. */
async function stampsOf(prefix: string, key: string): Promise<Map<string, number>> {
  const entries = await admin.zrange(logKey(prefix, key), 0, -1, 'WITHSCORES');
  const out = new Map<string, number>();
  for (let i = 0; i < entries.length; i += 2) out.set(entries[i]!, Number(entries[i + 1]));
  return out;
}

async function redisNow(): Promise<number> {
  const [s, us] = await admin.time();
  return Number(s) * 1000 + Number(us) / 1000;
}

/** Whether `acquire` is still waiting after `ms` (it is given up then). */
async function isHeld(t: { acquire(signal?: AbortSignal): Promise<unknown> }, ms = 300): Promise<boolean> {
  try {
    await t.acquire(AbortSignal.timeout(ms));
    return false;
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return true;
    throw err;
  }
}

describe('RedisThrottleProvider: reserve, stamp, cancel', () => {
  it('a pending permit counts at least a whole window: a sent request whose stamp was lost is never forgotten early', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const webflowLike = side(60, 60);
    const permit = await new RedisThrottleProvider(redis, { prefix }).throttleFor(webflowLike).acquire();
    const entries = await admin.zrange(pendingKey(prefix, keyOf(webflowLike)), 0, -1, 'WITHSCORES');
    expect(Number(entries[1]) - (await redisNow())).toBeGreaterThanOrEqual(60_000 + MAX_MARGIN_MS + SEND_DEADLINE_MS - 1_000);
    permit.cancel();
    const airtableLike = side(5, 1);
    const short = await new RedisThrottleProvider(redis, { prefix }).throttleFor(airtableLike).acquire();
    const shortEntries = await admin.zrange(pendingKey(prefix, keyOf(airtableLike)), 0, -1, 'WITHSCORES');
    expect(Number(shortEntries[1]) - (await redisNow())).toBeLessThanOrEqual(PENDING_PERMIT_TTL_MS);
    short.cancel();
  });

  it('a permit is pending from admission; sent() stamps it with Redis time, cancel() drops it', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const s = side(5, 1);
    const t = new RedisThrottleProvider(redis, { prefix }).throttleFor(s);

    const first = await t.acquire();
    expect(await admin.zcard(pendingKey(prefix, keyOf(s)))).toBe(1);
    expect(await admin.zcard(logKey(prefix, keyOf(s)))).toBe(0);

    const before = await redisNow();
    first.sent();
    first.sent(); // idempotent: the first call counts
    first.cancel();
    await redis.ping(); // the permit's commands went first on this connection
    const after = await redisNow();
    expect(await admin.zcard(pendingKey(prefix, keyOf(s)))).toBe(0);
    const stamps = [...(await stampsOf(prefix, keyOf(s))).values()];
    expect(stamps).toHaveLength(1);
    expect(stamps[0]).toBeGreaterThanOrEqual(before);
    expect(stamps[0]).toBeLessThanOrEqual(after);

    const second = await t.acquire();
    expect(await admin.zcard(pendingKey(prefix, keyOf(s)))).toBe(1);
    second.cancel();
    second.sent(); // ignored: already settled
    await redis.ping();
    expect(await admin.zcard(pendingKey(prefix, keyOf(s)))).toBe(0);
    expect(await admin.zcard(logKey(prefix, keyOf(s)))).toBe(1);
    // Keys expire by themselves.
    expect(await admin.pttl(logKey(prefix, keyOf(s)))).toBeGreaterThan(0);
  });

  it('a pending permit holds its slot until it settles; a cancelled one gives it back', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const s = side(1, 60);
    // A long pending TTL: only the cancel can free the slot within the test's timeout.
    const t = new RedisThrottleProvider(redis, { prefix, pendingPermitTtlMs: 120_000 }).throttleFor(s);
    const other = new RedisThrottleProvider(client(), { prefix, pendingPermitTtlMs: 120_000 }).throttleFor(s);
    const first = await t.acquire();
    expect(await isHeld(t)).toBe(true);
    expect(await isHeld(other)).toBe(true); // another worker too
    const second = t.acquire();
    setTimeout(() => first.cancel(), 100);
    (await second).sent();
    await redis.ping();
    // Only the second request was sent; the cancelled one left no stamp.
    expect((await stampsOf(prefix, keyOf(s))).size).toBe(1);
    expect(await admin.zcard(pendingKey(prefix, keyOf(s)))).toBe(0);
  });

  it('a permit its holder never settles stops counting after the pending TTL', async () => {
    const prefix = freshPrefix();
    const s = side(1, 60);
    const options: RedisThrottleOptions = { prefix, pendingPermitTtlMs: 500 };
    const crashed = new RedisThrottleProvider(client(), options).throttleFor(s);
    const t = new RedisThrottleProvider(client(), options).throttleFor(s);
    await crashed.acquire(); // never settled
    const t0 = Date.now();
    (await t.acquire()).sent();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  });

  it('counts its window over send times, closed, plus the margin: the next send is more than W + M later', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const s = side(1, 1, { margin_ms: 100 });
    const t = new RedisThrottleProvider(redis, { prefix }).throttleFor(s);
    const first = await t.acquire();
    await new Promise((r) => setTimeout(r, 300)); // a slow way to the wire: the window starts at the send
    first.sent();
    (await t.acquire()).sent();
    await redis.ping();
    const [a, b] = [...(await stampsOf(prefix, keyOf(s))).values()].sort((x, y) => x - y);
    expect(b! - a!).toBeGreaterThan(1100);
  });

  it('accounts are independent', async () => {
    const p = new RedisThrottleProvider(client(), { prefix: freshPrefix() });
    const one = p.throttleFor(side(1, 60));
    const two = p.throttleFor(side(1, 60));
    (await one.acquire()).sent();
    // The other account's 60 s window does not hold it (else this would outlast the test's timeout).
    (await two.acquire()).sent();
    expect(await isHeld(one)).toBe(true);
  });

  it('refuses a limit that admits nothing, and accepts sub-second windows', () => {
    const p = new RedisThrottleProvider(client(), { prefix: freshPrefix() });
    expect(() => p.throttleFor(side(0, 1))).toThrow(/needs max_reqs >= 1 and interval_sec > 0/);
    expect(() => p.throttleFor(side(1, 0))).toThrow(RangeError);
    expect(() => p.throttleFor(side(1, 0.5))).not.toThrow();
  });
});

describe('RedisThrottleProvider: the scripts against a frozen clock', () => {
  const T = 1_800_000_000_000;
  /** The script with Redis TIME replaced by `ms` (a constant). */
  const frozen = (script: string, ms: number) => {
    expect(script).toContain(TIME_CALL);
    return script.replace(TIME_CALL, `{'${Math.floor(ms / 1000)}', '${Math.round((ms % 1000) * 1000)}'}`);
  };
  const evalAt = (script: string, ms: number, call: ScriptCall) => admin.eval(frozen(script, ms), call.keys.length, ...call.keys, ...call.args);
  const scope = (prefix: string, maxReqs: number, windowMs: number, marginMs: number): ScriptScope => ({
    keys: scopeKeys(prefix, 'airtable:appFrozen'), maxReqs, windowMs, baseMarginMs: marginMs, keepMs: windowMs + Math.max(marginMs, MAX_MARGIN_MS),
  });
  let n = 0;
  const reserve = (sc: ScriptScope, at: number, ttl = 10_000) => evalAt(RESERVE_LUA, at, reserveCall([sc], `p${++n}`, ttl, 25));
  const sendAt = async (sc: ScriptScope, at: number) => {
    const id = `p${++n}`;
    expect(await evalAt(RESERVE_LUA, at, reserveCall([sc], id, 10_000, 25))).toBe(0);
    await evalAt(STAMP_LUA, at, stampCall([sc], id));
  };

  it('a stamp exactly window + margin old still counts; a microsecond later it does not', async () => {
    const sc = scope(freshPrefix(), 1, 1000, 10);
    await sendAt(sc, T);
    // Refused at T + W + M: wait 1 ms (the stamp leaves just after it is W + M old).
    expect(await reserve(sc, T + 1010)).toBe(1);
    expect(await reserve(sc, T + 1009)).toBe(2);
    expect(await reserve(sc, T + 1010.001)).toBe(0);
  });

  it('slides: no burst across a window boundary', async () => {
    const sc = scope(freshPrefix(), 5, 4000, 0);
    await sendAt(sc, T);
    for (let i = 0; i < 4; i++) await sendAt(sc, T + 2000);
    // At T + 4600 only the first send has left the window: one more, not five.
    expect(await reserve(sc, T + 4600)).toBe(0);
    // The next slot frees when the sends of T + 2000 are 4000 ms old: 1400 ms + 1 from now.
    expect(await reserve(sc, T + 4600)).toBe(1401);
  });

  it('waits for the oldest stamp that must leave, or polls when only unsent permits fill the scope', async () => {
    const sc = scope(freshPrefix(), 3, 1000, 25);
    expect(await reserve(sc, T)).toBe(0);
    expect(await reserve(sc, T)).toBe(0);
    expect(await reserve(sc, T)).toBe(0);
    expect(await reserve(sc, T + 1)).toBe(25); // three pending: the poll hint
    const prefix2 = scope(freshPrefix(), 3, 1000, 25);
    await sendAt(prefix2, T);
    await sendAt(prefix2, T + 100);
    expect(await reserve(prefix2, T + 200)).toBe(0); // pending
    // Full: one must leave, and the pending one will not by itself: the oldest stamp, at T + 1026.
    expect(await reserve(prefix2, T + 200)).toBe(826);
  });

  it('an unsettled permit stops counting when its TTL is due', async () => {
    const sc = scope(freshPrefix(), 1, 1000, 25);
    expect(await reserve(sc, T, 400)).toBe(0);
    expect(await reserve(sc, T + 399.999, 400)).toBe(25);
    expect(await reserve(sc, T + 400, 400)).toBe(0);
  });

  it('a stamp counts even when its pending entry already expired', async () => {
    const sc = scope(freshPrefix(), 1, 1000, 25);
    expect(await evalAt(RESERVE_LUA, T, reserveCall([sc], 'late', 400, 25))).toBe(0);
    await evalAt(STAMP_LUA, T + 5000, stampCall([sc], 'late'));
    expect(await reserve(sc, T + 5000)).toBe(1026);
  });
});

describe('RedisThrottleProvider: 429s', () => {
  it('a pause holds every worker, is never shortened, and widens the margin (doubling, at most the maximum)', async () => {
    const prefix = freshPrefix();
    const s = side(100, 1, { margin_ms: 30 });
    const a = new RedisThrottleProvider(client(), { prefix }).throttleFor(s);
    const b = new RedisThrottleProvider(client(), { prefix }).throttleFor(s);
    (await a.acquire()).sent();
    const keys = scopeKeys(prefix, keyOf(s));
    await a.pause(900);
    await a.pause(50); // a shorter penalty does not shorten the block
    expect(await admin.pttl(keys.block)).toBeGreaterThan(700);
    expect(await admin.get(keys.margin)).toBe('120');
    expect(await admin.pttl(keys.margin)).toBeGreaterThan(WIDENED_MARGIN_FOR_MS - 60_000);
    await a.pause(1);
    expect(await admin.get(keys.margin)).toBe(String(MAX_MARGIN_MS));
    const t0 = Date.now();
    (await b.acquire()).sent();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });

  it('the widened margin holds every worker', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const s = side(1, 1, { margin_ms: 10 });
    const a = new RedisThrottleProvider(redis, { prefix }).throttleFor(s);
    const b = new RedisThrottleProvider(redis, { prefix: `${prefix}` }).throttleFor(side(1, 1, { margin_ms: 10, key: keyOf(s) }));
    await a.pause(1); // margin 10 → 20
    await b.pause(1); // → 40, seen by both
    (await a.acquire()).sent();
    (await b.acquire()).sent();
    await redis.ping();
    const [x, y] = [...(await stampsOf(prefix, keyOf(s))).values()].sort((p, q) => p - q);
    expect(y! - x!).toBeGreaterThan(1040);
  });
});

describe('RedisThrottleProvider: several scopes', () => {
  it('a base limit and a token limit shared by two bases hold each other; a refusal reserves nothing', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const p = new RedisThrottleProvider(redis, { prefix });
    const tokenX: RateLimitScope = { key: `airtable-token:${randomUUID().slice(0, 12)}`, max_reqs: 3, interval_sec: 60 };
    const tokenY: RateLimitScope = { key: `airtable-token:${randomUUID().slice(0, 12)}`, max_reqs: 3, interval_sec: 60 };
    const a = side(5, 60, { shared: [tokenX] }); // base A via token X
    const b = side(5, 60, { shared: [tokenX] }); // base B via token X
    const a2 = side(5, 60, { key: keyOf(a), shared: [tokenY] }); // base A via token Y
    const ta = p.throttleFor(a);
    const tb = new RedisThrottleProvider(client(), { prefix }).throttleFor(b); // another worker
    const ta2 = p.throttleFor(a2);

    for (let i = 0; i < 3; i++) (await ta.acquire()).sent();
    // Token X is full: base B is empty but may not send.
    expect(await isHeld(tb)).toBe(true);
    expect(await admin.zcard(pendingKey(prefix, keyOf(b)))).toBe(0);
    // Base A has room for two more through token Y; then base A is full though token Y is not.
    for (let i = 0; i < 2; i++) (await ta2.acquire()).sent();
    expect(await isHeld(ta2)).toBe(true);
    await redis.ping();
    expect((await stampsOf(prefix, keyOf(a))).size).toBe(5);
    expect((await stampsOf(prefix, tokenX.key)).size).toBe(3);
    expect((await stampsOf(prefix, tokenY.key)).size).toBe(2);
    expect((await stampsOf(prefix, keyOf(b))).size).toBe(0);
    for (const key of [keyOf(a), keyOf(b), tokenX.key, tokenY.key]) expect(await admin.zcard(pendingKey(prefix, key))).toBe(0);
  });

  it('a 429 blocks every scope of the side', async () => {
    const prefix = freshPrefix();
    const token: RateLimitScope = { key: `airtable-token:${randomUUID().slice(0, 12)}`, max_reqs: 50, interval_sec: 1 };
    const a = side(5, 1, { shared: [token] });
    const b = side(5, 1, { shared: [token] });
    const p = new RedisThrottleProvider(client(), { prefix });
    await p.throttleFor(a).pause(5_000);
    expect(await admin.pttl(scopeKeys(prefix, keyOf(a)).block)).toBeGreaterThan(4_000);
    expect(await admin.pttl(scopeKeys(prefix, token.key).block)).toBeGreaterThan(4_000);
    // Another base behind the same token is held too.
    expect(await isHeld(p.throttleFor(b))).toBe(true);
  });

  it('reportRemoteRemaining leaves at most the remote\'s remaining slots free, counting the rest as sent now, on the account only', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const token: RateLimitScope = { key: `webflow-shared:${randomUUID().slice(0, 12)}`, max_reqs: 100, interval_sec: 60 };
    const s = side(10, 60, { shared: [token] });
    const t = new RedisThrottleProvider(redis, { prefix }).throttleFor(s);
    (await t.acquire()).sent();
    (await t.acquire()).sent();
    t.reportRemoteRemaining?.(5);
    await redis.ping();
    expect((await stampsOf(prefix, keyOf(s))).size).toBe(5);
    t.reportRemoteRemaining?.(6); // room for more than we know to be free: nothing to add
    const pending = await t.acquire(); // an unsent permit is ours too
    t.reportRemoteRemaining?.(4);
    await redis.ping();
    expect((await stampsOf(prefix, keyOf(s))).size).toBe(5);
    pending.sent();
    t.reportRemoteRemaining?.(1);
    await redis.ping();
    expect((await stampsOf(prefix, keyOf(s))).size).toBe(9);
    expect((await stampsOf(prefix, token.key)).size).toBe(3);
    t.reportRemoteRemaining?.(0);
    await redis.ping();
    expect(await isHeld(t)).toBe(true);
  });
});

describe('RedisThrottleProvider: failures', () => {
  it('fails closed when Redis is unreachable, with a RedisUnavailableError (a StoreUnavailableError: the run ends, no remote attempt is spent)', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const down = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    clients.push(down);
    const t = new RedisThrottleProvider(down, { prefix: freshPrefix() }).throttleFor(side(5, 1));
    const err = await t.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect(isStoreUnavailableError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^rate limiter unavailable \(Redis\)/);
    await expect(t.pause(1000)).rejects.toBeInstanceOf(RedisUnavailableError);
    // The fire-and-forget report neither throws nor leaves an unhandled rejection.
    t.reportRemoteRemaining?.(3);
  });

  it('rides out a Redis restart shorter than its tolerance: acquire waits, then grants', async () => {
    const target = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    try {
      const viaProxy = new Redis({ host: '127.0.0.1', port: proxy.port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
      viaProxy.on('error', () => undefined);
      clients.push(viaProxy);
      await viaProxy.connect();
      const t = new RedisThrottleProvider(viaProxy, { prefix: freshPrefix(), outageToleranceMs: 10_000 }).throttleFor(side(5, 1));
      (await t.acquire()).sent();
      await proxy.refuse();
      setTimeout(() => void proxy.restore(), 1200);
      const started = Date.now();
      const permit = await t.acquire();
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      permit.sent();
    } finally {
      await proxy.close();
    }
  });

  it('an aborted wait rejects with the signal\'s reason', async () => {
    const t = new RedisThrottleProvider(client(), { prefix: freshPrefix() }).throttleFor(side(1, 60));
    (await t.acquire()).sent();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('shutdown')), 100);
    const err = await t.acquire(ac.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('shutdown');
    expect(err).not.toBeInstanceOf(RetryableError);
    await expect(t.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('never writes a credential into a key', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const atToken = `patSECRET${randomUUID().replaceAll('-', '')}`;
    const wfToken = `wfSECRET${randomUUID().replaceAll('-', '')}`;
    const airtable = new AirtableAdapter({ table: 'T', creds: { apiKey: atToken, baseId: 'appKeyTest' } });
    const webflow = new WebflowAdapter({ collection: '0123456789abcdef01234567', creds: { token: wfToken } });
    const p = new RedisThrottleProvider(redis, { prefix });
    for (const adapter of [airtable, webflow]) {
      const t = p.throttleFor({ name: adapter.ref.adapter, adapter, throttle: adapter.defaultThrottle });
      (await t.acquire()).sent();
      (await t.acquire()).cancel();
      t.reportRemoteRemaining?.(0);
      await t.pause(1);
    }
    await redis.ping();
    const keys = await admin.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(6);
    for (const key of keys) {
      for (const token of [atToken, wfToken]) {
        expect(key).not.toContain(token.slice(0, 12));
        expect(key).not.toContain(token.slice(-12));
      }
    }
  });
});

describe('RedisThrottleProvider: three worker processes', () => {
  it('never let max_reqs + 1 sends fall within the window, and keep the budget busy', async () => {
    const prefix = freshPrefix();
    const key = `airtable:appHammer${randomUUID().slice(0, 6)}`;
    const DURATION_MS = 4000;
    const child = join(ROOT, 'libs/fleet/test/fixtures/throttle-hammer-child.ts');
    const procs = Array.from({ length: 3 }, () =>
      spawn(process.execPath, ['--import', 'tsx', child, REDIS_URL, prefix, key, '4', String(DURATION_MS)], {
        cwd: ROOT,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.dev.json') },
        stdio: ['pipe', 'pipe', 'pipe'],
      }));
    const children = procs.map((p) => {
      let out = '';
      let err = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exit = new Promise<{ code: number | null; out: string; err: string }>((r) => p.once('exit', (code) => r({ code, out, err })));
      const ready = new Promise<void>((resolveReady, reject) => {
        const poll = setInterval(() => {
          if (out.includes('ready\n')) {
            clearInterval(poll);
            resolveReady();
          }
        }, 10);
        void exit.then((r) => {
          clearInterval(poll);
          reject(new Error(`child exited early (${r.code}): ${r.err}`));
        });
      });
      return { ready, exit };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const p of procs) p.stdin.write('go\n');

    // Stamps count for W + M and are dropped only when older than W + the largest margin (1.2 s):
    // reading the log every 200 ms sees every one of them.
    const stamps = new Map<string, number>();
    let running = true;
    const collect = async () => {
      for (const [member, at] of await stampsOf(prefix, key)) stamps.set(member, at);
    };
    const poller = (async () => {
      while (running) {
        await collect();
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const results = await Promise.all(children.map((c) => c.exit));
    running = false;
    await poller;
    await collect();

    for (const r of results) expect(r.code, r.err).toBe(0);
    const counts = results.map((r) => JSON.parse(r.out.split('\n').filter(Boolean).at(-1)!) as { sent: number; cancelled: number });
    const sent = counts.reduce((n, c) => n + c.sent, 0);
    expect(stamps.size).toBe(sent); // every stamp was seen
    expect(counts.reduce((n, c) => n + c.cancelled, 0)).toBeGreaterThan(0); // every seventh permit of a worker is cancelled

    const s = [...stamps.values()].sort((x, y) => x - y);
    let minGap = Infinity;
    for (let i = 0; i + 5 < s.length; i++) minGap = Math.min(minGap, s[i + 5]! - s[i]!);
    // Any 6 sends are more than W + M (1000 + 10 ms) apart: no closed 1000 ms window holds 6.
    expect(minGap).toBeGreaterThan(1010);
    // Busy: at least 70 % of 5/s over the run (about 95 % is expected).
    expect(s.length).toBeGreaterThanOrEqual(Math.floor(0.7 * 5 * (DURATION_MS / 1000)));
  }, 30_000);
});
