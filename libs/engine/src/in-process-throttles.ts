import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { JobSide } from './job.js';
import { SlidingLog } from './sliding-log.js';
import { SlidingWindowThrottle } from './sliding-window-throttle.js';
import type { RateLimitScope, Throttle } from './throttle.js';

/** Gives each job side the throttle of its remote account. */
export interface ThrottleProvider {
  throttleFor(side: JobSide): Throttle;
}

/** The account a side's requests count against: its adapter's rate-limit key, or its table. */
export function rateLimitKeyOf(side: JobSide): string {
  return side.adapter.rateLimitKey ?? `${side.adapter.ref.adapter}:${side.adapter.ref.table}`;
}

/**
 * Every limit a side's requests count against: first its account's (the side's throttle
 * settings, keyed by {@link rateLimitKeyOf}), then the wider ones its adapter declares.
 */
export function rateLimitScopesOf(side: JobSide): RateLimitScope[] {
  const { max_reqs, interval_sec, margin_ms } = side.throttle;
  const account: RateLimitScope = { key: rateLimitKeyOf(side), max_reqs, interval_sec, ...(margin_ms !== undefined ? { margin_ms } : {}) };
  return [account, ...(side.adapter.sharedRateLimits ?? [])];
}

/** The identity of a scope's budget: sides agreeing on key and numbers share one. */
export function scopeId(scope: RateLimitScope): string {
  return `${scope.key}|${scope.max_reqs}|${scope.interval_sec}`;
}

/**
 * One two-phase sliding log per rate-limit scope for this process: sides (and jobs) on the same
 * account share it. The fleet uses a Redis-backed provider instead.
 */
export class InProcessThrottles implements ThrottleProvider {
  private readonly logs = new Map<string, SlidingLog>();
  private readonly throttles = new Map<string, Throttle>();
  constructor(private readonly clock: Clock = systemClock) {}

  throttleFor(side: JobSide): Throttle {
    const scopes = rateLimitScopesOf(side);
    const id = scopes.map(scopeId).join('+');
    let t = this.throttles.get(id);
    if (!t) {
      t = new SlidingWindowThrottle(scopes.map((s) => this.logFor(s)), this.clock);
      this.throttles.set(id, t);
    }
    return t;
  }

  private logFor(scope: RateLimitScope): SlidingLog {
    const id = scopeId(scope);
    let log = this.logs.get(id);
    if (!log) this.logs.set(id, (log = new SlidingLog(scope)));
    return log;
  }
}
