/**
 * The lease heartbeat: renews every third of the TTL, stops on `stop()`, and aborts its signal
 * with a `LeaseLostError` when the lease was taken over or stayed unrenewed for a whole TTL.
 * Fake timers only: no real waiting.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isLeaseLostError } from '@syncframe/engine';
import type { HeartbeatClock } from '@syncframe/fleet';
import { heartbeatIntervalMs, isLeaseUnrenewedError, LeaseHeartbeat } from '@syncframe/fleet';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A renew function answering from a script, then `fallback`. */
function scripted(answers: Array<boolean | Error>, fallback: boolean | Error = true) {
  return vi.fn(async () => {
    const answer = answers.length > 0 ? answers.shift()! : fallback;
    if (answer instanceof Error) throw answer;
    return answer;
  });
}

describe('LeaseHeartbeat', () => {
  it('renews every third of the TTL, at least every 250 ms', () => {
    expect(heartbeatIntervalMs(3000)).toBe(1000);
    expect(heartbeatIntervalMs(30_000)).toBe(10_000);
    expect(heartbeatIntervalMs(1000)).toBe(333);
    expect(heartbeatIntervalMs(600)).toBe(250);
  });

  it('renews on that cadence while the lease is held, and never aborts', async () => {
    const renew = scripted([]);
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 3000, renew });
    heartbeat.start();
    expect(renew).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(999);
    expect(renew).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(renew).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(9000);
    expect(renew).toHaveBeenCalledTimes(10);
    expect(heartbeat.signal.aborted).toBe(false);
    heartbeat.stop();
  });

  it('uses the 250 ms floor for short TTLs', async () => {
    const renew = scripted([]);
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 300, renew });
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(renew).toHaveBeenCalledTimes(4);
    heartbeat.stop();
  });

  it('stops renewing on stop(), and start() twice runs one timer', async () => {
    const renew = scripted([]);
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 3000, renew });
    heartbeat.start();
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(renew).toHaveBeenCalledTimes(2);
    heartbeat.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renew).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
    expect(heartbeat.signal.aborted).toBe(false);
  });

  it('aborts with a LeaseLostError when the lease was taken over (not a LeaseUnrenewedError)', async () => {
    const renew = scripted([true, false]);
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 3000, renew });
    const onAbort = vi.fn();
    heartbeat.signal.addEventListener('abort', onAbort);
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(heartbeat.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(heartbeat.signal.aborted).toBe(true);
    expect(onAbort).toHaveBeenCalledTimes(1);
    expect(isLeaseLostError(heartbeat.signal.reason)).toBe(true);
    expect((heartbeat.signal.reason as Error).message).toBe('lease of job j was taken over');
    expect(isLeaseUnrenewedError(heartbeat.signal.reason)).toBe(false);
    heartbeat.stop();
  });

  it('retries failed renewals, and aborts once the lease went unrenewed for a whole TTL', async () => {
    const failure = new Error('connection refused');
    const renew = scripted([], failure);
    const onRenewError = vi.fn();
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 3000, renew, onRenewError });
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(renew).toHaveBeenCalledTimes(2);
    expect(onRenewError).toHaveBeenCalledTimes(2);
    expect(onRenewError).toHaveBeenCalledWith(failure);
    expect(heartbeat.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(heartbeat.signal.aborted).toBe(true);
    expect(isLeaseLostError(heartbeat.signal.reason)).toBe(true);
    // Not taken over: the queue runs it again (runOutcome), unlike a lease another run took.
    expect(isLeaseUnrenewedError(heartbeat.signal.reason)).toBe(true);
    expect((heartbeat.signal.reason as Error).message).toBe('lease of job j could not be renewed');
    heartbeat.stop();
  });

  it('aborts after a whole TTL when renewals hang without failing (a database that neither answers nor refuses)', async () => {
    const renew = vi.fn(() => new Promise<boolean>(() => undefined));
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 3000, renew });
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(2999);
    expect(heartbeat.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(heartbeat.signal.aborted).toBe(true);
    expect(isLeaseUnrenewedError(heartbeat.signal.reason)).toBe(true);
    heartbeat.stop();
  });

  it('counts the whole TTL from the last successful renewal', async () => {
    const failure = new Error('timeout');
    // Beats at +1 s fail, +2 s succeed, then fail from +3 s on.
    const renew = scripted([failure, true], failure);
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 3000, renew });
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(renew).toHaveBeenCalledTimes(4);
    expect(heartbeat.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(heartbeat.signal.aborted).toBe(true);
    expect((heartbeat.signal.reason as Error).message).toBe('lease of job j could not be renewed');
    heartbeat.stop();
  });

  it('ignores a renewal answer that arrives after stop()', async () => {
    let answer!: (held: boolean) => void;
    const renew = vi.fn(() => new Promise<boolean>((resolve) => { answer = resolve; }));
    const heartbeat = new LeaseHeartbeat({ jobId: 'j', ttlMs: 3000, renew });
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(renew).toHaveBeenCalledTimes(1);
    heartbeat.stop();
    answer(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(heartbeat.signal.aborted).toBe(false);
  });

  it('runs on an injected clock and timer', async () => {
    vi.useRealTimers();
    let now = 50_000;
    let beat: (() => void) | null = null;
    const intervals: number[] = [];
    const clock: HeartbeatClock = {
      now: () => now,
      setInterval: (callback, ms) => { beat = callback; intervals.push(ms); return 'timer'; },
      clearInterval: (handle) => { if (handle === 'timer') beat = null; },
    };
    const renew = scripted([true], new Error('down'));
    const heartbeat = new LeaseHeartbeat({ jobId: 'k', ttlMs: 900, renew, clock });
    heartbeat.start();
    expect(intervals).toEqual([300]);
    const tick = async (ms: number) => { now += ms; beat?.(); await Promise.resolve(); await Promise.resolve(); };
    await tick(300); // renewed at 50 300
    await tick(300); // fails, 300 ms unrenewed
    await tick(599); // fails, 899 ms unrenewed
    expect(heartbeat.signal.aborted).toBe(false);
    await tick(1); // fails, 900 ms unrenewed: a whole TTL
    expect(heartbeat.signal.aborted).toBe(true);
    expect((heartbeat.signal.reason as Error).message).toBe('lease of job k could not be renewed');
    heartbeat.stop();
    expect(beat).toBeNull();
  });
});
