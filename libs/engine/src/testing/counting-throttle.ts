import type { Throttle } from '../throttle.js';

/** A throttle that never waits and counts its acquisitions (an aborted signal still throws). */
export function countingThrottle(): Throttle & { acquired: number } {
  const t = {
    acquired: 0,
    async acquire(signal?: AbortSignal) {
      signal?.throwIfAborted();
      t.acquired++;
    },
    async pause() {},
  };
  return t;
}
