import type { Throttle, ThrottlePermit } from '@syncframe/engine';

/**
 * A throttle that never waits and counts its acquisitions and how their permits were settled
 * (an aborted signal still throws).
 */
export function countingThrottle(): Throttle & { acquired: number; sent: number; cancelled: number } {
  const t = {
    acquired: 0,
    sent: 0,
    cancelled: 0,
    async acquire(signal?: AbortSignal): Promise<ThrottlePermit> {
      signal?.throwIfAborted();
      t.acquired++;
      let settled = false;
      return {
        sent: () => {
          if (!settled) t.sent++;
          settled = true;
        },
        cancel: () => {
          if (!settled) t.cancelled++;
          settled = true;
        },
      };
    },
    async pause() {},
  };
  return t;
}
