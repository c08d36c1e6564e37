import type { Clock } from './clock.js';

/** First wait after an outage was met; doubles up to {@link MAX_OUTAGE_RETRY_MS}. */
export const FIRST_OUTAGE_RETRY_MS = 250;
export const MAX_OUTAGE_RETRY_MS = 4000;

export interface OutageRideOptions<E, O extends E = E> {
  /** The error as the caller reports it (e.g. a driver error mapped to one of ours). */
  readonly map: (err: unknown) => E;
  /** Whether the (mapped) error says the store is out of reach, so trying again later may succeed. */
  readonly isOutage: (err: E) => err is O;
  /** How long, from the first failure, to keep trying; 0 throws at once. */
  readonly toleranceMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Told of each try that met an outage, before waiting (e.g. to log it). */
  readonly onOutage?: (err: O, waitedMs: number) => void;
}

/**
 * Runs `command` on a store SyncFrame depends on (the LinkIndex's database, the limiter's Redis),
 * trying again while the store is out of reach: 250 ms doubling up to 4 s between tries, for up to
 * `toleranceMs` since the first failure. Any other error, an abort, or an outage that outlasts the
 * tolerance is thrown (mapped). The one back-off both stores ride out a failover or a restart with.
 */
export async function rideOutOutage<T, E, O extends E>(command: () => Promise<T>, options: OutageRideOptions<E, O>): Promise<T> {
  const started = options.clock.now();
  for (let waitMs = FIRST_OUTAGE_RETRY_MS; ; waitMs = Math.min(2 * waitMs, MAX_OUTAGE_RETRY_MS)) {
    try {
      return await command();
    } catch (err) {
      const mapped = options.map(err);
      const waited = options.clock.now() - started;
      if (options.signal?.aborted || !options.isOutage(mapped) || waited + waitMs > options.toleranceMs) throw mapped;
      options.onOutage?.(mapped, waited);
      await options.clock.sleep(waitMs, options.signal);
    }
  }
}
