import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, RetryableError } from '@syncframe/engine';
import { HttpClient, isUnreachableHostError } from '../src/index.js';
import type { AdapterWiringOptions, RemoteHttpRules } from '../src/index.js';
import { caught, expectNoSecret, freeThrottle, memoryLogger } from '@syncframe/test-kit';

const TOKEN = 'stub-token-secret-0123456789';
const PASSWORD = 'ProxyPassw0rd';
const RULES: RemoteHttpRules = {
  remote: 'stub',
  rateLimitPenaltyMs: 1_000,
  authHint: 'check the token',
  describeError: (status) => ({ detail: String(status), cause: { status } }),
};
/** A throttle whose acquire ignores the signal (a throttle may resolve just as the run aborts). */
const deafThrottle = () => ({ acquire: async () => ({ sent: () => {}, cancel: () => {} }), pause: async () => {} });
const client = (baseUrl: string, wiring: AdapterWiringOptions = {}) =>
  new HttpClient(RULES, { timeoutMs: 2_000, ...wiring }, { baseUrl, token: TOKEN, where: 'stub side "s" of job "j"' });

/** A server that answers every request after `delayMs` with `{ method, n }` (n counts requests), 201 for a POST. */
interface Stub {
  url: string;
  received: string[];
  /** Resolves when the next request has arrived. */
  arrival(): Promise<void>;
}
let server: Server | undefined;
async function stub(delayMs: number): Promise<Stub> {
  const received: string[] = [];
  let onArrival: (() => void) | undefined;
  server = createServer((req, res) => {
    received.push(req.method ?? '?');
    onArrival?.();
    req.resume();
    setTimeout(() => {
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, n: received.length }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    arrival: () => new Promise<void>((resolve) => (onArrival = resolve)),
  };
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

describe('HttpClient: the run signal', () => {
  it('a write in flight is not cancelled by the run signal: its result is returned; a later write is not sent', async () => {
    const s = await stub(200);
    const http = client(s.url);
    const run = new AbortController();
    const arrived = s.arrival();
    const write = http.send({ method: 'POST', path: '/things', body: { a: 1 } }, { throttle: freeThrottle(), signal: run.signal });
    await arrived;
    run.abort(new Error('SIGTERM: grace period over'));
    const res = await write;
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ method: 'POST', n: 1 });

    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE'] as const) {
      const err = await caught(http.send({ method, path: '/things', body: { a: 2 } }, { throttle: deafThrottle(), signal: run.signal }));
      expect(err.message).toBe('SIGTERM: grace period over');
    }
    expect(s.received).toEqual(['POST']);
  });

  it('a read in flight is cancelled by the run signal, with its reason', async () => {
    const s = await stub(200);
    const http = client(s.url);
    const run = new AbortController();
    const arrived = s.arrival();
    const read = http.send({ method: 'GET', path: '/things' }, { throttle: freeThrottle(), signal: run.signal });
    await arrived;
    const reason = new Error('lease lost');
    run.abort(reason);
    expect(await caught(read)).toBe(reason);
    expect(await caught(http.send({ method: 'GET', path: '/things' }, { throttle: deafThrottle(), signal: run.signal }))).toBe(reason);
    expect(s.received).toEqual(['GET']);
  });

  it('a write still times out', async () => {
    const s = await stub(500);
    const http = client(s.url, { timeoutMs: 100 });
    const run = new AbortController();
    const err = await caught(http.send({ method: 'PATCH', path: '/things', body: {} }, { throttle: freeThrottle(), signal: run.signal }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toMatch(/timed out after 100 ms/);
  });
});

describe('HttpClient: URLs with credentials', () => {
  it("a network error's message (which may hold the URL) is never copied into the error or a log", async () => {
    const s = await stub(0);
    const logger = memoryLogger();
    // Node's own error for a URL with userinfo: "Request cannot be constructed from a URL that includes credentials: http://…"
    const withCredentials: typeof fetch = (input, init) => fetch(String(input).replace('http://', `http://proxyuser:${PASSWORD}@`), init);
    const http = client(s.url, { fetch: withCredentials, logger });
    const err = await caught(http.send({ method: 'GET', path: '/things' }, { throttle: freeThrottle() }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toBe('stub side "s" of job "j": GET /things failed: network error (TypeError)');
    expectNoSecret(err, PASSWORD);
    expectNoSecret(err, 'proxyuser');
    expect(JSON.stringify(logger.lines)).not.toContain(PASSWORD);
  });

  it('a connection failure is described by its code', async () => {
    const s = await stub(0);
    const url = s.url;
    server!.close();
    server = undefined;
    const err = await caught(client(url).send({ method: 'GET', path: '/things' }, { throttle: freeThrottle() }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toMatch(/GET \/things failed: network error \(TypeError: ECONNREFUSED\)$/);
    expect(err.cause).toMatchObject({ name: 'TypeError', code: 'ECONNREFUSED' });
  });

  it('a base URL with a user name or password is refused, without showing it', () => {
    let err: Error | undefined;
    try {
      client(`http://proxyuser:${PASSWORD}@127.0.0.1:9`);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain('http://***@127.0.0.1:9');
    expectNoSecret(err!, PASSWORD);
    expectNoSecret(err!, 'proxyuser');
  });
});

describe('HttpClient: when a request counts against the rate limit', () => {
  /** A throttle that logs what happened to its permits, in order, with the server's arrivals. */
  function recordingThrottle(events: string[]) {
    return {
      acquire: async () => ({ sent: () => void events.push('sent'), cancel: () => void events.push('cancelled') }),
      pause: async () => undefined,
    };
  }

  it('its permit is stamped when the headers reach the socket, before the server has answered', async () => {
    const s = await stub(150);
    const events: string[] = [];
    const arrived = s.arrival().then(() => void events.push('arrived'));
    const res = client(s.url).send({ method: 'POST', path: '/things', body: { a: 1 } }, { throttle: recordingThrottle(events) });
    await arrived;
    // The server holds its answer for 150 ms: the stamp came from the wire, not from the response.
    expect(events).toEqual(['sent', 'arrived']);
    expect((await res).status).toBe(201);
    expect(events).toEqual(['sent', 'arrived']);
  });

  it('a request that never reached a socket gives its slot back', async () => {
    const s = await stub(0);
    const url = s.url;
    server!.close();
    server = undefined;
    const events: string[] = [];
    await caught(client(url).send({ method: 'GET', path: '/things' }, { throttle: recordingThrottle(events) }));
    expect(events).toEqual(['cancelled']);
  });

  it('a run aborted while waiting for its turn sends nothing and gives its slot back', async () => {
    const s = await stub(0);
    const events: string[] = [];
    const run = new AbortController();
    run.abort(new Error('stop'));
    const options = { throttle: recordingThrottle(events), signal: run.signal };
    expect((await caught(client(s.url).send({ method: 'POST', path: '/things', body: {} }, options))).message).toBe('stop');
    expect(events).toEqual(['cancelled']);
    expect(s.received).toEqual([]);
  });

  it('with a fetch whose wire time cannot be seen, the permit is stamped when the answer arrives (later is safe)', async () => {
    const s = await stub(0);
    const events: string[] = [];
    const wrapped: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      events.push('answered');
      return res;
    };
    await client(s.url, { fetch: wrapped }).send({ method: 'GET', path: '/things' }, { throttle: recordingThrottle(events) });
    expect(events).toEqual(['answered', 'sent']);
  });

  it('a failed request that may have arrived keeps its stamp', async () => {
    const s = await stub(0);
    const events: string[] = [];
    const failing: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    await caught(client(s.url, { fetch: failing }).send({ method: 'GET', path: '/things' }, { throttle: recordingThrottle(events) }));
    expect(events).toEqual(['sent']);
  });
});

describe('HttpClient: a success whose body is not JSON', () => {
  it('is a RetryableError that names the request, never an empty answer, and does not show the body', async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"records": [{"id": "recSECRETBODY');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const err = await caught(client(`http://127.0.0.1:${port}`).send({ method: 'GET', path: '/list' }, { throttle: freeThrottle() }));
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/GET \/list → 200 with a body that is not JSON \(\d+ bytes\)/);
    expect((err as Error).message).not.toContain('SECRETBODY');
  });
});

describe('isUnreachableHostError', () => {
  it('is true for a refused connection or a name that does not resolve, false for a timeout or a 5xx', async () => {
    const s = await stub(0);
    const url = s.url;
    server!.close();
    server = undefined;
    expect(isUnreachableHostError(await caught(client(url).send({ method: 'GET', path: '/x' }, { throttle: freeThrottle() })))).toBe(true);
    const nowhere = await caught(client('http://no-such-host.invalid').send({ method: 'GET', path: '/x' }, { throttle: freeThrottle() }));
    expect(isUnreachableHostError(nowhere)).toBe(true);
    const slow = await stub(1_000);
    expect(isUnreachableHostError(await caught(client(slow.url, { timeoutMs: 50 }).send({ method: 'GET', path: '/x' }, { throttle: freeThrottle() })))).toBe(false);
    expect(isUnreachableHostError(new RetryableError('503'))).toBe(false);
  });
});
