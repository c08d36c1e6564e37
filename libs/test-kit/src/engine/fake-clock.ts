import type { Clock } from '@syncframe/engine';

/**
 * A clock whose time moves only when someone sleeps on it (or `advance` is called): sleeps
 * resolve at once after moving time forward, so back-off and throttles cost no real time.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private time = Date.parse('2026-01-01T00:00:00.000Z')) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.time += Math.max(0, ms);
  }
}
