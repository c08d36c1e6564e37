import { AuthError, PermanentError, RateLimitedError, RetryableError } from '@syncframe/engine';
import type { AdapterCallOptions } from '@syncframe/engine';
import type { AdapterLogger } from './adapter-logger.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './adapter-wiring.js';
import type { AdapterWiringOptions } from './adapter-wiring.js';

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
 * One HTTP exchange with a remote's JSON API. Owns what every request shares: the throttle, the
 * timeout (combined with the engine's signal), the Authorization header (kept out of logs and
 * errors), debug logs, and the mapping of the statuses whose meaning never depends on the
 * operation:
 *
 * - 401/403 → `AuthError`; 429 → `RateLimitedError` (Retry-After, else the remote's penalty);
 *   5xx → `RetryableError`; any other status that is neither 2xx nor 4xx → `PermanentError`;
 * - a timeout or network error → `RetryableError`, whose `cause` is a copy holding only name,
 *   message and code (no request object can ride along);
 * - the engine's own abort (shutdown, lost lease) → its signal's reason, rethrown.
 *
 * Other 4xx statuses are returned: their meaning depends on the operation. It never retries or
 * sleeps: the engine does.
 */
export class HttpClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly logger: AdapterLogger | undefined;

  /**
   * @param rules - The remote's constant rules (one per adapter).
   * @param wiring - The side's options: `timeoutMs` (default {@link DEFAULT_REQUEST_TIMEOUT_MS}),
   *   `fetch` (default globalThis.fetch, as it is now) and `logger` are used.
   * @param config - Where and as whom to connect.
   */
  constructor(private readonly rules: RemoteHttpRules, wiring: AdapterWiringOptions, private readonly config: HttpClientConfig) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = wiring.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.fetch = wiring.fetch ?? globalThis.fetch;
    this.logger = wiring.logger;
  }

  /** Sends one request after `options.throttle.acquire(options.signal)`. */
  async send(request: HttpRequest, options: AdapterCallOptions): Promise<HttpResponse> {
    await options.throttle.acquire(options.signal);
    const where = this.config.where;
    const query = request.query?.toString();
    const url = `${this.baseUrl}${request.path}${query ? `?${query}` : ''}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.token}`, ...this.rules.headers };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const sentAt = Date.now();
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal,
      });
      text = await res.text();
    } catch (err) {
      const durationMs = Date.now() - sentAt;
      this.log(request, 'error', durationMs);
      // The engine's own abort (shutdown, lost lease) is not a remote failure: pass its reason on.
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new RetryableError(`${where}: ${request.method} ${request.path} timed out after ${this.timeoutMs} ms`);
      }
      // A copy of the network error: name, message and code only, so no request object (and
      // no Authorization header) can ride along in `cause`.
      throw new RetryableError(`${where}: ${request.method} ${request.path} failed: ${describeNetworkError(err)}`, {
        cause: sanitizedCause(err),
      });
    }
    const durationMs = Date.now() - sentAt;
    this.log(request, res.status, durationMs, res.headers);
    const body = parseJson(text);
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

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const inner = err.cause instanceof Error ? ` (${(err.cause as NodeJS.ErrnoException).code ?? err.cause.name}: ${err.cause.message})` : '';
  return `${err.message}${inner}`;
}

function sanitizedCause(err: unknown): Error {
  const copy = new Error(err instanceof Error ? err.message : String(err));
  copy.name = err instanceof Error ? err.name : 'Error';
  const code = err instanceof Error && err.cause instanceof Error ? (err.cause as NodeJS.ErrnoException).code : undefined;
  if (code) (copy as NodeJS.ErrnoException).code = code;
  return copy;
}
