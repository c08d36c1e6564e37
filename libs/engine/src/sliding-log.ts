import { DEFAULT_MARGIN_MS, MAX_MARGIN_MS, PENDING_PERMIT_TTL_MS, WIDENED_MARGIN_FOR_MS } from './throttle.js';
import type { RateLimitScope } from './throttle.js';

/** The outcome of a reservation: admitted, or the time to wait (null: until a pending permit settles). */
export type Reservation = { readonly admitted: true } | { readonly admitted: false; readonly waitMs: number | null };

/**
 * The two-phase sliding log of one rate-limit scope, with no clock of its own (every call passes
 * `now`), so that it can be checked by simulation and mirrored line for line in Redis Lua.
 *
 * - A reservation is admitted when the pending permits plus the sends stamped within the last
 *   `interval + margin` (inclusive) are fewer than `max_reqs`.
 * - A pending permit counts until it is stamped (sent) or cancelled, or until `PENDING_PERMIT_TTL_MS`
 *   pass (its holder crashed, or gave up sending it).
 * - A stamp is the time the request left, as seen after it left: never earlier than its arrival
 *   minus the network's forward delay. So any `max_reqs + 1` arrivals lie more than the window
 *   apart as long as the forward delay varies by less than the margin.
 * - `block` holds every reservation (a 429's penalty) and doubles the margin for an hour.
 */
export class SlidingLog {
  private readonly stamps: number[] = [];
  private readonly pending = new Map<string, number>();
  private blockedUntil = -Infinity;
  private widenedUntil = -Infinity;
  private widenedMargin: number;
  readonly windowMs: number;
  readonly baseMarginMs: number;

  constructor(readonly scope: RateLimitScope) {
    if (!(scope.max_reqs >= 1) || !(scope.interval_sec > 0)) {
      throw new RangeError(`rate limit "${scope.key}" needs max_reqs >= 1 and interval_sec > 0`);
    }
    this.windowMs = scope.interval_sec * 1000;
    this.baseMarginMs = scope.margin_ms ?? DEFAULT_MARGIN_MS;
    this.widenedMargin = this.baseMarginMs;
  }

  /** The margin in force at `now`. */
  marginMs(now: number): number {
    return now < this.widenedUntil ? this.widenedMargin : this.baseMarginMs;
  }

  /** Stamps and pending permits that count at `now`. */
  inUse(now: number): number {
    this.prune(now);
    return this.stamps.length + this.pending.size;
  }

  /** Whether a reservation would be admitted now, and else how long to wait; changes nothing. */
  check(now: number): Reservation {
    this.prune(now);
    if (now < this.blockedUntil) return { admitted: false, waitMs: this.blockedUntil - now };
    const excess = this.stamps.length + this.pending.size - this.scope.max_reqs + 1;
    if (excess <= 0) return { admitted: true };
    // The excess-th oldest stamp stops counting just after it is older than interval + margin.
    if (excess > this.stamps.length) return { admitted: false, waitMs: null };
    return { admitted: false, waitMs: Math.max(1, this.stamps[excess - 1]! + this.windowMs + this.marginMs(now) - now + 1) };
  }

  /** Adds a pending permit; call only after `check` admitted it at the same `now`. */
  hold(now: number, id: string): void {
    this.pending.set(id, now + PENDING_PERMIT_TTL_MS);
  }

  /** The permit's request left now. Counted even when its pending entry already expired. */
  stamp(now: number, id: string): void {
    this.pending.delete(id);
    this.insertStamp(now);
  }

  /** The permit's request never left. */
  cancel(id: string): void {
    this.pending.delete(id);
  }

  /**
   * The remote takes only `remaining` more requests now: leave at most that many slots free,
   * counting the others (someone else's requests) as sent now. Returns how many were added.
   */
  reconcile(now: number, remaining: number): number {
    const unknown = Math.min(this.scope.max_reqs - remaining - this.inUse(now), this.scope.max_reqs);
    for (let i = 0; i < unknown; i++) this.insertStamp(now);
    return Math.max(0, unknown);
  }

  /** A 429: nobody is admitted for `ms`, and the margin doubles (up to the maximum) for an hour. */
  block(now: number, ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, now + ms);
    this.widenedMargin = Math.min(MAX_MARGIN_MS, Math.max(this.marginMs(now), 1) * 2);
    this.widenedUntil = now + WIDENED_MARGIN_FOR_MS;
  }

  private insertStamp(at: number): void {
    let i = this.stamps.length;
    while (i > 0 && this.stamps[i - 1]! > at) i--;
    this.stamps.splice(i, 0, at);
  }

  private prune(now: number): void {
    // Inclusive: a stamp exactly interval + margin old still counts.
    const horizon = now - this.windowMs - this.marginMs(now);
    let drop = 0;
    while (drop < this.stamps.length && this.stamps[drop]! < horizon) drop++;
    if (drop > 0) this.stamps.splice(0, drop);
    for (const [id, expires] of this.pending) if (expires <= now) this.pending.delete(id);
  }
}
