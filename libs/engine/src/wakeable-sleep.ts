import type { Clock } from './clock.js';

/**
 * A sleep that can be cut short: a throttle's waiting caller sleeps until its slot should free,
 * but wakes at once when one of its own permits settles (a slot may be free sooner).
 */
export class WakeableSleep {
  private wake: (() => void) | null = null;
  constructor(private readonly clock: Clock) {}

  /** Sleeps `ms`, or less when {@link wakeUp} is called meanwhile. Rejects only when `signal` aborts. */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const changed = new AbortController();
    this.wake = () => changed.abort();
    const both = signal ? AbortSignal.any([signal, changed.signal]) : changed.signal;
    try {
      await this.clock.sleep(ms, both);
    } catch (err) {
      if (!changed.signal.aborted || signal?.aborted) throw err;
    } finally {
      this.wake = null;
    }
  }

  /** Ends the current sleep, if any. */
  wakeUp(): void {
    this.wake?.();
  }
}
