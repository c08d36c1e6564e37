import type { Request, RequestHandler } from 'express';
import { authOf } from './auth.js';
import { CSRF_REFUSED, sendProblem } from './http-errors.js';
import type { Signer } from './signing.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Name of the hidden form field that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';
const PURPOSE = 'csrf';

/**
 * Whether the browser says the request comes from one of our own pages. `Sec-Fetch-Site` is set
 * by every current browser and cannot be set by scripts; older ones send `Origin` on every
 * non-GET request. A request with neither is not from a browser page and is refused: scripts
 * use the bearer token instead.
 */
export function isSameOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * CSRF defence for everything a cookie can authenticate, Bull Board's own PUT/POST calls
 * included (its UI cannot be taught to send a token): a cookie-authenticated write must come
 * from our origin. Bearer requests are exempt: a browser never attaches that header by itself.
 */
export function requireSameOriginForCookieWrites(): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (authOf(req)?.kind !== 'session') return next();
    if (isSameOrigin(req)) return next();
    return sendProblem(res, CSRF_REFUSED);
  };
}

/** Synchronizer tokens for the board's forms, bound to the login session. */
export class CsrfTokens {
  constructor(private readonly signer: Signer) {}

  /** The token to put in the forms of the page shown to `sessionId`. */
  tokenFor(sessionId: string): string {
    return this.signer.sign(PURPOSE, sessionId);
  }

  /** Whether `token` belongs to `sessionId`, in constant time. */
  verify(sessionId: string, token: unknown): boolean {
    return typeof token === 'string' && this.signer.verify(PURPOSE, sessionId, token);
  }

  /**
   * For form posts (after the body parser): a cookie session must send its token. Combined with
   * the same-origin check, a forged form fails twice.
   */
  requireToken(): RequestHandler {
    return (req, res, next) => {
      const auth = authOf(req);
      if (auth?.kind !== 'session') return next();
      const body: unknown = req.body;
      const token = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
      if (this.verify(auth.session.id, token)) return next();
      return sendProblem(res, CSRF_REFUSED);
    };
  }
}
