import { AuthError, PermanentError, RateLimitedError, RetryableError } from '@syncframe/engine';
import type { AdapterCallOptions } from '@syncframe/engine';
import { describeWebflowError, parseWebflowError } from './webflow-error-body.js';
import type { AdapterLogger } from './webflow-options.js';
import { WEBFLOW_RATE_LIMIT_PENALTY_MS } from './webflow-options.js';

export interface WebflowHttpConfig {
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly logger?: AdapterLogger;
  /** Who is calling, for messages: e.g. `webflow side "site" of job "j1"`. Holds no secret. */
  readonly where: string;
}

export interface WebflowRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
}

/** A response the caller maps itself: 2xx, or a 4xx other than 401/403/429. */
export interface WebflowResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
  readonly sentAt: number;
  readonly durationMs: number;
}

/**
 * One HTTP exchange with the Webflow Data API: throttle, timeout, Authorization (never logged),
 * debug logs, and the statuses whose meaning never depends on the operation (401/403, 429, 5xx,
 * network). It never retries or sleeps: the engine does.
 */
export class WebflowHttp {
  constructor(private readonly config: WebflowHttpConfig) {}

  async send(request: WebflowRequest, options: AdapterCallOptions): Promise<WebflowResponse> {
    await options.throttle.acquire(options.signal);
    const query = request.query?.toString();
    const url = `${this.config.baseUrl}${request.path}${query ? `?${query}` : ''}`;
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.token}`, Accept: 'application/json' };
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
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new RetryableError(`${this.config.where}: ${request.method} ${request.path} timed out after ${this.config.timeoutMs} ms`);
      }
      throw new RetryableError(`${this.config.where}: ${request.method} ${request.path} failed: ${describeNetworkError(err)}`, {
        cause: sanitizedCause(err),
      });
    }
    const durationMs = Date.now() - sentAt;
    this.log(request, res.status, durationMs, res.headers.get('x-ratelimit-remaining'));
    const body = parseJson(text);
    if (res.ok || (res.status >= 400 && res.status < 500 && ![401, 403, 429].includes(res.status))) {
      return { status: res.status, body, headers: res.headers, sentAt, durationMs };
    }
    const error = parseWebflowError(body);
    const what = `${this.config.where}: ${request.method} ${request.path} → ${describeWebflowError(res.status, error)}`;
    const cause = { status: res.status, code: error.code, message: error.message };
    if (res.status === 401 || res.status === 403) {
      throw new AuthError(`${what} (check the token's scopes and site; the token itself is not shown)`, { cause });
    }
    if (res.status === 429) throw new RateLimitedError(what, retryAfterMs(res.headers, WEBFLOW_RATE_LIMIT_PENALTY_MS), { cause });
    if (res.status >= 500) throw new RetryableError(what, { cause });
    throw new PermanentError(what, { cause });
  }

  private log(request: WebflowRequest, status: number | 'error', durationMs: number, remaining?: string | null): void {
    // Method, path, status and duration only: never headers, never the query.
    this.config.logger?.debug(
      { remote: 'webflow', method: request.method, path: request.path, status, durationMs, ...(remaining ? { rateLimitRemaining: Number(remaining) } : {}) },
      'webflow request',
    );
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
