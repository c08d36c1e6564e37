import express from 'express';
import type { ErrorRequestHandler, Express, Request, Response } from 'express';
import { ConfigError, systemClock } from '@syncframe/engine';
import { authenticate, isBrowserNavigation } from './auth.js';
import type { BoardDeps } from './board-deps.js';
import { MIN_API_TOKEN_LENGTH } from './board-deps.js';
import { createBullBoardRouter } from './bull-board.js';
import { CsrfTokens, requireSameOriginForCookieWrites } from './csrf.js';
import { createApiRouter } from './api-router.js';
import { healthHandler } from './health.js';
import type { HttpProblem } from './http-errors.js';
import { errorSummary, httpProblemOf, NO_SUCH_ROUTE, sendProblem } from './http-errors.js';
import { createLoginRouter } from './login-router.js';
import { BoardMetrics } from './metrics.js';
import { FlashCookies } from './page/flash.js';
import { html } from './page/html.js';
import { layout } from './page/layout.js';
import { createPageRouter } from './page-router.js';
import { requestLog } from './request-log.js';
import { secretsOfConfig, SecretScrubber } from './secret-scrubber.js';
import { BULL_BOARD_PATH, cspNonce, noStore, securityHeaders } from './security-headers.js';
import { DEFAULT_SESSION_TTL_MS, SessionCookies } from './session-cookie.js';
import { Signer } from './signing.js';

/** Why a token is refused, or null when it is fit to guard the board. */
export function apiTokenProblem(token: string | undefined): string | null {
  if (token === undefined || token.trim() === '') {
    return `SYNCFRAME_API_TOKEN is not set: the board needs a token (at least ${MIN_API_TOKEN_LENGTH} characters) for its API, its page and Bull Board; generate one with \`openssl rand -hex 32\``;
  }
  if (token.length < MIN_API_TOKEN_LENGTH) {
    return `SYNCFRAME_API_TOKEN is too short (${token.length} characters): the board needs at least ${MIN_API_TOKEN_LENGTH}; generate one with \`openssl rand -hex 32\``;
  }
  return null;
}

/** Why a metrics token is refused, or null when it is fit (or not set: the metrics token is optional). */
export function metricsTokenProblem(token: string | undefined, apiToken: string): string | null {
  if (token === undefined) return null;
  if (/\s/.test(token)) return 'SYNCFRAME_METRICS_TOKEN contains whitespace: a bearer token cannot carry it';
  if (token.length < MIN_API_TOKEN_LENGTH) {
    return `SYNCFRAME_METRICS_TOKEN is too short (${token.length} characters): it needs at least ${MIN_API_TOKEN_LENGTH}; generate one with \`openssl rand -hex 32\``;
  }
  if (token === apiToken) {
    return 'SYNCFRAME_METRICS_TOKEN must differ from SYNCFRAME_API_TOKEN: the metrics token is handed to Prometheus and must not open the API';
  }
  return null;
}

/** HTML for browsers, JSON for everything else. */
function sendProblemFor(req: Request, res: Response, p: HttpProblem): void {
  if (!isBrowserNavigation(req)) return sendProblem(res, p);
  const body = html`<h2>${p.status}</h2><p>${p.message}</p><p><a href="/">Back to the board</a></p>`;
  res.status(p.status).type('html').send(layout({ title: `${p.status} · SyncFrame board`, nonce: cspNonce(res), body }).value);
}

/**
 * The board: the JSON API under `/api`, the page at `/`, Bull Board at `/board`, `/metrics`,
 * `/healthz`, and `/login`/`/logout`. Everything but `/healthz` needs the API token (bearer) or a
 * login session (cookie); cookie-authenticated writes must come from the board's own origin, and
 * the page's forms also carry a CSRF token.
 *
 * @throws ConfigError when `deps.apiToken` is missing or shorter than 16 characters, or
 * `deps.metricsToken` is given but shorter than 16 characters or equal to the API token.
 */
export function createBoardApp(deps: BoardDeps): Express {
  const tokenProblem = apiTokenProblem(deps.apiToken) ?? metricsTokenProblem(deps.metricsToken, deps.apiToken);
  if (tokenProblem) throw new ConfigError(tokenProblem);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger;
  const signer = new Signer(deps.apiToken);
  const sessions = new SessionCookies(signer, clock, deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS);
  const csrf = new CsrfTokens(signer);
  const flash = new FlashCookies(signer);
  const scrubber = new SecretScrubber(() => [...secretsOfConfig(deps.config()), deps.apiToken, ...(deps.metricsToken ? [deps.metricsToken] : [])]);
  const metrics = new BoardMetrics({
    queues: deps.queues, store: deps.store, logger, clock,
    ...(deps.metrics?.lookbackMs !== undefined ? { lookbackMs: deps.metrics.lookbackMs } : {}),
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger, clock));
  app.use(securityHeaders());
  app.use(noStore());

  // Public: probes carry no credentials.
  app.get('/healthz', healthHandler({ redis: deps.redis, store: deps.store, logger }));
  // Browsers ask for it on every page, the login page included: an empty answer rather than a 401.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use(createLoginRouter({ signer, apiToken: deps.apiToken, sessions, logger }));

  app.use(authenticate({ signer, apiToken: deps.apiToken, sessions, ...(deps.metricsToken !== undefined ? { metricsToken: deps.metricsToken } : {}) }));
  app.use(requireSameOriginForCookieWrites());
  app.get('/metrics', metrics.handler(logger));
  app.use('/api', createApiRouter({ deps, scrubber }));
  app.use(BULL_BOARD_PATH, createBullBoardRouter(deps.queues));
  app.use(createPageRouter({ deps, csrf, flash, scrubber }));

  app.use((req, res) => sendProblemFor(req, res, NO_SUCH_ROUTE));
  const lastResort: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const p = httpProblemOf(err);
    if (p.unexpected || p.status >= 500) {
      const { name, message } = errorSummary(err);
      logger.error({ method: req.method, path: req.path, status: p.status, err: { name, message: scrubber.scrub(message) } }, 'request failed');
    }
    sendProblemFor(req, res, p);
  };
  app.use(lastResort);
  return app;
}
