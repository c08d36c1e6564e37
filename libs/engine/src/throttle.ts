/**
 * A request budget shared by everything that talks to one remote account. Every remote request
 * first calls `acquire`, which waits (never fails, except on abort) until the budget allows one
 * more request, and returns a permit the caller settles exactly once: `sent()` when the request's
 * bytes are handed to the socket, `cancel()` when it provably never left.
 *
 * The remote counts a request when it *arrives*; a limiter that counted at admission would let
 * event-loop stalls and connection set-up bunch requests up on the wire. So a permit counts as
 * *pending* from admission until it is sent, and as *sent at* the moment `sent()` is called
 * afterwards: the window slides over wire times, widened by a small margin for network jitter.
 * The engine ships an in-process implementation; the fleet's is shared by every worker in Redis.
 */
export interface Throttle {
  /** Resolves with a permit when one request may be sent now. Rejects only when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<ThrottlePermit>;
  /** The remote answered 429: hold every caller of this budget for `ms`, and count more carefully for a while. */
  pause(ms: number): Promise<void>;
  /**
   * The remote said how many more requests it takes now (Webflow's `X-RateLimit-Remaining`). When
   * this budget thinks more are free, someone else uses the same account: the difference is
   * counted as sent now. (Remaining, not used: the remote's window may be longer than this budget's.)
   */
  reportRemoteRemaining?(remaining: number): void;
}

/** One admitted request. Settle it exactly once; later calls are ignored. */
export interface ThrottlePermit {
  /**
   * The request's headers were handed to the socket (or, where that moment cannot be seen, its
   * response arrived: later is always safe). Its window starts now.
   */
  sent(): void;
  /** The request never left (aborted before sending, connection refused): its slot is free again. */
  cancel(): void;
}

/** Throttle settings of one side. */
export interface ThrottleSettings {
  /** Requests allowed in any window of `interval_sec`. */
  readonly max_reqs: number;
  /** Window length in seconds. */
  readonly interval_sec: number;
  /** Records per write request. */
  readonly batch_size: number;
  /**
   * Added to the window to absorb network jitter between sending and arriving.
   * @defaultValue {@link DEFAULT_MARGIN_MS}
   */
  readonly margin_ms?: number;
  /**
   * Write requests of this side in flight at once (more keep the budget busy when requests are slow).
   * @defaultValue {@link defaultConcurrency} of the limit
   */
  readonly concurrency?: number;
}

/**
 * One limit a remote counts requests against: an account (Airtable base, Webflow token) or a wider
 * scope several accounts share (every base an Airtable token reaches).
 */
export interface RateLimitScope {
  /** Names the scope, never a credential (a base id, a token's hash). Equal keys share one budget. */
  readonly key: string;
  readonly max_reqs: number;
  readonly interval_sec: number;
  /** @defaultValue {@link DEFAULT_MARGIN_MS} */
  readonly margin_ms?: number;
}

/**
 * Margin added to every window. Arrival jitter beyond it, between requests sent `max_reqs` apart,
 * could still land one request too many; 25 ms costs 2.4 % of a 1-second window.
 */
export const DEFAULT_MARGIN_MS = 25;
/** After a 429 the margin doubles (up to this) for {@link WIDENED_MARGIN_FOR_MS}. */
export const MAX_MARGIN_MS = 200;
export const WIDENED_MARGIN_FOR_MS = 60 * 60 * 1000;

/**
 * A request not on the wire this long after its permit was granted is given up unsent (the HTTP
 * client aborts it), so that its permit is settled well before it would stop counting as pending.
 */
export const SEND_DEADLINE_MS = 5_000;
/** A permit neither sent nor cancelled stops counting after this: its holder crashed or hung. */
export const PENDING_PERMIT_TTL_MS = 10_000;

/**
 * Write batches of one side in flight at once when the config sets none: enough that a request
 * taking up to one window still keeps the budget busy, and never more than 8.
 */
export function defaultConcurrency(settings: Pick<ThrottleSettings, 'max_reqs'>): number {
  return Math.max(1, Math.min(8, settings.max_reqs));
}
