import type { Request, RequestHandler } from 'express';
import { METRICS_TOKEN_SCOPE, sendProblem, UNAUTHORIZED } from './http-errors.js';
import type { Session, SessionCookies } from './session-cookie.js';
import type { Signer } from './signing.js';

/**
 * How a request proved who it is. `metrics`: the read-only metrics token, only ever set on a
 * scrape of `/metrics` (the token is refused everywhere else).
 */
export type AuthContext =
  | { readonly kind: 'bearer' }
  | { readonly kind: 'session'; readonly session: Session }
  | { readonly kind: 'metrics' };

const contexts = new WeakMap<Request, AuthContext>();

/** The request's authentication (set by {@link authenticate}); null before it or on public routes. */
export function authOf(req: Request): AuthContext | null {
  return contexts.get(req) ?? null;
}

/** Whether `presented` is the API token, in constant time. */
export function isApiToken(signer: Signer, apiToken: string, presented: string): boolean {
  return signer.equal(presented, apiToken);
}

/** The one request the metrics token may make: a scrape, `GET /metrics` (or HEAD). */
export function isMetricsScrape(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && req.path === '/metrics';
}

/**
 * Browser navigations (a GET for HTML outside the JSON APIs) are sent to the login page; every
 * other request gets 401 JSON, which is what scripts and Bull Board's UI expect.
 */
export function isBrowserNavigation(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.path;
  if (path.startsWith('/api/') || path === '/api' || path.startsWith('/board/api/') || path === '/metrics') return false;
  return (req.headers.accept ?? '').includes('text/html');
}

/** A path to come back to after logging in: only a local path, never `//host` or a URL (no open redirect). */
export function safeNextPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (value.startsWith('/login') || value.startsWith('/logout') || /[\r\n]/.test(value) || value.length > 512) return '/';
  return value;
}

/**
 * Requires `Authorization: Bearer <token>` or a login cookie. A wrong bearer token is refused
 * outright rather than falling back to the cookie, so a misconfigured script fails loudly.
 * `metricsToken` (optional) is a second bearer token that opens `GET /metrics` and nothing else:
 * presented anywhere else it is a 403.
 */
export function authenticate(options: { signer: Signer; apiToken: string; metricsToken?: string; sessions: SessionCookies }): RequestHandler {
  const { signer, apiToken, metricsToken, sessions } = options;
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const presented = match?.[1];
      if (presented !== undefined) {
        // Both comparisons always run (constant time each), whichever token was sent.
        const api = isApiToken(signer, apiToken, presented);
        const metrics = metricsToken !== undefined && signer.equal(presented, metricsToken);
        if (api) {
          contexts.set(req, { kind: 'bearer' });
          return next();
        }
        if (metrics) {
          if (isMetricsScrape(req)) {
            contexts.set(req, { kind: 'metrics' });
            return next();
          }
          res.setHeader('WWW-Authenticate', 'Bearer realm="syncframe", error="insufficient_scope"');
          return sendProblem(res, METRICS_TOKEN_SCOPE);
        }
      }
      res.setHeader('WWW-Authenticate', 'Bearer realm="syncframe", error="invalid_token"');
      return sendProblem(res, UNAUTHORIZED);
    }
    const session = sessions.read(req);
    if (session) {
      contexts.set(req, { kind: 'session', session });
      return next();
    }
    if (isBrowserNavigation(req)) {
      return res.redirect(303, `/login?next=${encodeURIComponent(safeNextPath(req.originalUrl))}`);
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="syncframe"');
    return sendProblem(res, UNAUTHORIZED);
  };
}
