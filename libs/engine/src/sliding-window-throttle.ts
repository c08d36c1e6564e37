import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Throttle } from './throttle.js';

/**
 * An in-process sliding-window throttle: at most `maxReqs` acquisitions in any window of
 * `intervalMs`. Callers queue in order and wait; nobody is refused.
 */
export class SlidingWindowThrottle implements Throttle {
  private readonly sent: number[] = [];
  private pausedUntil = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly maxReqs: number,
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(maxReqs >= 1) || !(intervalMs > 0)) throw new RangeError('throttle needs max_reqs >= 1 and interval > 0');
  }

  acquire(signal?: AbortSignal): Promise<void> {
    // Serialise acquirers so that each one sees the window its predecessors left.
    const turn = this.tail.then(() => this.waitForSlot(signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  async pause(ms: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.intervalMs) this.sent.shift();
      let waitMs = this.pausedUntil - now;
      if (this.sent.length >= this.maxReqs) waitMs = Math.max(waitMs, this.sent[0]! + this.intervalMs - now);
      if (waitMs <= 0) {
        this.sent.push(now);
        return;
      }
      await this.clock.sleep(waitMs, signal);
    }
  }
}
