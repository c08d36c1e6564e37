import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingLog } from '@syncframe/engine';
import { maxInWindow } from '@syncframe/test-kit';
import { seededRandom } from '@syncframe/test-kit';

/**
 * A discrete-event model of clients sharing one limit, as the fleet does through Redis: every
 * client wants to send without pause (saturated demand). After its permit is granted it needs a
 * dispatch lag (sometimes an event-loop stall) to get its request on the wire; the permit is
 * stamped a little after that (the stamp command's round trip); the request arrives after a
 * forward delay; the answer comes back after the server's time. Some requests fail before they
 * reach the wire and are cancelled. The remote counts arrivals in closed windows of W.
 */
interface Model {
  readonly maxReqs: number;
  readonly windowMs: number;
  readonly marginMs: number;
  readonly clients: number;
  /** Stamp at admission instead of at the wire (the old limiter), for the negative control. */
  readonly stampAtAdmission?: boolean;
  readonly durationMs: number;
  readonly rand: () => number;
  /** Base forward delay and its jitter (uniform in [base, base + jitter]). */
  readonly forwardMs: number;
  readonly forwardJitterMs: number;
  /** Chance of a stall between admission and wire, and its length range. */
  readonly stallChance: number;
  readonly stallMs: readonly [number, number];
  readonly serverMs: readonly [number, number];
  readonly cancelChance: number;
}

interface Outcome {
  readonly arrivals: number[];
  readonly sent: number;
}

function simulate(m: Model): Outcome {
  const log = new SlidingLog({ key: 'sim', max_reqs: m.maxReqs, interval_sec: m.windowMs / 1000, margin_ms: m.marginMs });
  const events: { at: number; seq: number; run: () => void }[] = [];
  let seq = 0;
  let now = 0;
  const at = (t: number, run: () => void) => events.push({ at: t, seq: seq++, run });
  const between = ([lo, hi]: readonly [number, number]) => lo + m.rand() * (hi - lo);
  const arrivals: number[] = [];
  let ids = 0;
  let sent = 0;
  const pendingWaiters: (() => void)[] = [];
  const wakeWaiters = () => {
    for (const w of pendingWaiters.splice(0)) at(now, w);
  };

  const attempt = () => {
    if (now >= m.durationMs) return;
    const r = log.check(now);
    if (!r.admitted) {
      if (r.waitMs === null) pendingWaiters.push(attempt);
      else at(now + r.waitMs, attempt);
      return;
    }
    const id = `r${ids++}`;
    log.hold(now, id);
    if (m.stampAtAdmission) log.stamp(now, id);
    const lag = 0.5 + (m.rand() < m.stallChance ? between(m.stallMs) : 0);
    const wire = now + lag;
    if (m.rand() < m.cancelChance) {
      at(wire, () => {
        if (!m.stampAtAdmission) log.cancel(id);
        wakeWaiters();
        attempt();
      });
      return;
    }
    at(wire + m.rand() * 2, () => {
      if (!m.stampAtAdmission) log.stamp(now, id);
      wakeWaiters();
    });
    const arrival = wire + m.forwardMs + m.rand() * m.forwardJitterMs;
    arrivals.push(arrival);
    sent++;
    at(arrival + between(m.serverMs) + m.forwardMs, attempt);
  };

  for (let c = 0; c < m.clients; c++) at(m.rand() * 50, attempt);
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const e = events.shift()!;
    now = Math.max(now, e.at);
    e.run();
  }
  return { arrivals, sent };
}

const scenario = fc.record({
  seed: fc.integer(),
  maxReqs: fc.integer({ min: 1, max: 12 }),
  marginMs: fc.integer({ min: 5, max: 60 }),
  clients: fc.integer({ min: 1, max: 16 }),
  forwardMs: fc.integer({ min: 0, max: 80 }),
  stallChance: fc.double({ min: 0, max: 0.2, noNaN: true }),
  stallMax: fc.integer({ min: 0, max: 1500 }),
  serverMax: fc.integer({ min: 1, max: 800 }),
  cancelChance: fc.double({ min: 0, max: 0.2, noNaN: true }),
});

describe('SlidingLog (property)', () => {
  it('never lets more than max_reqs arrive in any closed window, whatever the lag, stalls and latency, while forward jitter stays under the margin', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 0.99, noNaN: true }), (s, jitterShare) => {
        const windowMs = 1000;
        const out = simulate({
          ...s, windowMs, durationMs: 20_000, rand: seededRandom(s.seed),
          forwardJitterMs: s.marginMs * jitterShare,
          stallMs: [20, 20 + s.stallMax], serverMs: [0, s.serverMax],
        });
        expect(maxInWindow(out.arrivals, windowMs)).toBeLessThanOrEqual(s.maxReqs);
      }),
      { numRuns: 150 },
    );
  });

  it('reaches at least 95 % of the ceiling with enough requests in flight, whatever the latency', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 600 }), (seed, maxReqs, serverMax) => {
        const durationMs = 60_000;
        const out = simulate({
          maxReqs, windowMs: 1000, marginMs: 25, clients: maxReqs * 2, durationMs, rand: seededRandom(seed),
          forwardMs: 10, forwardJitterMs: 5, stallChance: 0, stallMs: [0, 0], serverMs: [0, serverMax], cancelChance: 0,
        });
        const rate = out.sent / (durationMs / 1000);
        expect(rate / maxReqs).toBeGreaterThanOrEqual(0.95);
      }),
      { numRuns: 40 },
    );
  });

  it('negative controls: the checker catches a limiter that stamps at admission, and forward jitter beyond the margin', () => {
    const base = {
      maxReqs: 5, windowMs: 1000, clients: 10, durationMs: 60_000, forwardMs: 10,
      stallMs: [20, 300] as const, serverMs: [50, 400] as const, cancelChance: 0,
    };
    // The old limiter: counted at admission, no margin; event-loop stalls bunch requests up on the wire.
    const admission = simulate({ ...base, rand: seededRandom(7), marginMs: 0, forwardJitterMs: 3, stallChance: 0.05, stampAtAdmission: true });
    expect(maxInWindow(admission.arrivals, 1000)).toBeGreaterThan(5);
    // Wire stamps with a margin, but the network's jitter is far beyond it.
    const jittery = simulate({ ...base, rand: seededRandom(7), marginMs: 10, forwardJitterMs: 400, stallChance: 0 });
    expect(maxInWindow(jittery.arrivals, 1000)).toBeGreaterThan(5);
    // The same load within the design's assumptions stays under the limit.
    const safe = simulate({ ...base, rand: seededRandom(7), marginMs: 25, forwardJitterMs: 20, stallChance: 0.05 });
    expect(maxInWindow(safe.arrivals, 1000)).toBeLessThanOrEqual(5);
  });
});
