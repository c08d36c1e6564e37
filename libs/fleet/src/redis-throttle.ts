import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock, JobSide, Logger, RateLimitScope, Throttle, ThrottlePermit, ThrottleProvider } from '@syncframe/engine';
import {
  DEFAULT_MARGIN_MS, isSyncFrameError, MAX_MARGIN_MS, PENDING_PERMIT_TTL_MS, rateLimitScopesOf, rideOutOutage, scopeId, SEND_DEADLINE_MS,
  systemClock, WakeableSleep, WIDENED_MARGIN_FOR_MS,
} from '@syncframe/engine';
import { isRedisUnavailableError, RedisUnavailableError } from './errors/redis-unavailable-error.js';
import type { ScriptCall, ScriptScope } from './redis-throttle-scripts.js';
import {
  CANCEL_LUA, cancelCall, PAUSE_LUA, pauseCall, RECONCILE_LUA, reconcileCall, RESERVE_LUA, reserveCall, scopeKeys, STAMP_LUA,
  stampCall,
} from './redis-throttle-scripts.js';

/**
 * How long a caller refused only because unsent permits (of any worker) fill a scope waits before
 * asking again. Such a permit frees at no predictable time: when its request is cancelled, or (once
 * sent) a full window later. A permit of this process that settles wakes the caller at once.
 */
const PENDING_POLL_MS = 25;
/** Up to this much is added to every wait, so that workers waiting for the same slot do not all ask at once. */
const WAIT_JITTER_MS = 15;

/** Options of {@link RedisThrottleProvider}. */
export interface RedisThrottleOptions {
  /** Prefix of every key the limiter writes, e.g. `syncframe:rl`. */
  readonly prefix: string;
  /** Sleeps between attempts (injectable for tests). Redis `TIME` is the limiter's only clock for counting. */
  readonly clock?: Clock;
  /**
   * A permit neither sent nor cancelled stops counting this long after it was granted (its holder
   * crashed or hung, or its stamp was lost). Must exceed the HTTP client's send deadline.
   * @defaultValue the longer of {@link PENDING_PERMIT_TTL_MS} and the side's longest window +
   * `MAX_MARGIN_MS` + `SEND_DEADLINE_MS` (a sent request whose stamp was lost still counts a full window)
   */
  readonly pendingPermitTtlMs?: number;
  /** Where failures of the fire-and-forget commands (stamp, cancel, usage report) are reported. */
  readonly logger?: Logger;
  /**
   * How long `acquire` and `pause` ride out an unreachable Redis (a restart, a failover) by trying
   * again, before they throw `RedisUnavailableError`. @defaultValue 0 (at once)
   */
  readonly outageToleranceMs?: number;
}

/**
 * The fleet's rate limits: the engine's two-phase, wire-stamped sliding log (`SlidingLog`), kept in
 * Redis and shared by every worker, so that all of them together never send more than `max_reqs`
 * in any window of `interval_sec` + margin, in every scope a request counts against (its account,
 * and wider limits its adapter declares, such as every base of one Airtable token).
 *
 * A request holds a *pending* slot from admission until it is stamped *sent* (with Redis `TIME`,
 * when its headers reached the socket) or cancelled; a 429 blocks the scope for every worker and
 * widens its margin. Redis unreachable fails closed: `acquire` throws a `RetryableError`.
 *
 * Budgets are keyed by scope key (a base id, a token's hash), not by the configured numbers: sides
 * that disagree on `max_reqs` (a rolling config change, a job configured to leave room for others)
 * still count each other's requests, each admitting against its own limit.
 *
 * Keys (see `redis-throttle-scripts.ts`) are `<prefix>:{win,pending,pause,margin}:<scope key>`. One
 * script touches every scope of a side, so on Redis Cluster the limiter's keys must live on one
 * shard (a single-node Redis, as the fleet uses, is fine).
 */
export class RedisThrottleProvider implements ThrottleProvider {
  private readonly throttles = new Map<string, RedisThrottle>();
  constructor(private readonly redis: Redis, private readonly options: RedisThrottleOptions) {}

  throttleFor(side: JobSide): Throttle {
    const scopes = rateLimitScopesOf(side);
    // The margin is part of a throttle's identity here: each throttle passes its own to the scripts.
    const id = scopes.map((s) => `${scopeId(s)}|${s.margin_ms ?? DEFAULT_MARGIN_MS}`).join('+');
    let t = this.throttles.get(id);
    if (!t) this.throttles.set(id, (t = new RedisThrottle(this.redis, scopes, this.options)));
    return t;
  }
}

type ScriptCommand = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;
interface ThrottleCommands {
  syncframeThrottleReserve: ScriptCommand;
  syncframeThrottleStamp: ScriptCommand;
  syncframeThrottleCancel: ScriptCommand;
  syncframeThrottlePause: ScriptCommand;
  syncframeThrottleReconcile: ScriptCommand;
}

/** Clients whose scripts are defined (ioredis sends EVALSHA, and the script itself once after a NOSCRIPT). */
const defined = new WeakSet<Redis>();

function commandsOf(redis: Redis): ThrottleCommands {
  if (!defined.has(redis)) {
    redis.defineCommand('syncframeThrottleReserve', { lua: RESERVE_LUA });
    redis.defineCommand('syncframeThrottleStamp', { lua: STAMP_LUA });
    redis.defineCommand('syncframeThrottleCancel', { lua: CANCEL_LUA });
    redis.defineCommand('syncframeThrottlePause', { lua: PAUSE_LUA });
    redis.defineCommand('syncframeThrottleReconcile', { lua: RECONCILE_LUA });
    defined.add(redis);
  }
  return redis as unknown as ThrottleCommands;
}

function run(commands: ThrottleCommands, name: keyof ThrottleCommands, call: ScriptCall): Promise<unknown> {
  return commands[name](call.keys.length, ...call.keys, ...call.args);
}

/**
 * The throttle of one side: its scopes in Redis (see {@link RedisThrottleProvider}). Acquirers in
 * this process queue in order; each one reserves a slot in every scope at once (one script), and
 * otherwise sleeps for the time the script says a slot frees, plus a little jitter, and asks again.
 */
export class RedisThrottle implements Throttle {
  private readonly scopes: readonly ScriptScope[];
  private readonly commands: ThrottleCommands;
  private readonly clock: Clock;
  private readonly pendingTtlMs: number;
  private readonly logger: Logger | undefined;
  private readonly outageToleranceMs: number;
  /** Permit ids are unique across the fleet: a random id of this throttle, and a counter. */
  private readonly idPrefix = randomBytes(6).toString('hex');
  private nextId = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly waiting: WakeableSleep;

  constructor(redis: Redis, scopes: readonly RateLimitScope[], options: RedisThrottleOptions) {
    if (scopes.length === 0) throw new RangeError('a throttle needs at least one rate-limit scope');
    this.waiting = new WakeableSleep(options.clock ?? systemClock);
    this.scopes = scopes.map((scope) => {
      if (!(scope.max_reqs >= 1) || !(scope.interval_sec > 0)) {
        throw new RangeError(`rate limit "${scope.key}" needs max_reqs >= 1 and interval_sec > 0`);
      }
      const windowMs = scope.interval_sec * 1000;
      const baseMarginMs = scope.margin_ms ?? DEFAULT_MARGIN_MS;
      return {
        keys: scopeKeys(options.prefix, scope.key),
        maxReqs: scope.max_reqs,
        windowMs,
        baseMarginMs,
        keepMs: Math.ceil(windowMs + Math.max(baseMarginMs, MAX_MARGIN_MS)),
      };
    });
    this.commands = commandsOf(redis);
    this.clock = options.clock ?? systemClock;
    this.outageToleranceMs = options.outageToleranceMs ?? 0;
    // A permit whose stamp was lost (a Redis blip right after sending) must still count as long as a
    // stamped one would: never shorter than the longest window + the widest margin + the send deadline.
    const coversWindow = Math.max(...this.scopes.map((s) => s.windowMs)) + MAX_MARGIN_MS + SEND_DEADLINE_MS;
    this.pendingTtlMs = Math.max(1, Math.ceil(options.pendingPermitTtlMs ?? Math.max(PENDING_PERMIT_TTL_MS, coversWindow)));
    this.logger = options.logger;
  }

  /**
   * Resolves with a permit once every scope has room (it then counts as pending in all of them).
   * Rejects with the signal's reason on abort, and with a `RetryableError` when Redis cannot be
   * reached: without the shared log, no request may be sent (fail closed).
   */
  acquire(signal?: AbortSignal): Promise<ThrottlePermit> {
    // Serialise this process's acquirers: first come, first served, and one Redis poll per throttle.
    const turn = this.tail.then(() => this.waitForSlot(signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /**
   * A 429: holds every worker's requests on all of this side's scopes for `ms` (the remote does not
   * say which limit it hit; a longer block is never shortened), and doubles their margins for an hour.
   */
  async pause(ms: number): Promise<void> {
    const call = pauseCall(this.scopes, Math.max(1, Math.ceil(ms)), WIDENED_MARGIN_FOR_MS, MAX_MARGIN_MS);
    await this.ridingOutOutages('pause', () => run(this.commands, 'syncframeThrottlePause', call));
  }

  /**
   * The remote has room for only `remaining` more requests on this side's account (its first
   * scope): the log leaves at most that many slots free, counting the rest as sent now. Fire-and-forget.
   */
  reportRemoteRemaining(remaining: number): void {
    if (!(remaining >= 0)) return;
    const call = reconcileCall(this.scopes[0]!, Math.floor(remaining), `${this.idPrefix}.u${++this.nextId}`);
    run(this.commands, 'syncframeThrottleReconcile', call).catch((err: unknown) => this.warn('report remote usage', err));
  }

  private async waitForSlot(signal?: AbortSignal): Promise<ThrottlePermit> {
    const id = `${this.idPrefix}.${++this.nextId}`;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const call = reserveCall(this.scopes, id, this.pendingTtlMs, PENDING_POLL_MS);
        const waitMs = Number(await this.ridingOutOutages('reserve', () => run(this.commands, 'syncframeThrottleReserve', call), signal));
        if (waitMs === 0) {
          const permit = this.permit(id);
          // Aborted while Redis admitted it: give the slot straight back.
          if (signal?.aborted) {
            permit.cancel();
            signal.throwIfAborted();
          }
          return permit;
        }
        // The jitter spreads the workers that wait for the same freed slot.
        await this.waiting.sleep(waitMs + Math.floor(Math.random() * (WAIT_JITTER_MS + 1)), signal);
      }
    } catch (err) {
      throw unavailableOr(err, signal);
    }
  }

  /**
   * Runs a limiter command, trying it again while Redis is unreachable, for up to
   * `outageToleranceMs` since the first failure (the engine's `rideOutOutage`); then, or at once
   * for any other error, it throws. Without the shared log no request may be sent
   * (fail closed), so the caller waits.
   */
  private ridingOutOutages<T>(what: string, command: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return rideOutOutage(command, {
      map: (err) => unavailableOr(err, signal),
      isOutage: (err): err is RedisUnavailableError => err instanceof RedisUnavailableError,
      toleranceMs: this.outageToleranceMs,
      clock: this.clock,
      ...(signal ? { signal } : {}),
      onOutage: (err, waitedMs) => this.logger?.warn({ waitedMs, toleranceMs: this.outageToleranceMs, err: err instanceof Error ? err.message : String(err) },
        `rate limiter: Redis unreachable (${what}); trying again`),
    });
  }

  /**
   * A permit whose `sent`/`cancel` run their script without the caller waiting (the request must not
   * wait for Redis). Only the first call counts. A failed stamp or cancel leaves the entry pending
   * until its TTL: the slot stays taken a while longer, which is the safe side.
   */
  private permit(id: string): ThrottlePermit {
    let settled = false;
    const settle = (what: string, call: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      call()
        .catch((err: unknown) => this.warn(what, err))
        // A slot of this throttle may be free now: let the waiting acquirer look at once.
        .finally(() => this.waiting.wakeUp());
    };
    return {
      sent: () => settle('stamp a sent request', () => run(this.commands, 'syncframeThrottleStamp', stampCall(this.scopes, id))),
      cancel: () => settle('cancel a permit', () => run(this.commands, 'syncframeThrottleCancel', cancelCall(this.scopes, id))),
    };
  }

  private warn(what: string, err: unknown): void {
    this.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, `rate limiter: could not ${what} in Redis`);
  }
}

/**
 * Redis out of reach as `RedisUnavailableError` (the run ends and is tried again later); an abort,
 * an error of ours, or any other failure of a command (a bug, not an outage) passes through.
 */
function unavailableOr(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted || isSyncFrameError(err) || !isRedisUnavailableError(err)) return err;
  return new RedisUnavailableError(`rate limiter unavailable (Redis): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
