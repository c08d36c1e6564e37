import { AuthError, ConfigError, PermanentError, RateLimitedError, RetryableError, SEND_DEADLINE_MS } from '@syncframe/engine';
import type { AdapterCallOptions, Logger, ThrottlePermit } from '@syncframe/engine';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './adapter-wiring.js';
import type { AdapterWiringOptions } from './adapter-wiring.js';
import { withWireTime } from './wire-time.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request to a remote's REST API. */
export interface HttpRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, already encoded, without query. It is logged: it must hold no secret. */
  readonly path: string;
  /** Never logged (it may hold values). */
  readonly query?: URLSearchParams;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** A response the caller maps itself: 2xx, or a 4xx other than 401/403/429. */
export interface HttpResponse {
  readonly status: number;
  /** Parsed JSON; the raw text when it is not JSON; null when empty. */
  readonly body: unknown;
  readonly headers: Headers;
  /** When the request was sent and how long it took (local clock), for a cursor's settle cap. */
  readonly sentAt: number;
  readonly durationMs: number;
}

/** A remote's error body, reduced for a message and an error's `cause`. */
export interface RemoteErrorSummary {
  /** Put after the arrow in messages: the status first, e.g. `422 INVALID_VALUE_FOR_COLUMN: …`. */
  readonly detail: string;
  /** The thrown error's `cause`: plain data from the response body, never a header. */
  readonly cause: Readonly<Record<string, unknown>>;
}

/** What differs between remotes in the exchange every request shares. One constant per adapter. */
export interface RemoteHttpRules {
  /** The remote's name in debug logs: `{ remote, method, path, status, durationMs }`, message `<remote> request`. */
  readonly remote: string;
  /** Headers sent with every request besides Authorization (and Content-Type when there is a body). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait after a 429 that carries no usable `Retry-After`. */
  readonly rateLimitPenaltyMs: number;
  /** What to check after a 401/403, e.g. `check the token's scopes and site`. */
  readonly authHint: string;
  /** Reads the remote's error body. */
  describeError(status: number, body: unknown): RemoteErrorSummary;
  /** Extra fields for the debug log of a response (from its headers; never a secret). */
  logFields?(headers: Headers): Readonly<Record<string, unknown>>;
  /**
   * How many more requests the remote takes now, when its response says so (Webflow:
   * `X-RateLimit-Remaining`): the throttle then counts requests that others sent with the same account.
   */
  remoteRemaining?(headers: Headers): number | undefined;
}

/** One side's connection to its remote. */
export interface HttpClientConfig {
  /** Trailing slashes are ignored. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; never logged, never in an error. */
  readonly token: string;
  /** Who is calling, for messages: e.g. `airtable side "crm" of job "j1"`. Holds no secret. */
  readonly where: string;
}

/**
 * One HTTP exchange with a remote's JSON API. Owns what every request shares: the throttle (its
 * permit is stamped when the headers reach the socket, see `withWireTime`), the timeout, the engine's signal, the Authorization header (kept out of logs and errors), debug
 * logs, and the mapping of the statuses whose meaning never depends on the operation:
 *
 * - 401/403 → `AuthError`; 429 → `RateLimitedError` (Retry-After, else the remote's penalty);
 *   5xx → `RetryableError`; any other status that is neither 2xx nor 4xx → `PermanentError`;
 * - a timeout or network error → `RetryableError` described by a fixed text and the error's
 *   name and code only: a network error's own message may hold the URL (and a password in it),
 *   so it is never copied, and no request object can ride along in `cause`;
 * - the engine's own abort (shutdown, lost lease) → its signal's reason, rethrown. A read is
 *   cancelled in flight; a write (any other method) is not sent once the signal has aborted, but
 *   once sent it runs to its end (or its timeout) and its result is returned: cancelling it
 *   could lose the result of a write the remote already committed, and a retry would repeat it.
 *
 * Other 4xx statuses are returned: their meaning depends on the operation. It never retries or
 * sleeps: the engine does.
 */
export class HttpClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  /** The built-in fetch shows when a request is on the wire; another fetch (tests) does not. */
  private readonly wireObserved: boolean;
  private readonly logger: Logger | undefined;

  /**
   * @param rules - The remote's constant rules (one per adapter).
   * @param wiring - The side's options: `timeoutMs` (default {@link DEFAULT_REQUEST_TIMEOUT_MS}),
   *   `fetch` (default globalThis.fetch, as it is now) and `logger` are used.
   * @param config - Where and as whom to connect.
   */
  constructor(private readonly rules: RemoteHttpRules, wiring: AdapterWiringOptions, private readonly config: HttpClientConfig) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    // fetch refuses such a URL on every request, and its message would show the password.
    if (hasUserinfo(this.baseUrl)) {
      throw new ConfigError(`${config.where}: the API URL must not hold a user name or password (${redactUrl(this.baseUrl)})`);
    }
    this.timeoutMs = wiring.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.fetch = wiring.fetch ?? globalThis.fetch;
    this.wireObserved = wiring.fetch === undefined;
    this.logger = wiring.logger;
  }

  /**
   * Sends one request after `options.throttle.acquire(options.signal)`. An aborted signal
   * stops it before it is sent; afterwards it cancels a GET but not a write (see the class).
   */
  async send(request: HttpRequest, options: AdapterCallOptions): Promise<HttpResponse> {
    const permit = await options.throttle.acquire(options.signal);
    const onWire = onceSent(permit);
    if (options.signal?.aborted) {
      permit.cancel();
      options.signal.throwIfAborted();
    }
    const where = this.config.where;
    const query = request.query?.toString();
    const url = `${this.baseUrl}${request.path}${query ? `?${query}` : ''}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    // Not on the wire in time: give the request up before its permit stops counting as pending.
    // (Only where the wire can be seen: elsewhere a slow answer would look like a request never sent.)
    const sendDeadline = new AbortController();
    const deadlineTimer = this.wireObserved
      ? setTimeout(() => {
        if (!onWire.done) sendDeadline.abort();
      }, SEND_DEADLINE_MS)
      : undefined;
    const cancellable = request.method === 'GET';
    const signal = AbortSignal.any([timeout, sendDeadline.signal, ...(options.signal && cancellable ? [options.signal] : [])]);
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.token}`, ...this.rules.headers };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const sentAt = Date.now();
    let res: Response;
    let text: string;
    try {
      const init: RequestInit = {
        method: request.method,
        headers,
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal,
      };
      res = this.wireObserved ? await withWireTime(onWire, () => this.fetch(url, init)) : await this.fetch(url, init);
      // Where the wire could not be seen, the response's arrival is a safe (late) stamp.
      onWire();
      text = await res.text();
    } catch (err) {
      // A request never written to the socket reached nobody; any other may have arrived.
      if (this.wireObserved && !onWire.done) permit.cancel();
      else onWire();
      const durationMs = Date.now() - sentAt;
      this.log(request, 'error', durationMs);
      // The engine's own abort (shutdown, lost lease) is not a remote failure: pass its reason on.
      // (A write is not cancelled by it: whatever ended the write is reported below.)
      if (cancellable && options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new RetryableError(`${where}: ${request.method} ${request.path} timed out after ${this.timeoutMs} ms`);
      }
      if (sendDeadline.signal.aborted) {
        throw new RetryableError(`${where}: ${request.method} ${request.path} was not sent within ${SEND_DEADLINE_MS} ms of its turn`);
      }
      // Name and code only: the error's message may hold the URL (with a password in it), and
      // its request object the Authorization header.
      throw new RetryableError(`${where}: ${request.method} ${request.path} failed: ${describeNetworkError(err)}`, {
        cause: sanitizedCause(err),
      });
    } finally {
      clearTimeout(deadlineTimer);
    }
    const remaining = this.rules.remoteRemaining?.(res.headers);
    if (remaining !== undefined) options.throttle.reportRemoteRemaining?.(remaining);
    const durationMs = Date.now() - sentAt;
    this.log(request, res.status, durationMs, res.headers);
    const body = parseJson(text);
    if (res.ok && typeof body === 'string') {
      // A success whose body is not JSON (cut short, or a proxy's page): the request may well succeed
      // when tried again, and must never read as an empty answer. The body itself is not shown.
      throw new RetryableError(`${where}: ${request.method} ${request.path} → ${res.status} with a body that is not JSON (${text.length} bytes)`);
    }
    if (res.ok || (res.status >= 400 && res.status < 500 && ![401, 403, 429].includes(res.status))) {
      return { status: res.status, body, headers: res.headers, sentAt, durationMs };
    }
    const { detail, cause } = this.rules.describeError(res.status, body);
    const what = `${where}: ${request.method} ${request.path} → ${detail}`;
    if (res.status === 401 || res.status === 403) {
      throw new AuthError(`${what} (${this.rules.authHint}; the token itself is not shown)`, { cause });
    }
    if (res.status === 429) throw new RateLimitedError(what, retryAfterMs(res.headers, this.rules.rateLimitPenaltyMs), { cause });
    if (res.status >= 500) throw new RetryableError(what, { cause });
    throw new PermanentError(what, { cause });
  }

  private log(request: HttpRequest, status: number | 'error', durationMs: number, headers?: Headers): void {
    const logger = this.logger;
    if (!logger) return;
    // Method, path, status and duration only: never headers, never the query (it may hold values).
    const remote = this.rules.remote;
    const extra = headers && this.rules.logFields ? this.rules.logFields(headers) : {};
    logger.debug({ remote, method: request.method, path: request.path, status, durationMs, ...extra }, `${remote} request`);
  }
}

/** Network error codes that say the host is not there at all, rather than briefly unwell. */
const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'ECONNREFUSED']);

/**
 * Whether a request failed because its host does not resolve or refuses connections: retrying in
 * a few seconds rarely helps (no network, a wrong `api_url`), so a person at a terminal is better
 * told at once. A fleet keeps retrying (a DNS blip, a proxy restarting).
 */
export function isUnreachableHostError(err: unknown): boolean {
  if (!(err instanceof RetryableError)) return false;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

/** A permit's `sent`, callable many times (the first counts), that remembers whether it was called. */
function onceSent(permit: ThrottlePermit): (() => void) & { done: boolean } {
  const mark = Object.assign(() => {
    if (mark.done) return;
    mark.done = true;
    permit.sent();
  }, { done: false });
  return mark;
}

/** `Retry-After` as ms (seconds or an HTTP date), else `fallbackMs`. */
export function retryAfterMs(headers: Headers, fallbackMs: number): number {
  const raw = headers.get('retry-after');
  if (!raw) return fallbackMs;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : fallbackMs;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Only names and codes are kept from a network error: its message, and its cause's, may hold the URL. */
const SAFE_TOKEN = /^[A-Za-z0-9_.-]{1,64}$/;

function errorName(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  return SAFE_TOKEN.test(name) ? name : 'Error';
}

/** The code of the error or of its cause (undici puts ECONNREFUSED, UND_ERR_SOCKET… on the cause). */
function errorCode(err: unknown): string | undefined {
  for (const e of [err, err instanceof Error ? err.cause : undefined]) {
    const code = (e as { code?: unknown } | null | undefined)?.code;
    if (typeof code === 'string' && SAFE_TOKEN.test(code)) return code;
  }
  return undefined;
}

/** `network error (TypeError: ECONNREFUSED)`: a fixed text, the error's name and code; never its message. */
function describeNetworkError(err: unknown): string {
  const code = errorCode(err);
  return `network error (${errorName(err)}${code ? `: ${code}` : ''})`;
}

/** A stand-in for the network error as `cause`: the fixed description, its name and code, no stack. */
function sanitizedCause(err: unknown): Error {
  const copy = new Error(describeNetworkError(err));
  copy.name = errorName(err);
  const code = errorCode(err);
  if (code) (copy as NodeJS.ErrnoException).code = code;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

/** True when the URL holds a user name or password (`https://user:pass@host`). */
function hasUserinfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
  }
}

/** The URL without its user name and password, for a message or a log. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return `${parsed.protocol}//***@${parsed.href.slice(parsed.protocol.length + 2)}`;
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
  }
}
