import { randomBytes } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

const nonces = new WeakMap<Response, string>();

/** The CSP nonce of this response (for the page's inline stylesheet). */
export function cspNonce(res: Response): string {
  let nonce = nonces.get(res);
  if (!nonce) nonces.set(res, (nonce = randomBytes(16).toString('base64url')));
  return nonce;
}

/** Bull Board's UI is mounted here; it gets its own CSP. */
export const BULL_BOARD_PATH = '/board';

/**
 * helmet with two CSPs. The board's own pages run no script at all and style themselves with one
 * nonce'd `<style>`. Bull Board's UI loads its bundles from its own origin but sets inline styles
 * (its loading screen and React style props), so its CSP allows inline styles, never inline
 * scripts. It also links Google Fonts: left blocked on purpose (no operator traffic to a third
 * party); the UI falls back to system fonts.
 */
export function securityHeaders(): RequestHandler {
  const common = {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    'img-src': ["'self'", 'data:'],
  };
  const forBoard = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        ...common,
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
      },
    },
  });
  const forPages = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        ...common,
        'default-src': ["'none'"],
        'script-src': ["'none'"],
        'style-src': [(_req, res) => `'nonce-${cspNonce(res as Response)}'`],
      },
    },
  });
  return (req, res, next) => {
    const isBoard = req.path === BULL_BOARD_PATH || req.path.startsWith(`${BULL_BOARD_PATH}/`);
    (isBoard ? forBoard : forPages)(req, res, next);
  };
}

/**
 * Nothing the board serves may be kept by a shared cache or the browser's back button once logged
 * out (job state, payloads), except Bull Board's fingerprinted static bundles.
 */
export function noStore(): RequestHandler {
  return (req, res, next) => {
    if (!req.path.startsWith(`${BULL_BOARD_PATH}/static/`)) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
