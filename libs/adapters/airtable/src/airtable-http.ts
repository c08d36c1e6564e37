import { AuthError, PermanentError, RateLimitedError, RetryableError } from '@syncframe/engine';
import type { AdapterCallOptions } from '@syncframe/engine';
import { parseAirtableError } from './airtable-error-body.js';
import type { AdapterLogger } from './airtable-options.js';
import { AIRTABLE_RATE_LIMIT_PENALTY_MS } from './airtable-options.js';

export interface AirtableHttpConfig {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly logger?: AdapterLogger;
  /** Who is calling, for messages: e.g. `airtable side "crm" of job "j1"`. Holds no secret. */
  readonly where: string;
}

export interface AirtableRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path below the base URL, already encoded, without query. */
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
}

/** A response the caller maps itself: 2xx, or a 4xx other than 401/403/429. */
export interface AirtableResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
  /** When the request was sent and how long it took (local clock), for the cursor's settle cap. */
  readonly sentAt: number;
  readonly durationMs: number;
}

/**
 * One HTTP exchange with Airtable. Owns what every request shares: the throttle, the timeout,
 * the Authorization header (kept out of logs and errors), debug logs, and the mapping of the
 * statuses whose meaning never depends on the operation (401/403, 429, 5xx, network).
 * It never retries or sleeps: the engine does.
 */
export class AirtableHttp {
  constructor(private readonly config: AirtableHttpConfig) {}

  async send(request: AirtableRequest, options: AdapterCallOptions): Promise<AirtableResponse> {
    await options.throttle.acquire(options.signal);
    const query = request.query?.toString();
    const url = `${this.config.baseUrl}${request.path}${query ? `?${query}` : ''}`;
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.apiKey}` };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const sentAt = Date.now();
    let res: Response;
    let text: string;
    try {
      res = await this.config.fetch(url, {
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
        throw new RetryableError(`${this.config.where}: ${request.method} ${request.path} timed out after ${this.config.timeoutMs} ms`);
      }
      // A copy of the network error: name, message and code only, so no request object (and
      // no Authorization header) can ride along in `cause`.
      throw new RetryableError(`${this.config.where}: ${request.method} ${request.path} failed: ${describeNetworkError(err)}`, {
        cause: sanitizedCause(err),
      });
    }
    const durationMs = Date.now() - sentAt;
    this.log(request, res.status, durationMs);
    const body = parseJson(text);
    if (res.ok || (res.status >= 400 && res.status < 500 && ![401, 403, 429].includes(res.status))) {
      return { status: res.status, body, headers: res.headers, sentAt, durationMs };
    }
    const error = parseAirtableError(body);
    const what = `${this.config.where}: ${request.method} ${request.path} → ${res.status}${error.type ? ` ${error.type}` : ''}${error.message ? `: ${error.message}` : ''}`;
    const cause = { status: res.status, type: error.type, message: error.message };
    if (res.status === 401 || res.status === 403) {
      throw new AuthError(`${what} (check the token's scopes and its access to base; the token itself is not shown)`, { cause });
    }
    if (res.status === 429) {
      throw new RateLimitedError(what, retryAfterMs(res.headers, AIRTABLE_RATE_LIMIT_PENALTY_MS), { cause });
    }
    if (res.status >= 500) throw new RetryableError(what, { cause });
    throw new PermanentError(what, { cause });
  }

  private log(request: AirtableRequest, status: number | 'error', durationMs: number): void {
    // Method, path, status and duration only: never headers, never the query (it may hold values).
    this.config.logger?.debug({ remote: 'airtable', method: request.method, path: request.path, status, durationMs }, 'airtable request');
  }
}

/** `Retry-After` as ms (seconds or an HTTP date), else the documented penalty. */
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
