import { LeaseLostError } from '@syncframe/engine';
import { LeaseUnrenewedError } from './errors/lease-unrenewed-error.js';

/** The clock and timer a {@link LeaseHeartbeat} uses (injected by tests). */
export interface HeartbeatClock {
  now(): number;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The process clock; timers are looked up at call time, so fake timers apply. */
export const systemHeartbeatClock: HeartbeatClock = {
  now: () => Date.now(),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export interface LeaseHeartbeatOptions {
  /** The lease's job, named in the abort reasons. */
  readonly jobId: string;
  /** The lease's time to live, in ms. */
  readonly ttlMs: number;
  /** Renews the lease: true while held, false when it was lost (taken over); a rejection is a failed attempt. */
  readonly renew: () => Promise<boolean>;
  /** Told of each failed renewal attempt (e.g. to log it). */
  readonly onRenewError?: (err: unknown) => void;
  readonly clock?: HeartbeatClock;
}

/** A third of the TTL, at least 250 ms: a lease survives two missed renewals. */
export function heartbeatIntervalMs(ttlMs: number): number {
  return Math.max(250, Math.floor(ttlMs / 3));
}

/**
 * Keeps a job's lease alive while its run goes on: renews it every third of the TTL
 * ({@link heartbeatIntervalMs}) and aborts {@link signal} with a `LeaseLostError` when the lease
 * was taken over, or with a `LeaseUnrenewedError` when renewals kept failing (or hanging) for a whole
 * TTL since the last success (the lease may belong to another worker by then: the run must stop
 * writing to the remotes; the queue runs it again later). A renewal that
 * fails sooner is retried at the next beat. Results arriving after {@link stop} are ignored.
 */
export class LeaseHeartbeat {
  readonly #options: LeaseHeartbeatOptions;
  readonly #clock: HeartbeatClock;
  readonly #controller = new AbortController();
  #timer: unknown = null;
  #running = false;
  #renewedAt = 0;

  constructor(options: LeaseHeartbeatOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemHeartbeatClock;
  }

  /** Aborted (with a `LeaseLostError` as its reason) when the run must stop because of its lease. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Starts renewing; the lease counts as renewed now (just acquired). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#renewedAt = this.#clock.now();
    this.#timer = this.#clock.setInterval(() => this.#beat(), heartbeatIntervalMs(this.#options.ttlMs));
  }

  /** Stops renewing (the signal is left as it is). */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#clock.clearInterval(this.#timer);
    this.#timer = null;
  }

  #beat(): void {
    const { jobId } = this.#options;
    // A renewal may hang as long as the database does (a connection that neither answers nor
    // fails): the TTL is checked at every beat, not only when a renewal fails.
    if (this.#unrenewedTooLong()) return this.#lose(new LeaseUnrenewedError(`lease of job ${jobId} could not be renewed`));
    this.#options.renew().then(
      (held) => {
        if (!this.#running) return;
        if (held) this.#renewedAt = this.#clock.now();
        else this.#lose(new LeaseLostError(`lease of job ${jobId} was taken over`));
      },
      (err: unknown) => {
        if (!this.#running) return;
        this.#options.onRenewError?.(err);
        if (this.#unrenewedTooLong()) this.#lose(new LeaseUnrenewedError(`lease of job ${jobId} could not be renewed`));
      },
    );
  }

  #unrenewedTooLong(): boolean {
    return this.#clock.now() - this.#renewedAt >= this.#options.ttlMs;
  }

  #lose(reason: LeaseLostError): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }
}
