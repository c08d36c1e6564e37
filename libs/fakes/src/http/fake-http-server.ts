import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { maxInWindow } from '../max-in-window.js';

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
  /** Only requests whose path (without the query) matches. */
  readonly path?: RegExp;
  /**
   * A body sent as is instead of JSON (e.g. a truncated or malformed JSON text, with a 200):
   * replaces `body`, keeps the JSON content type unless `headers` says otherwise.
   */
  readonly rawBody?: string;
}

/** One request a fake received, as it answered it. */
export interface FakeHttpRequest {
  /** Clock time at arrival: when the request's headers arrived, before its body was read. */
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

/** Response latency: every response waits a uniformly random time in [minMs, maxMs] (real time). */
export interface FakeLatency {
  readonly minMs: number;
  readonly maxMs: number;
}

/** What a fake's limiter sees of an authenticated request when its headers arrive (its body is not read yet). */
export interface FakeArrivalInfo {
  /** Clock time at arrival (`clock.now()` in the `request` event). */
  readonly at: number;
  readonly method: string;
  /** The request URL, parsed (pathname, searchParams). */
  readonly url: URL;
  /** The request target as sent (path and query). */
  readonly rawUrl: string;
  /** The request's bearer token: one of the fake's tokens. */
  readonly token: string;
}

/** A fake limiter's decision about a request, taken synchronously at its arrival. */
export interface FakeArrivalVerdict {
  /**
   * The limiter scopes the request counted against (or was refused by), for the reports
   * (`arrivals`, `peakInWindow`). Never a raw token: use an index or a hash.
   * @defaultValue []
   */
  readonly scopes?: readonly string[];
  /** Headers for every reply to this request, rejection included (e.g. X-RateLimit-* computed at arrival). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A rejection (e.g. 429) decided at arrival: the request is not admitted (not counted), its body
   * is still read, then this is sent instead of routing it. Undefined: the request is admitted.
   */
  readonly reject?: {
    readonly status: number;
    readonly body: unknown;
    readonly headers?: Readonly<Record<string, string>>;
  };
}

/** One arrival as the fake's limiter saw it (every request but file downloads, plus simulated foreign usage). */
export interface FakeArrival {
  /** Clock time at arrival. */
  readonly at: number;
  /** The limiter scopes it counted against or was refused by (empty for unauthenticated requests). */
  readonly scopes: readonly string[];
  /**
   * The limiter counted it: authenticated, and not rejected at arrival. Whatever it was answered
   * afterwards (404, 422, an injected fault, a hang) it stays counted.
   */
  readonly admitted: boolean;
  /** The status answered; 0 until answered, when no response was sent, and for foreign usage. */
  readonly status: number;
  /** Requests another client of the same token sent (the fake's `addForeignUsage`), not received here. */
  readonly foreign?: true;
}

/** One authenticated request with a parsed JSON body, handed to the fake's routes. */
export interface FakeExchange {
  /** Clock time at arrival (headers received). */
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
  /** Headers sent with every later reply to this request; starts with the arrival verdict's `headers`. */
  readonly replyHeaders: Record<string, string>;
  /** Logs the request and sends a JSON response (no body for 204 or `undefined`). */
  reply(status: number, body: unknown, headers?: Readonly<Record<string, string>>): void;
  /**
   * Answers a write that was already applied, unless `loseNextWriteResponse` asked to drop its
   * connection, or `failAfterApply` to answer it with an error status instead.
   */
  replyToWrite(status: number, body: unknown): void;
  /** Answers with the next queued fault matching the method and path, when there is one; says whether it did. */
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
  /** Requests below this path prefix are file downloads: answered 200 with `text`, no token needed, not counted. */
  readonly files?: { readonly prefix: string; readonly text: string };
  readonly unauthorizedBody: unknown;
  /** Answer to a body that is not JSON (status 400). */
  readonly invalidJsonBody: unknown;
  /**
   * Delay before each response (uniform per request, real time, not the clock). Changeable with
   * `setLatency`. @defaultValue undefined (answer at once)
   */
  readonly latency?: FakeLatency;
  /**
   * The remote's limiter, called synchronously in the `request` event (when the headers arrive,
   * before the body is read, so in arrival order) for every authenticated request that is not a
   * file download, hung ones included. It counts the request or rejects it; see {@link FakeArrivalVerdict}.
   * @defaultValue undefined (every authenticated request is admitted, under no scope)
   */
  onArrival?(arrival: FakeArrivalInfo): FakeArrivalVerdict | undefined;
  /** The body of a fault that gives none. */
  faultBody(status: number): unknown;
  /** The remote's error answer to an error thrown by `handle` (undefined: not an API error, a 500). */
  errorReply?(err: unknown): { readonly status: number; readonly body: unknown } | undefined;
  /** The body of the 500 sent when `handle` fails otherwise. */
  internalErrorBody(err: unknown): unknown;
  /** Routes one request. Anything not answered through the exchange gets no response. */
  handle(exchange: FakeExchange): void | Promise<void>;
}

/** A running fake: its URL, request log, arrival reports, fault and latency controls, and shutdown. */
export interface FakeHttpServer<R extends FakeHttpRequest = FakeHttpRequest> {
  /** Base URL to pass as the adapter's `api_url`. */
  readonly url: string;
  /** Requests in the order they were answered (or hung, or dropped). */
  readonly requests: R[];
  /** Arrivals in arrival order, as the limiter counted them (see {@link FakeArrival}). */
  readonly arrivals: FakeArrival[];
  /** Responses sent from a rejection decided at arrival (the limiter's 429s); faults are not counted. */
  readonly rateLimited: number;
  /**
   * The most admitted arrivals in any closed window [t, t + windowMs] (a remote that counts
   * inclusively sees them all in one window), of `scope` when given, otherwise of every scope.
   * Foreign usage is left out unless `includeForeign`.
   */
  peakInWindow(windowMs: number, scope?: string, options?: { readonly includeForeign?: boolean }): number;
  /** Replaces the response latency (undefined: answer at once). */
  setLatency(latency: FakeLatency | undefined): void;
  /** Stops the server, dropping hung, delayed and kept-alive connections. */
  close(): Promise<void>;
  /**
   * The next `times` requests (with `method`, when given) fail with `status`. Where in a request's
   * checks a fault applies is the fake's choice (`FakeExchange.replyWithFault`); rate limits come first.
   */
  fail(fault: FakeFault): void;
  /** The next write is applied, then its connection is destroyed before any response (after the latency). */
  loseNextWriteResponse(): void;
  /**
   * The next `times` writes are applied, then each is answered with `status` (e.g. a 502 or 504 of
   * a gateway that lost the remote's answer) and the fake's usual body for it, not the write's
   * result. Pending lost responses (`loseNextWriteResponse`) go first. @param times - @defaultValue 1
   */
  failAfterApply(status: number, times?: number): void;
  /** The next request to arrive gets no response at all (until `close`); its limiter still counts it. */
  hangNext(): void;
}

/**
 * Sliding-window logs per limiter scope, counted the way a remote counts arrivals: a request at
 * `at` shares its window with every earlier admitted request at `t >= at - windowMs` (a closed
 * window, so two requests exactly `windowMs` apart count together). Plus a lockout per scope.
 */
export class FakeRateWindows {
  private readonly logs = new Map<string, { times: number[]; lockedUntil: number }>();

  private log(scope: string): { times: number[]; lockedUntil: number } {
    let log = this.logs.get(scope);
    if (!log) this.logs.set(scope, (log = { times: [], lockedUntil: -Infinity }));
    return log;
  }

  /** How many admitted requests of `scope` a request at `at` shares its window with: those at `t >= at - windowMs` (older ones are dropped). */
  count(scope: string, at: number, windowMs: number): number {
    const log = this.log(scope);
    log.times = log.times.filter((t) => t >= at - windowMs);
    return log.times.length;
  }

  /** Counts an admitted request of `scope` at `at`. */
  add(scope: string, at: number): void {
    this.log(scope).times.push(at);
  }

  /** Whether `scope` is locked out at `at` (locked while `at < until`). */
  locked(scope: string, at: number): boolean {
    return at < this.log(scope).lockedUntil;
  }

  /** Locks `scope` out until `until` (exclusive). */
  lock(scope: string, until: number): void {
    this.log(scope).lockedUntil = until;
  }

  /** Forgets every window and lockout. */
  clear(): void {
    this.logs.clear();
  }
}

/** A token's scope name for the reports: its index among the fake's tokens, never the token. */
export function tokenScope(tokens: readonly string[], token: string): string {
  return `token:${tokens.indexOf(token)}`;
}

function checkLatency(latency: FakeLatency | undefined): FakeLatency | undefined {
  if (latency && !(latency.minMs >= 0 && latency.maxMs >= latency.minMs)) {
    throw new Error(`latency needs 0 <= minMs <= maxMs, got ${latency.minMs}..${latency.maxMs}`);
  }
  return latency;
}

/** A response body sent as is, not as JSON (a fault's `rawBody`). */
class RawBody {
  constructor(readonly text: string) {}
}

type MutableArrival = { -readonly [P in keyof FakeArrival]: FakeArrival[P] };

/** What the `request` event learnt of a request, before its body. */
interface Arrived {
  readonly at: number;
  readonly method: string;
  readonly rawUrl: string;
  readonly url: URL;
  readonly authorization: string | undefined;
  readonly file: boolean;
  readonly hang: boolean;
  /** Set when the token is one of the fake's. */
  readonly token: string | undefined;
  readonly verdict: FakeArrivalVerdict | undefined;
  /** `onArrival` threw (answered 500 once the body is read). */
  readonly arrivalError: { readonly err: unknown } | undefined;
  readonly arrival: MutableArrival | undefined;
}

/**
 * Starts a `node:http` server on 127.0.0.1 with what every remote's fake shares: request parsing
 * (query, JSON body), bearer-token auth, a request log, JSON responses stamped with the clock's
 * `Date`, an arrival-time limiter hook with reports, response latency, and fault injection
 * (canned failures, hung requests, writes whose response is lost).
 *
 * When the headers arrive (synchronously, in arrival order): the arrival time, `hangNext`, the
 * token, and `options.onArrival` (the limiter). Once the body is read: file downloads, hangs,
 * the arrival rejection, JSON body (400), token (401), then `options.handle`, which decides where
 * faults apply (`replyWithFault`) relative to its own checks. Every response then waits the latency.
 */
export async function startFakeHttpServer<K extends string>(
  options: FakeHttpServerOptions<K>,
): Promise<FakeHttpServer<FakeHttpRequestWith<K>>> {
  const { clock } = options;
  const tokens = new Set(options.tokens);
  const requests: FakeHttpRequestWith<K>[] = [];
  const arrivals: MutableArrival[] = [];
  const faults: { fault: FakeFault; left: number }[] = [];
  let loseWrites = 0;
  const failedWrites: number[] = [];
  let hangs = 0;
  let rateLimited = 0;
  let latency = checkLatency(options.latency);
  const hung: ServerResponse[] = [];
  const timers = new Set<NodeJS.Timeout>();

  /** Runs `action` (which answers `res`) after the latency, unless the connection is gone by then. */
  function deliver(res: ServerResponse, action: () => void): void {
    const delay = latency ? latency.minMs + Math.random() * (latency.maxMs - latency.minMs) : 0;
    if (delay <= 0) return action();
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed && !res.headersSent) action();
    }, delay);
    timers.add(timer);
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>): void {
    res.statusCode = status;
    res.setHeader('Date', new Date(clock.now()).toUTCString());
    const raw = body instanceof RawBody;
    const empty = !raw && (status === 204 || body === undefined);
    if (!empty) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.end(raw ? body.text : empty ? undefined : JSON.stringify(body));
  }

  /** Handles a request whose body has been read; `answered.done` is set once it is answered, dropped or hung. */
  async function handle(req: Arrived, res: ServerResponse, raw: string, answered: { done: boolean }): Promise<void> {
    const { at, method, rawUrl, url, authorization, arrival, verdict, token } = req;
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    let body: unknown;
    let status = 200;
    const replyHeaders: Record<string, string> = { ...(verdict?.headers ?? {}) };
    const log = (count: number | undefined) => {
      answered.done = true;
      if (arrival) arrival.status = status;
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
      const headers = { ...replyHeaders, ...h };
      deliver(res, () => send(res, s, b, headers));
    };

    if (req.file) {
      log(undefined);
      deliver(res, () => {
        res.statusCode = 200;
        res.end(options.files?.text);
      });
      return;
    }
    let invalidJson = false;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      invalidJson = true;
    }
    if (req.hang) {
      status = 0;
      log(undefined);
      hung.push(res);
      return;
    }
    if (req.arrivalError) throw req.arrivalError.err;
    if (verdict?.reject) {
      rateLimited++;
      return reply(verdict.reject.status, verdict.reject.body, verdict.reject.headers ?? {});
    }
    if (invalidJson) return reply(400, options.invalidJsonBody);
    if (token === undefined) return reply(401, options.unauthorizedBody);

    const exchange: FakeExchange = {
      at, method, url, rawUrl, body, token, replyHeaders,
      count: undefined,
      reply: (s, b, h) => reply(s, b, h, exchange.count),
      replyToWrite: (s, b) => {
        if (loseWrites > 0) {
          loseWrites--;
          status = 0;
          log(exchange.count);
          // The write is applied; after the latency its response is lost with the connection.
          deliver(res, () => res.socket?.destroy());
          return;
        }
        if (failedWrites.length > 0) {
          // The write is applied; its answer is an error status instead of its result.
          const failStatus = failedWrites.shift()!;
          reply(failStatus, options.faultBody(failStatus), {}, exchange.count);
          return;
        }
        reply(s, b, {}, exchange.count);
      },
      replyWithFault: () => {
        const index = faults.findIndex((f) =>
          (f.fault.method === undefined || f.fault.method === method) && (f.fault.path === undefined || f.fault.path.test(url.pathname)));
        if (index < 0) return false;
        const f = faults[index]!;
        if (--f.left <= 0) faults.splice(index, 1);
        const faultBody = f.fault.rawBody !== undefined ? new RawBody(f.fault.rawBody) : f.fault.body ?? options.faultBody(f.fault.status);
        reply(f.fault.status, faultBody, { ...(f.fault.headers ?? {}) }, exchange.count);
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

  /** The `request` event: everything decided when the headers arrive, synchronously and in arrival order. */
  function arrive(req: IncomingMessage): Arrived {
    const at = clock.now();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const authorization = req.headers.authorization;
    const base = { at, method, rawUrl, url, authorization };
    if (options.files && url.pathname.startsWith(options.files.prefix)) {
      return { ...base, file: true, hang: false, token: undefined, verdict: undefined, arrivalError: undefined, arrival: undefined };
    }
    const hang = hangs > 0;
    if (hang) hangs--;
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const token = bearer !== undefined && tokens.has(bearer) ? bearer : undefined;
    let verdict: FakeArrivalVerdict | undefined;
    let arrivalError: { err: unknown } | undefined;
    if (token !== undefined) {
      try {
        verdict = options.onArrival?.({ at, method, url, rawUrl, token });
      } catch (err) {
        arrivalError = { err };
      }
    }
    const arrival: MutableArrival = {
      at,
      scopes: verdict?.scopes ?? [],
      admitted: token !== undefined && arrivalError === undefined && verdict?.reject === undefined,
      status: 0,
    };
    arrivals.push(arrival);
    return { ...base, file: false, hang, token, verdict, arrivalError, arrival };
  }

  const server = createServer((req, res) => {
    let arrived: Arrived | { readonly err: unknown };
    try {
      arrived = arrive(req);
    } catch (err) {
      arrived = { err };
    }
    const chunks: Buffer[] = [];
    const answered = { done: false };
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined); // the client went away mid-body: nothing to answer
    req.on('end', () => {
      const fail = (err: unknown) => {
        if (!answered.done && !res.headersSent) {
          answered.done = true;
          if (!('err' in arrived) && arrived.arrival) arrived.arrival.status = 500;
          deliver(res, () => send(res, 500, options.internalErrorBody(err), {}));
        }
      };
      if ('err' in arrived) return fail(arrived.err);
      handle(arrived, res, Buffer.concat(chunks).toString('utf8'), answered).catch(fail);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    arrivals,
    get rateLimited() {
      return rateLimited;
    },
    peakInWindow: (windowMs, scope, opts = {}) =>
      maxInWindow(
        arrivals
          .filter((a) => a.admitted && (opts.includeForeign === true || a.foreign !== true) && (scope === undefined || a.scopes.includes(scope)))
          .map((a) => a.at),
        windowMs,
      ),
    setLatency: (next) => {
      latency = checkLatency(next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
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
    failAfterApply: (status, times = 1) => {
      for (let i = 0; i < times; i++) failedWrites.push(status);
    },
    hangNext: () => {
      hangs++;
    },
  };
}
