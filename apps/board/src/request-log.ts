import type { RequestHandler } from 'express';
import type { Clock, Logger } from '@syncframe/engine';

/**
 * One log line per request: method, path (without its query string), status and duration. No
 * header, cookie or body is ever logged, so neither the token nor a session can leak this way.
 */
export function requestLog(logger: Logger, clock: Clock): RequestHandler {
  return (req, res, next) => {
    const started = clock.now();
    const method = req.method;
    const path = req.originalUrl.split('?')[0] ?? '/';
    res.on('finish', () => {
      logger.info({ method, path, status: res.statusCode, ms: clock.now() - started }, 'request');
    });
    next();
  };
}
