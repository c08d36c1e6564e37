/**
 * A counting semaphore: at most `size` holders at once, the rest wait in arrival order.
 */
export class Slots {
  /** Holders allowed at once. */
  readonly size: number;
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.size = Math.max(1, size);
    this.free = this.size;
  }

  /** Runs `task` once a slot is free, and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
