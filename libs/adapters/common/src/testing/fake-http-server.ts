import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A canned failure for the next matching request(s). */
export interface FakeFault {
  readonly status: number;
  /** @defaultValue the fake's usual body for this status */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** @defaultValue 1 */
  readonly times?: number;
  /** Only requests with this method. */
  readonly method?: string;
}

/** One request a fake received, as it answered it. */
export interface FakeHttpRequest {
  /** Clock time at arrival. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string[]>>;
  /** The parsed JSON body (undefined when empty). */
  readonly body: unknown;
  /** 0 when no response was sent (hung, or the connection was dropped). */
  readonly status: number;
  readonly authorization?: string;
}

/** The log entry type of a fake whose entries count a request's records under `K` (e.g. `recordCount`). */
export type FakeHttpRequestWith<K extends string> = FakeHttpRequest & { readonly [P in K]?: number };

/** One authenticated request with a parsed JSON body, handed to the fake's routes. */
export interface FakeExchange {
  readonly at: number;
  readonly method: string;
  /** The request URL, parsed (pathname, searchParams). */
  readonly url: URL;
  /** The request target as sent (path and query), e.g. to check its length. */
  readonly rawUrl: string;
  /** The parsed JSON body (undefined when empty). */
  readonly body: unknown;
  /** The request's bearer token: one of the fake's tokens. */
  readonly token: string;
  /** Records or items the request carries, logged under the fake's count field when set. */
  count: number | undefined;
  /** Headers sent with every later reply to this request (e.g. X-RateLimit-*). */
  readonly replyHeaders: Record<string, string>;
  /** Logs the request and sends a JSON response (no body for 204 or `undefined`). */
  reply(status: number, body: unknown, headers?: Readonly<Record<string, string>>): void;
  /** Answers a write that was already applied, unless `loseNextWriteResponse` asked to drop its connection. */
  replyToWrite(status: number, body: unknown): void;
  /** Answers with the next queued fault matching the method, when there is one; says whether it did. */
  replyWithFault(): boolean;
}

/** What makes one remote's fake: its answers to the cases every fake shares, and its routes. */
export interface FakeHttpServerOptions<K extends string> {
  /** @defaultValue 0 (any free port) */
  readonly port?: number;
  /** Time source for arrival times and the Date header. */
  readonly clock: { now(): number };
  /** Bearer tokens the fake accepts; any other request gets 401 with `unauthorizedBody`. */
  readonly tokens: readonly string[];
  /** The log entry field that holds {@link FakeExchange.count}. */
  readonly countField: K;
  /** Requests below this path prefix are file downloads: answered 200 with `text`, no token needed. */
  readonly files?: { readonly prefix: string; readonly text: string };
  readonly unauthorizedBody: unknown;
  /** Answer to a body that is not JSON (status 400). */
  readonly invalidJsonBody: unknown;
  /** The body of a fault that gives none. */
  faultBody(status: number): unknown;
  /** The remote's error answer to an error thrown by `handle` (undefined: not an API error, a 500). */
  errorReply?(err: unknown): { readonly status: number; readonly body: unknown } | undefined;
  /** The body of the 500 sent when `handle` fails otherwise. */
  internalErrorBody(err: unknown): unknown;
  /** Routes one request. Anything not answered through the exchange gets no response. */
  handle(exchange: FakeExchange): void | Promise<void>;
}

/** A running fake: its URL, request log, fault controls and shutdown. */
export interface FakeHttpServer<R extends FakeHttpRequest = FakeHttpRequest> {
  /** Base URL to pass as the adapter's `api_url`. */
  readonly url: string;
  readonly requests: R[];
  /** Stops the server, dropping hung and kept-alive connections. */
  close(): Promise<void>;
  /**
   * The next `times` requests (with `method`, when given) fail with `status`. Where in a request's
   * checks a fault applies is the fake's choice (`FakeExchange.replyWithFault`).
   */
  fail(fault: FakeFault): void;
  /** The next write is applied, then its connection is destroyed before any response. */
  loseNextWriteResponse(): void;
  /** The next request gets no response at all (until `close`). */
  hangNext(): void;
}

/**
 * Starts a `node:http` server on 127.0.0.1 with what every remote's fake shares: request parsing
 * (query, JSON body), bearer-token auth, a request log, JSON responses stamped with the clock's
 * `Date`, and fault injection (canned failures, hung requests, writes whose response is lost).
 *
 * Order per request: file downloads, JSON body (400), `hangNext`, token (401), then
 * `options.handle`, which decides where faults apply (`replyWithFault`) relative to its own
 * checks (rate limits…).
 */
export async function startFakeHttpServer<K extends string>(
  options: FakeHttpServerOptions<K>,
): Promise<FakeHttpServer<FakeHttpRequestWith<K>>> {
  const { clock } = options;
  const tokens = new Set(options.tokens);
  const requests: FakeHttpRequestWith<K>[] = [];
  const faults: { fault: FakeFault; left: number }[] = [];
  let loseWrites = 0;
  let hangs = 0;
  const hung: ServerResponse[] = [];

  function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>): void {
    res.statusCode = status;
    res.setHeader('Date', new Date(clock.now()).toUTCString());
    const empty = status === 204 || body === undefined;
    if (!empty) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.end(empty ? undefined : JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const at = clock.now();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const authorization = req.headers.authorization;
    let body: unknown;
    let status = 200;
    const replyHeaders: Record<string, string> = {};
    const log = (count: number | undefined) => {
      const entry = {
        at, method, path: url.pathname, query, body, status,
        ...(count !== undefined ? { [options.countField]: count } : {}),
        ...(authorization !== undefined ? { authorization } : {}),
      };
      requests.push(entry as FakeHttpRequestWith<K>);
    };
    const reply = (s: number, b: unknown, h: Readonly<Record<string, string>> = {}, count?: number) => {
      status = s;
      log(count);
      send(res, s, b, { ...replyHeaders, ...h });
    };

    if (options.files && url.pathname.startsWith(options.files.prefix)) {
      log(undefined);
      res.statusCode = 200;
      res.end(options.files.text);
      return;
    }
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return reply(400, options.invalidJsonBody);
    }
    if (hangs > 0) {
      hangs--;
      status = 0;
      log(undefined);
      hung.push(res);
      return;
    }
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token || !tokens.has(token)) return reply(401, options.unauthorizedBody);

    const exchange: FakeExchange = {
      at, method, url, rawUrl, body, token, replyHeaders,
      count: undefined,
      reply: (s, b, h) => reply(s, b, h, exchange.count),
      replyToWrite: (s, b) => {
        if (loseWrites > 0) {
          loseWrites--;
          status = 0;
          log(exchange.count);
          res.socket?.destroy();
          return;
        }
        reply(s, b, {}, exchange.count);
      },
      replyWithFault: () => {
        const index = faults.findIndex((f) => f.fault.method === undefined || f.fault.method === method);
        if (index < 0) return false;
        const f = faults[index]!;
        if (--f.left <= 0) faults.splice(index, 1);
        reply(f.fault.status, f.fault.body ?? options.faultBody(f.fault.status), { ...(f.fault.headers ?? {}) }, exchange.count);
        return true;
      },
    };
    try {
      await options.handle(exchange);
    } catch (err) {
      const answer = options.errorReply?.(err);
      if (!answer) throw err;
      reply(answer.status, answer.body, {}, exchange.count);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, options.internalErrorBody(err), {});
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung.splice(0)) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    fail: (fault) => {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    loseNextWriteResponse: () => {
      loseWrites++;
    },
    hangNext: () => {
      hangs++;
    },
  };
}
