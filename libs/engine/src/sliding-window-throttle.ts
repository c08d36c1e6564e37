import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { SlidingLog } from './sliding-log.js';
import type { RateLimitScope, Throttle, ThrottlePermit } from './throttle.js';
import { WakeableSleep } from './wakeable-sleep.js';

/** How often a caller waiting only on unsent permits looks again, at most. */
const PENDING_POLL_MS = 50;

/**
 * An in-process two-phase sliding-window throttle over one or more scopes (an account's limit,
 * and wider limits it shares, e.g. every base of an Airtable token): a request is admitted only
 * when every scope has room, and counts in all of them. Callers queue in order and wait; nobody
 * is refused. Scopes are shared: pass the same `SlidingLog` to every throttle of the account.
 */
export class SlidingWindowThrottle implements Throttle {
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 0;

  private readonly waiting: WakeableSleep;

  constructor(private readonly scopes: readonly SlidingLog[], private readonly clock: Clock = systemClock) {
    if (scopes.length === 0) throw new RangeError('a throttle needs at least one rate-limit scope');
    this.waiting = new WakeableSleep(clock);
  }

  /** A throttle of one limit of its own, e.g. `{ key: 'airtable:app1', max_reqs: 5, interval_sec: 1 }`. */
  static forLimit(scope: RateLimitScope, clock: Clock = systemClock): SlidingWindowThrottle {
    return new SlidingWindowThrottle([new SlidingLog(scope)], clock);
  }

  acquire(signal?: AbortSignal): Promise<ThrottlePermit> {
    // Serialise acquirers so that each one sees the window its predecessors left.
    const turn = this.tail.then(() => this.waitForSlot(signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  async pause(ms: number): Promise<void> {
    const now = this.clock.now();
    // The remote does not say which of its limits it hit: hold them all.
    for (const scope of this.scopes) scope.block(now, ms);
  }

  reportRemoteRemaining(remaining: number): void {
    this.scopes[0]!.reconcile(this.clock.now(), remaining);
  }

  private async waitForSlot(signal?: AbortSignal): Promise<ThrottlePermit> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      const refusals = this.scopes.map((scope) => scope.check(now)).filter((r) => !r.admitted);
      if (refusals.length === 0) return this.admit(now);
      // Wait for the latest scope to free up; a scope full of unsent permits frees when one settles.
      const waitMs = Math.max(...refusals.map((r) => (r.admitted ? 0 : r.waitMs ?? PENDING_POLL_MS)));
      // Woken early when a permit of this throttle settles (a slot may be free sooner).
      await this.waiting.sleep(waitMs, signal);
    }
  }

  private admit(now: number): ThrottlePermit {
    const id = `p${++this.nextId}`;
    for (const scope of this.scopes) scope.hold(now, id);
    let settled = false;
    const settle = (how: (scope: SlidingLog) => void) => {
      if (settled) return;
      settled = true;
      for (const scope of this.scopes) how(scope);
      this.waiting.wakeUp();
    };
    return {
      sent: () => settle((scope) => scope.stamp(this.clock.now(), id)),
      cancel: () => settle((scope) => scope.cancel(id)),
    };
  }
}
