/**
 * The Lua side of the fleet's rate limiter (see `redis-throttle.ts`): the engine's two-phase
 * sliding log (`SlidingLog` in @syncframe/engine) over Redis keys, with Redis `TIME` as the only
 * clock so that every worker agrees on it. Internal to this package (not exported by its index);
 * tests import it to run the same scripts against a frozen clock.
 *
 * Keys of one rate-limit scope, all under the provider's prefix and the scope's key (an id or a
 * hash, never a credential):
 * - `<prefix>:win:<key>`: ZSET of sent requests (the log), member = permit id, score = Redis time (ms)
 *   of the stamp;
 * - `<prefix>:pending:<key>`: ZSET of granted, unsettled permits, score = when they stop counting;
 * - `<prefix>:pause:<key>`: STRING with a PX expiry while a 429's penalty blocks the scope;
 * - `<prefix>:margin:<key>`: STRING, the widened margin (ms) after a 429, with a PX expiry of an hour.
 *
 * The log and the block keep the names and shapes of the previous limiter's (a ZSET of send times in
 * ms; a PX key), so that during a rolling upgrade old and new workers count each other's requests and
 * honour each other's 429s.
 *
 * Times are milliseconds with microsecond fractions. Numbers are written into keys' scores by
 * `redis.call` (exact); where a number has to be concatenated into an argument, `%.17g` keeps it exact
 * (Lua's own `..` rounds to 14 digits, a tenth of a millisecond at today's epoch).
 */

/** The one clock call every script starts with. Tests replace it to freeze time. */
export const TIME_CALL = "redis.call('TIME')";

const NOW = `
local t = ${TIME_CALL}
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/**
 * The margin in force: the widened one after a 429 while its key lives, never below the caller's
 * own base margin (a scope's sides may be configured with different margins: the larger one wins).
 */
const MARGIN_IN_FORCE = `
local function marginInForce(marginKey, baseMargin)
  return math.max(baseMargin, tonumber(redis.call('GET', marginKey) or '0'))
end
`;

/**
 * Drops what can no longer count. Stamps are kept for `keep` = window + the largest margin that can
 * be in force, not just this caller's window + margin: a side with a smaller margin must not drop a
 * stamp that a side with a larger one (or a widened margin) still counts. Counting then uses the
 * caller's own window (ZCOUNT), so the semantics stay those of `SlidingLog.prune` + `check`.
 * Pending permits whose expiry is due (score <= now) are dropped: their holder crashed or hung.
 */
const PRUNE = `
local function prune(logKey, pendingKey, now, keep)
  redis.call('ZREMRANGEBYSCORE', logKey, '-inf', string.format('(%.17g', now - keep))
  redis.call('ZREMRANGEBYSCORE', pendingKey, '-inf', string.format('%.17g', now))
end
`;

/** Sets a key's expiry to at least `ms` (never shortens one a longer-lived caller set). */
const EXTEND = `
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
`;

/**
 * `reserve(scopes, id)`: admits one request only if every scope has room, atomically over all of them.
 *
 * KEYS: 4 per scope: log, pending, block, margin.
 * ARGV: [1] permit id, [2] pending TTL (ms), [3] poll hint (ms), then 4 per scope:
 *       max_reqs, window (ms), base margin (ms), keep (ms: window + the largest possible margin).
 * Returns 0 when admitted (the id is then pending in every scope), else the ms to wait before trying
 * again: the longest wait of the refusing scopes (a block's remaining time; the time until the
 * stamp that must leave is older than window + margin, + 1 ms because the window is closed; or the
 * poll hint when only unsent permits fill the scope, since those free up at no predictable time).
 */
export const RESERVE_LUA = `${NOW}${MARGIN_IN_FORCE}${PRUNE}${EXTEND}
local id = ARGV[1]
local ttl = tonumber(ARGV[2])
local poll = tonumber(ARGV[3])
local scopes = #KEYS / 4
local wait = 0
for i = 0, scopes - 1 do
  local logKey, pendingKey, blockKey, marginKey = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3], KEYS[i * 4 + 4]
  local maxReqs = tonumber(ARGV[3 + i * 4 + 1])
  local windowMs = tonumber(ARGV[3 + i * 4 + 2])
  local margin = marginInForce(marginKey, tonumber(ARGV[3 + i * 4 + 3]))
  prune(logKey, pendingKey, now, tonumber(ARGV[3 + i * 4 + 4]))
  local blockedMs = redis.call('PTTL', blockKey)
  if blockedMs > 0 then
    -- A 429's penalty: nobody on this scope sends until it ends.
    wait = math.max(wait, blockedMs)
  else
    -- Inclusive: a stamp exactly window + margin old still counts (the remote's window is closed).
    local horizon = now - windowMs - margin
    local stamps = redis.call('ZCOUNT', logKey, horizon, '+inf')
    local excess = stamps + redis.call('ZCARD', pendingKey) - maxReqs + 1
    if excess > 0 then
      if excess > stamps then
        -- Only unsent permits stand in the way: they free when sent (then counted for a window) or cancelled.
        wait = math.max(wait, poll)
      else
        -- The excess-th oldest counted stamp must leave: 1 ms after it is window + margin old.
        local s = redis.call('ZRANGEBYSCORE', logKey, horizon, '+inf', 'WITHSCORES', 'LIMIT', excess - 1, 1)
        wait = math.max(wait, math.max(1, math.ceil(tonumber(s[2]) + windowMs + margin - now + 1)))
      end
    end
  end
end
if wait > 0 then return wait end
-- Every scope has room: the permit counts in all of them until it is sent, cancelled or expires.
for i = 0, scopes - 1 do
  local pendingKey = KEYS[i * 4 + 2]
  redis.call('ZADD', pendingKey, now + ttl, id)
  extend(pendingKey, ttl)
end
return 0
`;

/**
 * `stamp(scopes, id)`: the permit's request left now. Counted even when the pending entry already
 * expired (counting a request twice for a moment is safe, missing one is not).
 *
 * KEYS: 2 per scope: log, pending.  ARGV: [1] permit id, then 1 per scope: keep (ms).
 * The member is the permit id (unique per permit), so stamps at equal times do not collapse.
 * Returns 1.
 */
export const STAMP_LUA = `${NOW}${EXTEND}
local id = ARGV[1]
for i = 0, #KEYS / 2 - 1 do
  local logKey, pendingKey = KEYS[i * 2 + 1], KEYS[i * 2 + 2]
  redis.call('ZREM', pendingKey, id)
  redis.call('ZADD', logKey, now, id)
  -- The log outlives its newest stamp by as long as that stamp can count.
  extend(logKey, tonumber(ARGV[2 + i]))
end
return 1
`;

/**
 * `cancel(scopes, id)`: the permit's request never left; its slot is free again.
 * KEYS: the pending key of every scope.  ARGV: [1] permit id.  Returns 1.
 */
export const CANCEL_LUA = `
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1
`;

/**
 * `pause(scopes, ms)`: a 429. Holds every scope for `ms` (never shortening a longer block) and
 * doubles the margin in force (at least 1 ms, at most the maximum) for the widening period; a
 * further 429 doubles it again.
 *
 * KEYS: 2 per scope: block, margin.
 * ARGV: [1] ms, [2] widening period (ms), [3] maximum margin (ms), then 1 per scope: base margin (ms).
 * Returns 1.
 */
export const PAUSE_LUA = `${MARGIN_IN_FORCE}
local ms = tonumber(ARGV[1])
local widenFor = tonumber(ARGV[2])
local maxMargin = tonumber(ARGV[3])
for i = 0, #KEYS / 2 - 1 do
  local blockKey, marginKey = KEYS[i * 2 + 1], KEYS[i * 2 + 2]
  -- PTTL is -2 (no block) or -1 (a block without expiry, which would hold forever): both are replaced.
  if redis.call('PTTL', blockKey) < ms then redis.call('SET', blockKey, '1', 'PX', ms) end
  local widened = math.min(maxMargin, math.max(marginInForce(marginKey, tonumber(ARGV[4 + i])), 1) * 2)
  redis.call('SET', marginKey, widened, 'PX', widenFor)
end
return 1
`;

/**
 * `reconcile(scope, used)`: the remote counts `used` requests in its window; the ones this log
 * does not know of (other users of the same account) are counted as sent now.
 *
 * KEYS: log, pending, margin of one scope.
 * ARGV: [1] used, [2] max_reqs, [3] window (ms), [4] base margin (ms), [5] keep (ms), [6] member prefix.
 * Adds at most max_reqs entries (more would change nothing: the window is full either way), named
 * `<member prefix>:<n>` so that they do not collapse. Returns the number added.
 */
export const RECONCILE_LUA = `${NOW}${MARGIN_IN_FORCE}${PRUNE}${EXTEND}
local logKey, pendingKey, marginKey = KEYS[1], KEYS[2], KEYS[3]
local remaining = tonumber(ARGV[1])
local maxReqs = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local keep = tonumber(ARGV[5])
prune(logKey, pendingKey, now, keep)
-- Ours: everything the log still counts (stamps in window + margin, and unsent permits).
local ours = redis.call('ZCOUNT', logKey, now - windowMs - marginInForce(marginKey, tonumber(ARGV[4])), '+inf')
  + redis.call('ZCARD', pendingKey)
-- The remote has room for \`remaining\` more: leave at most that many slots free.
local unknown = math.min(maxReqs - remaining - ours, maxReqs)
if unknown <= 0 then return 0 end
for n = 1, unknown do redis.call('ZADD', logKey, now, ARGV[6] .. ':' .. n) end
extend(logKey, keep)
return unknown
`;

/** The Redis keys of one rate-limit scope. */
export interface ScopeKeys {
  readonly log: string;
  readonly pending: string;
  readonly block: string;
  readonly margin: string;
}

/** Keys of the scope named `key` (an id or a hash: scope keys never hold a credential). */
export function scopeKeys(prefix: string, key: string): ScopeKeys {
  return {
    log: `${prefix}:win:${key}`,
    pending: `${prefix}:pending:${key}`,
    block: `${prefix}:pause:${key}`,
    margin: `${prefix}:margin:${key}`,
  };
}

/** One scope as the scripts see it. */
export interface ScriptScope {
  readonly keys: ScopeKeys;
  readonly maxReqs: number;
  readonly windowMs: number;
  readonly baseMarginMs: number;
  /** How long a stamp can count: window + the largest margin that can be in force. */
  readonly keepMs: number;
}

/** KEYS and ARGV of one script call. */
export interface ScriptCall {
  readonly keys: string[];
  readonly args: (string | number)[];
}

export function reserveCall(scopes: readonly ScriptScope[], id: string, pendingTtlMs: number, pollMs: number): ScriptCall {
  return {
    keys: scopes.flatMap((s) => [s.keys.log, s.keys.pending, s.keys.block, s.keys.margin]),
    args: [id, pendingTtlMs, pollMs, ...scopes.flatMap((s) => [s.maxReqs, s.windowMs, s.baseMarginMs, s.keepMs])],
  };
}

export function stampCall(scopes: readonly ScriptScope[], id: string): ScriptCall {
  return { keys: scopes.flatMap((s) => [s.keys.log, s.keys.pending]), args: [id, ...scopes.map((s) => s.keepMs)] };
}

export function cancelCall(scopes: readonly ScriptScope[], id: string): ScriptCall {
  return { keys: scopes.map((s) => s.keys.pending), args: [id] };
}

export function pauseCall(scopes: readonly ScriptScope[], ms: number, widenForMs: number, maxMarginMs: number): ScriptCall {
  return {
    keys: scopes.flatMap((s) => [s.keys.block, s.keys.margin]),
    args: [ms, widenForMs, maxMarginMs, ...scopes.map((s) => s.baseMarginMs)],
  };
}

export function reconcileCall(scope: ScriptScope, remaining: number, memberPrefix: string): ScriptCall {
  return {
    keys: [scope.keys.log, scope.keys.pending, scope.keys.margin],
    args: [remaining, scope.maxReqs, scope.windowMs, scope.baseMarginMs, scope.keepMs, memberPrefix],
  };
}
