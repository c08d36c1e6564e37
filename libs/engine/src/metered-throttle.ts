import type { Clock } from './clock.js';
import type { AccountTally } from './run-counters.js';
import type { Throttle, ThrottlePermit } from './throttle.js';

/** A wait for a turn longer than this is told (`onSlow`). */
const SLOW_ACQUIRE_MS = 1000;

/**
 * A side's throttle as one run sees it: the shared budget underneath (other runs use it too), with
 * this run's requests, waits and 429s tallied on the way through. `onSlow` is told when a request
 * has waited a second for its turn (real time: it is for a person watching).
 */
export function meteredThrottle(shared: Throttle, tally: AccountTally, clock: Clock, onSlow?: () => void): Throttle {
  return {
    async acquire(signal) {
      const t0 = clock.now();
      const slow = onSlow ? setTimeout(onSlow, SLOW_ACQUIRE_MS) : undefined;
      let permit: ThrottlePermit;
      try {
        permit = await shared.acquire(signal);
      } finally {
        clearTimeout(slow);
      }
      tally.throttleWaitMs += clock.now() - t0;
      let settled = false;
      const once = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        fn();
      };
      const metered: ThrottlePermit = {
        sent: () => once(() => {
          permit.sent();
          tally.sentAt(clock.now());
        }),
        cancel: () => once(() => permit.cancel()),
      };
      return metered;
    },
    async pause(ms) {
      tally.rateLimited++;
      await shared.pause(ms);
    },
    reportRemoteRemaining(remaining) {
      shared.reportRemoteRemaining?.(remaining);
    },
  };
}
