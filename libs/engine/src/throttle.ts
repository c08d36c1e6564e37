/**
 * A request budget shared by everything that talks to one remote account. Every remote request
 * first calls `acquire`, which waits (never fails) until the budget allows one more request.
 * The engine ships a sliding-window implementation for one process; the fleet replaces it with
 * a Redis-backed limiter shared by every worker.
 */
export interface Throttle {
  /** Resolves when one request may be sent now. Rejects only when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** The remote answered 429: hold every caller of this budget for `ms`. */
  pause(ms: number): Promise<void>;
}

/** Throttle settings of one side. */
export interface ThrottleSettings {
  /** Requests allowed in any window of `interval_sec`. */
  readonly max_reqs: number;
  /** Window length in seconds. */
  readonly interval_sec: number;
  /** Records per write request. */
  readonly batch_size: number;
}
