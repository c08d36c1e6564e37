import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { JobSide } from './job.js';
import { SlidingWindowThrottle } from './sliding-window-throttle.js';
import type { Throttle } from './throttle.js';

/** Gives each job side the throttle of its remote account. */
export interface ThrottleProvider {
  throttleFor(side: JobSide): Throttle;
}

/** The account a side's requests count against: its adapter's rate-limit key, or its table. */
export function rateLimitKeyOf(side: JobSide): string {
  return side.adapter.rateLimitKey ?? `${side.adapter.ref.adapter}:${side.adapter.ref.table}`;
}

/**
 * One sliding-window throttle per remote account for this process: sides (and jobs) on the same
 * account share it. The fleet uses a Redis-backed provider instead.
 */
export class InProcessThrottles implements ThrottleProvider {
  private readonly throttles = new Map<string, Throttle>();
  constructor(private readonly clock: Clock = systemClock) {}

  throttleFor(side: JobSide): Throttle {
    const key = rateLimitKeyOf(side);
    let t = this.throttles.get(key);
    if (!t) {
      t = new SlidingWindowThrottle(side.throttle.max_reqs, side.throttle.interval_sec * 1000, this.clock);
      this.throttles.set(key, t);
    }
    return t;
  }
}
