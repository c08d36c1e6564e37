import express from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Router } from 'express';
import type { Logger } from '@syncframe/engine';
import { isApiToken, safeNextPath } from './auth.js';
import { isSameOrigin } from './csrf.js';
import { CSRF_REFUSED, sendProblem } from './http-errors.js';
import { renderLogin } from './page/render-login.js';
import { cspNonce } from './security-headers.js';
import type { SessionCookies } from './session-cookie.js';
import type { Signer } from './signing.js';

/** Wrong tokens allowed per client address in `LOGIN_FAILURE_WINDOW_SEC`; then login answers 429. */
export const MAX_LOGIN_FAILURES = 10;
export const LOGIN_FAILURE_WINDOW_SEC = 15 * 60;

export interface LoginRouterDeps {
  readonly signer: Signer;
  readonly apiToken: string;
  readonly sessions: SessionCookies;
  readonly logger: Logger;
}

/**
 * `GET/POST /login` and `GET/POST /logout`, outside authentication. Logging in trades the API
 * token for a signed session cookie once; the token itself is never stored in the browser.
 */
export function createLoginRouter(deps: LoginRouterDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.get('/login', (req, res) => {
    const next = safeNextPath(req.query['next']);
    if (deps.sessions.read(req)) return res.redirect(303, next);
    res.type('html').send(renderLogin({ next, nonce: cspNonce(res) }));
  });

  // Guessing the token through the form is slowed per client address (this process's memory:
  // a restart forgets, which is fine for a token of 16+ characters).
  const failures = new RateLimiterMemory({ points: MAX_LOGIN_FAILURES, duration: LOGIN_FAILURE_WINDOW_SEC });

  router.post('/login', form, async (req, res) => {
    // Login CSRF: another site must not log a browser into this board with a token it knows.
    if (!isSameOrigin(req)) return sendProblem(res, CSRF_REFUSED);
    const client = req.ip ?? 'unknown';
    const seen = await failures.get(client);
    if (seen && seen.consumedPoints >= MAX_LOGIN_FAILURES) {
      res.set('Retry-After', String(Math.ceil(seen.msBeforeNext / 1000)));
      return res.status(429).type('html').send(renderLogin({ next: '/', error: 'Too many wrong tokens; try again later.', nonce: cspNonce(res) }));
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNextPath(body['next']);
    const token = typeof body['token'] === 'string' ? body['token'] : '';
    if (!isApiToken(deps.signer, deps.apiToken, token)) {
      await failures.penalty(client);
      deps.logger.warn({ ip: req.ip }, 'board login refused: wrong token');
      return res.status(401).type('html').send(renderLogin({ next, error: 'Wrong token.', nonce: cspNonce(res) }));
    }
    deps.sessions.issue(req, res);
    deps.logger.info({ ip: req.ip }, 'board login');
    res.redirect(303, next);
  });

  // GET too, for Bull Board's menu link: a forged logout only logs someone out, and the
  // SameSite=Strict cookie is not even sent with a cross-site request.
  const logout: express.RequestHandler = (req, res) => {
    if (req.method === 'POST' && !isSameOrigin(req)) return sendProblem(res, CSRF_REFUSED);
    deps.sessions.end(req, res);
    res.redirect(303, '/login');
  };
  router.get('/logout', logout);
  router.post('/logout', form, logout);
  return router;
}
