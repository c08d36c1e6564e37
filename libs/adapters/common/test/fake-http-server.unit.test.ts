/** The fakes' shared plumbing: arrival-time limiter hook, inclusive windows, reports, latency. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeRateWindows, startFakeHttpServer, tokenScope } from '@syncframe/fakes';
import { manualClock, rawApi, slowRequest } from '@syncframe/test-kit';
import type { FakeArrivalInfo, FakeArrivalVerdict, FakeExchange, FakeHttpServer, FakeHttpServerOptions } from '@syncframe/fakes';

const TOKEN = 'tok-secret-value-0123456789';

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const api = rawApi(() => fake!.url, TOKEN);

/** A fake whose limiter is `onArrival` and whose one route echoes the exchange's arrival time. */
async function start(
  onArrival?: (a: FakeArrivalInfo) => FakeArrivalVerdict | undefined,
  extra: Partial<FakeHttpServerOptions<'n'>> = {},
) {
  const handled: FakeExchange[] = [];
  const clock = manualClock('2026-03-01T10:00:00.000Z');
  fake = await startFakeHttpServer({
    clock,
    tokens: [TOKEN],
    countField: 'n',
    unauthorizedBody: { error: 'unauthorized' },
    invalidJsonBody: { error: 'json' },
    faultBody: () => ({ error: 'fault' }),
    internalErrorBody: () => ({ error: 'internal' }),
    ...(onArrival ? { onArrival } : {}),
    handle: (ex) => {
      handled.push(ex);
      if (ex.replyWithFault()) return;
      if (ex.method === 'POST') return ex.replyToWrite(200, { at: ex.at, body: ex.body });
      ex.reply(200, { at: ex.at });
    },
    ...extra,
  });
  return { clock, handled, t0: clock.t };
}

describe('FakeRateWindows', () => {
  it('counts a closed window: a request exactly windowMs after another shares its window, 1 ms later it does not', () => {
    const w = new FakeRateWindows();
    w.add('s', 0);
    expect(w.count('s', 1000, 1000)).toBe(1);
    expect(w.count('s', 1001, 1000)).toBe(0);
    expect(w.count('other', 0, 1000)).toBe(0);
  });

  it('locks a scope until (not including) the given time', () => {
    const w = new FakeRateWindows();
    expect(w.locked('s', 0)).toBe(false);
    w.lock('s', 500);
    expect(w.locked('s', 499)).toBe(true);
    expect(w.locked('s', 500)).toBe(false);
    w.clear();
    expect(w.locked('s', 499)).toBe(false);
  });

  it('names a token by its index, never by its value', () => {
    expect(tokenScope(['a', TOKEN], TOKEN)).toBe('token:1');
  });
});

describe('startFakeHttpServer', () => {
  it('calls onArrival when the headers arrive, before the body; the exchange and the log keep the arrival time', async () => {
    const seen: FakeArrivalInfo[] = [];
    const { clock, handled, t0 } = await start((a) => {
      seen.push(a);
      return { scopes: ['s'] };
    });
    const slow = slowRequest(`${fake!.url}/things?x=1`, TOKEN, { name: 'slow' });
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 5_000 });
    expect(seen[0]).toMatchObject({ at: t0, method: 'POST', rawUrl: '/things?x=1', token: TOKEN });
    expect(handled).toHaveLength(0); // the body is not complete: not routed yet
    expect(fake!.arrivals).toEqual([{ at: t0, scopes: ['s'], admitted: true, status: 0 }]);

    clock.advance(5_000);
    slow.finish();
    const res = await slow.response;
    expect(res).toMatchObject({ status: 200, body: { at: t0, body: { name: 'slow' } } });
    expect(fake!.requests[0]).toMatchObject({ at: t0, status: 200, body: { name: 'slow' } });
    expect(fake!.arrivals[0]!.status).toBe(200);
  });

  it('decides in arrival order: a request whose headers came first is counted first, though its body ends last', async () => {
    const order: string[] = [];
    const { handled } = await start((a) => {
      order.push(a.url.pathname);
      return undefined;
    });
    const slow = slowRequest(`${fake!.url}/first`, TOKEN, { k: 1 });
    await vi.waitFor(() => expect(order).toEqual(['/first']), { timeout: 5_000 });
    expect((await api('GET', '/second')).status).toBe(200);
    slow.finish();
    expect((await slow.response).status).toBe(200);
    expect(order).toEqual(['/first', '/second']);
    expect(handled.map((h) => h.url.pathname)).toEqual(['/second', '/first']);
  });

  it('sends a rejection decided at arrival once the body is read, with the verdict headers; counts it in rateLimited, not as admitted', async () => {
    let refuse = false;
    const { handled } = await start(() =>
      refuse
        ? { scopes: ['s'], headers: { 'X-Used': 'all' }, reject: { status: 429, body: { error: 'slow down' }, headers: { 'Retry-After': '9' } } }
        : { scopes: ['s'], headers: { 'X-Used': 'some' } },
    );
    const ok = await api('GET', '/a');
    expect(ok.headers.get('x-used')).toBe('some');
    refuse = true;
    const slow = slowRequest(`${fake!.url}/b`, TOKEN, { k: 1 });
    await vi.waitFor(() => expect(fake!.arrivals).toHaveLength(2), { timeout: 5_000 });
    slow.finish();
    const limited = await slow.response;
    expect(limited).toMatchObject({ status: 429, body: { error: 'slow down' } });
    expect(limited.headers['retry-after']).toBe('9');
    expect(limited.headers['x-used']).toBe('all');
    expect(handled).toHaveLength(1); // the rejected request was never routed
    expect(fake!.rateLimited).toBe(1);
    expect(fake!.arrivals.map((a) => [a.admitted, a.status])).toEqual([[true, 200], [false, 429]]);
    expect(fake!.requests.at(-1)).toMatchObject({ status: 429, body: { k: 1 } });
  });

  it('does not call onArrival for unauthenticated requests; they are not admitted', async () => {
    const seen: FakeArrivalInfo[] = [];
    await start((a) => {
      seen.push(a);
      return undefined;
    });
    expect((await api('GET', '/a', undefined, null)).status).toBe(401);
    expect((await api('GET', '/a', undefined, 'wrong')).status).toBe(401);
    expect(seen).toHaveLength(0);
    expect(fake!.arrivals.map((a) => [a.admitted, a.status])).toEqual([[false, 401], [false, 401]]);
  });

  it('peakInWindow: the most admitted arrivals in a closed window, per scope or overall; rejected ones left out', async () => {
    const { clock, t0 } = await start((a) => {
      const scope = a.url.pathname.slice(1);
      return scope === 'rejected' ? { scopes: ['a'], reject: { status: 429, body: {} } } : { scopes: [scope] };
    });
    const at = async (offset: number, path: string) => {
      clock.set(t0 + offset);
      await api('GET', path);
    };
    await at(0, '/a');
    await at(1000, '/a'); // exactly 1000 ms later: same closed window
    await at(1000, '/b');
    await at(1000, '/a');
    await at(1500, '/rejected');
    await at(1500, '/rejected');
    await at(2001, '/a');
    // 0, 1000, 1000 in [0, 1000]; a half-open window would say 2, counting the two 429s at 1500 would say 4.
    expect(fake!.peakInWindow(1000, 'a')).toBe(3);
    expect(fake!.peakInWindow(999, 'a')).toBe(2);
    expect(fake!.peakInWindow(1000, 'b')).toBe(1);
    expect(fake!.peakInWindow(1000)).toBe(4); // every scope: 0, 1000 (a), 1000 (b), 1000 (a)
    expect(fake!.peakInWindow(1000, 'nope')).toBe(0);
    expect(fake!.rateLimited).toBe(2);
  });

  it('hangNext: the next arriving request is counted by the limiter but gets no response', async () => {
    await start(() => ({ scopes: ['s'] }));
    fake!.hangNext();
    const hung = await fetch(`${fake!.url}/a`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(300) }).then(
      () => 'answered',
      (err: Error) => err.name,
    );
    expect(hung).toBe('TimeoutError');
    expect(fake!.arrivals[0]).toMatchObject({ admitted: true, status: 0 });
    expect(fake!.requests[0]).toMatchObject({ status: 0 });
    expect((await api('GET', '/b')).status).toBe(200);
    expect(fake!.peakInWindow(1000, 's')).toBe(2);
  });

  it('failAfterApply: the next writes are applied, then answered with the status and the fault body; reads are untouched', async () => {
    const { handled } = await start();
    fake!.failAfterApply(502);
    fake!.failAfterApply(504, 2);
    expect((await api('GET', '/r')).status).toBe(200); // a read: not one of the failed writes
    const answers: { status: number; body: unknown }[] = [];
    for (let k = 1; k <= 4; k++) {
      const res = await api('POST', '/w', { k });
      answers.push({ status: res.status, body: res.body });
    }
    expect(answers.map((a) => a.status)).toEqual([502, 504, 504, 200]);
    expect(answers[0]!.body).toEqual({ error: 'fault' });
    expect(answers[3]!.body).toMatchObject({ body: { k: 4 } });
    // Every write was routed (applied) before its error answer.
    expect(handled.filter((h) => h.method === 'POST').map((h) => h.body)).toEqual([{ k: 1 }, { k: 2 }, { k: 3 }, { k: 4 }]);
    expect(fake!.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([502, 504, 504, 200]);
  });

  it('a fault with rawBody sends that text as is (e.g. malformed JSON with a 200), only on a matching path', async () => {
    await start();
    fake!.fail({ status: 200, rawBody: '{"records": [{"id": "rec', method: 'GET', path: /^\/a$/ });
    expect((await api('GET', '/b')).body).toMatchObject({ at: expect.any(Number) }); // another path: not faulted
    const res = await fetch(`${fake!.url}/a`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.text()).toBe('{"records": [{"id": "rec');
    expect((await api('GET', '/a')).body).toMatchObject({ at: expect.any(Number) });
  });

  it('waits the latency before each response (real time); a lost write response still means the write landed', async () => {
    const { handled } = await start(undefined, { latency: { minMs: 150, maxMs: 200 } });
    const started = performance.now();
    expect((await api('GET', '/a')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140); // a generous lower bound, no upper bound

    fake!.setLatency({ minMs: 100, maxMs: 100 });
    fake!.loseNextWriteResponse();
    const lostStart = performance.now();
    const lost = await api('POST', '/w', { k: 1 }).then(() => 'answered', () => 'lost');
    expect(lost).toBe('lost');
    expect(performance.now() - lostStart).toBeGreaterThanOrEqual(90);
    expect(handled.at(-1)!.body).toEqual({ k: 1 }); // processed (applied) before the delay
    expect(fake!.requests.at(-1)).toMatchObject({ method: 'POST', status: 0 });

    fake!.setLatency(undefined);
    expect((await api('GET', '/b')).status).toBe(200);
    expect(() => fake!.setLatency({ minMs: 10, maxMs: 5 })).toThrow(/minMs <= maxMs/);
  });
});
