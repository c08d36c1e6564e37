import type { Clock } from '@syncframe/engine';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A discrete-event clock: sleepers wait until the test moves time past their wake-up time, and
 * concurrent sleepers overlap as they would in real time (unlike {@link FakeClock}, where every
 * sleep moves time for everyone). Between wake-ups it lets every ready promise callback run.
 */
export class SimulatedClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;
  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Sleepers still waiting. */
  get waiting(): number {
    return this.timers.length;
  }

  /** Moves time to `until`, waking every sleeper due on the way, in order. */
  async advanceTo(until: number): Promise<void> {
    for (;;) {
      await turn();
      const next = this.nextTimer();
      if (!next || next.at > until) break;
      this.wake(next);
    }
    this.time = Math.max(this.time, until);
    await turn();
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.time + ms);
  }

  /**
   * Moves time on, sleeper by sleeper, until `promise` settles, and returns its outcome.
   * Throws when it cannot settle: nothing is left to wake.
   */
  async settle<T>(promise: Promise<T>, maxMs = Number.POSITIVE_INFINITY): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    const limit = this.time + maxMs;
    for (;;) {
      await turn();
      if (done) return watched;
      const next = this.nextTimer();
      if (!next || next.at > limit) throw new Error(`simulated clock: nothing left to wake at ${this.time} and the promise is still pending`);
      this.wake(next);
    }
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }

  private wake(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer);
    this.time = Math.max(this.time, timer.at);
    timer.resolve();
  }
}
