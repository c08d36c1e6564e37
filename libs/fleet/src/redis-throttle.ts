import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock, JobSide, Throttle, ThrottlePermit, ThrottleProvider, ThrottleSettings } from '@syncframe/engine';
import { isSyncFrameError, rateLimitKeyOf, RetryableError, systemClock } from '@syncframe/engine';

/**
 * A sliding log in one Redis sorted set, as rate-limiter-flexible's `customIncrTtlLuaScript`:
 * rate-limiter-flexible's own windows are fixed and would let 2×max_reqs through across a window
 * boundary. The script keeps the send times of the last window (Redis's clock, so every worker
 * agrees), adds one only when fewer than max_reqs are in the window, and returns
 * `{consumed, msUntilASlotFrees}` in the shape rate-limiter-flexible expects: a refused call is
 * not logged, so waiting callers never inflate the count.
 * ARGV: [1] points to consume, [2] whole seconds (unused), [3] max_reqs, [4] window in seconds.
 */
const SLIDING_LOG_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowMs = math.floor(tonumber(ARGV[4]) * 1000)
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
local count = redis.call('ZCARD', KEYS[1])
if count < max then
  local seq = redis.call('INCR', KEYS[1] .. ':seq')
  redis.call('PEXPIRE', KEYS[1] .. ':seq', windowMs * 2)
  redis.call('ZADD', KEYS[1], now, now .. '-' .. seq)
  redis.call('PEXPIRE', KEYS[1], windowMs)
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {count + 1, math.max(1, tonumber(oldest[2]) + windowMs - now)}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {max + 1, math.max(1, tonumber(oldest[2]) + windowMs - now)}
`;

export interface RedisThrottleOptions {
  /** Key prefix, e.g. `syncframe:rl`. */
  readonly prefix: string;
  readonly clock?: Clock;
}

/**
 * The fleet's rate limits: one sliding window per remote account, in Redis, shared by every
 * worker, so ten workers together never send more than `max_reqs` in any `interval_sec`.
 * A 429 pauses the account for the whole fleet.
 */
export class RedisThrottleProvider implements ThrottleProvider {
  private readonly throttles = new Map<string, RedisThrottle>();
  constructor(private readonly redis: Redis, private readonly options: RedisThrottleOptions) {}

  throttleFor(side: JobSide): Throttle {
    const key = rateLimitKeyOf(side);
    const id = `${key}|${side.throttle.max_reqs}|${side.throttle.interval_sec}`;
    let t = this.throttles.get(id);
    if (!t) this.throttles.set(id, (t = new RedisThrottle(this.redis, key, side.throttle, this.options)));
    return t;
  }
}

export class RedisThrottle implements Throttle {
  private readonly window: RateLimiterRedis;
  private readonly pauseKey: string;
  private readonly clock: Clock;

  constructor(private readonly redis: Redis, private readonly key: string, settings: ThrottleSettings, options: RedisThrottleOptions) {
    if (!(settings.interval_sec >= 1)) {
      throw new RangeError(`throttle interval_sec must be at least 1 for the fleet's shared limiter (got ${settings.interval_sec})`);
    }
    this.clock = options.clock ?? systemClock;
    this.window = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${options.prefix}:win`,
      points: settings.max_reqs,
      duration: settings.interval_sec,
      customIncrTtlLuaScript: SLIDING_LOG_LUA,
    });
    // A plain key, not a second RateLimiterRedis: that would redefine the client's rlflxIncr command.
    this.pauseKey = `${options.prefix}:pause:${key}`;
  }

  async acquire(signal?: AbortSignal): Promise<ThrottlePermit> {
    try {
      await this.waitForSlot(signal);
      return { sent: () => undefined, cancel: () => undefined };
    } catch (err) {
      throw asRetryable(err, signal);
    }
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const pausedMs = await this.redis.pttl(this.pauseKey);
      if (pausedMs > 0) {
        await this.clock.sleep(pausedMs, signal);
        continue;
      }
      try {
        await this.window.consume(this.key);
        return;
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        // A little jitter spreads the workers that wait for the same freed slot.
        await this.clock.sleep(res.msBeforeNext + Math.floor(Math.random() * 15), signal);
      }
    }
  }

  /** Holds every worker's requests to this account for `ms` (a remote 429); never shortens a longer pause. */
  async pause(ms: number): Promise<void> {
    const px = Math.max(1, Math.ceil(ms));
    try {
      const created = await this.redis.set(this.pauseKey, '1', 'PX', px, 'NX');
      if (created === null) await this.redis.pexpire(this.pauseKey, px, 'GT');
    } catch (err) {
      throw asRetryable(err);
    }
  }
}

/** Redis unreachable is transient for the run (retry later), unlike an abort, which passes through. */
function asRetryable(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted || isSyncFrameError(err)) return err;
  return new RetryableError(`rate limiter unavailable (Redis): ${err instanceof Error ? err.message : String(err)}`);
}
