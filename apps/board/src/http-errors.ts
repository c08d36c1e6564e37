import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { isNotFoundError } from '@syncframe/engine';
import type { Logger } from '@syncframe/engine';
import { isRedisUnavailableError } from '@syncframe/fleet';
import { isDatabaseUnavailableError } from '@syncframe/linkindex';
import { isConflictNotOpenError, isJobDisabledError, isRemoteSideError } from './errors/index.js';

/** The JSON every API error answers with. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** An error as HTTP sees it. */
export interface HttpProblem {
  readonly status: number;
  /** Stable, machine-readable: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `job_disabled`, … */
  readonly code: string;
  /** Safe to show: never a credential, never a stack. */
  readonly message: string;
  /** True for errors nobody planned for (a 500): logged with their details. */
  readonly unexpected: boolean;
}

const problem = (status: number, code: string, message: string, unexpected = false): HttpProblem => ({ status, code, message, unexpected });

/** 401 for requests without a valid token or session. */
export const UNAUTHORIZED = problem(401, 'unauthorized', 'authentication required: send "Authorization: Bearer <token>" or log in at /login');
/** 403 for cookie-authenticated writes that do not come from the board's own pages. */
export const CSRF_REFUSED = problem(403, 'forbidden', 'cross-site request refused: missing or invalid CSRF token or same-origin proof');
/** 403 for the metrics token anywhere but `GET /metrics`. */
export const METRICS_TOKEN_SCOPE = problem(403, 'forbidden', 'the metrics token only grants GET /metrics');
/** 404 for a path no route serves. */
export const NO_SUCH_ROUTE = problem(404, 'not_found', 'no such route');

function zodMessage(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** body-parser's errors carry `type` and a 4xx `status`. */
function bodyParserProblem(err: unknown): HttpProblem | null {
  if (typeof err !== 'object' || err === null || !('type' in err)) return null;
  const { type, status } = err as { type: unknown; status?: unknown };
  if (type === 'entity.parse.failed') return problem(400, 'bad_request', 'the body is not valid JSON');
  if (type === 'entity.too.large') return problem(413, 'payload_too_large', 'the body is too large');
  if (typeof status === 'number' && status >= 400 && status < 500) return problem(status, 'bad_request', 'the body could not be read');
  return null;
}

/**
 * The one place where errors become HTTP statuses (bull-board's `errors.ts` pattern): handlers
 * throw named errors and never pick a status themselves.
 */
export function httpProblemOf(err: unknown): HttpProblem {
  if (err instanceof z.ZodError) return problem(400, 'bad_request', zodMessage(err));
  const parsed = bodyParserProblem(err);
  if (parsed) return parsed;
  if (isNotFoundError(err)) return problem(404, 'not_found', err.message);
  if (isJobDisabledError(err)) return problem(409, 'job_disabled', err.message);
  if (isConflictNotOpenError(err)) return problem(409, 'conflict_not_open', err.message);
  if (isRemoteSideError(err)) return problem(502, 'remote_error', err.message);
  if (err instanceof Error && err.name === 'TimeoutError') return problem(504, 'timeout', 'the remote did not answer in time');
  // Fixed messages: the originals name hosts, which an operator finds in the logs instead.
  if (isDatabaseUnavailableError(err)) return problem(503, 'unavailable', 'the LinkIndex database is unavailable; try again shortly');
  if (isRedisUnavailableError(err)) return problem(503, 'unavailable', 'Redis is unavailable; try again shortly');
  return problem(500, 'internal', 'internal error; see the board logs', true);
}

/** Sends `problem` as `{"error": {"code", "message"}}`. */
export function sendProblem(res: Response, p: HttpProblem): void {
  const body: ApiErrorBody = { error: { code: p.code, message: p.message } };
  res.status(p.status).json(body);
}

/** Express error handler of the JSON API. */
export function apiErrorHandler(logger: Logger, scrub: (text: string) => string): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const p = httpProblemOf(err);
    if (p.unexpected || p.status >= 500) {
      const { name, message } = errorSummary(err);
      logger.error({ method: req.method, path: req.path, status: p.status, err: { name, message: scrub(message) } }, 'request failed');
    }
    sendProblem(res, p);
  };
}

/** Name and message of an error for a log line (pino's redaction still applies to the object). */
export function errorSummary(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}
