import type { Clock } from './clock.js';
import type { AccountTally } from './run-counters.js';
import type { Throttle, ThrottlePermit } from './throttle.js';

/**
 * A side's throttle as one run sees it: the shared budget underneath (other runs use it too), with
 * this run's requests, waits and 429s tallied on the way through.
 */
export function meteredThrottle(shared: Throttle, tally: AccountTally, clock: Clock): Throttle {
  return {
    async acquire(signal) {
      const t0 = clock.now();
      const permit = await shared.acquire(signal);
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
