import type { RemoteHttpRules } from '@syncframe/adapter-kit';
import { describeWebflowError, parseWebflowError } from './webflow-error-body.js';
import { WEBFLOW_RATE_LIMIT_PENALTY_MS } from './webflow-options.js';

/**
 * How the shared `HttpClient` of `@syncframe/adapter-kit` speaks to the Webflow Data API: JSON
 * `Accept`, its `{ code, message, details[] }` error bodies, a 60 s penalty after a 429 without
 * Retry-After, and logs tagged `remote: 'webflow'` that add `X-RateLimit-Remaining`.
 */
export const WEBFLOW_HTTP: RemoteHttpRules = {
  remote: 'webflow',
  headers: { Accept: 'application/json' },
  rateLimitPenaltyMs: WEBFLOW_RATE_LIMIT_PENALTY_MS,
  authHint: "check the token's scopes and site",
  describeError(status, body) {
    const error = parseWebflowError(body);
    return { detail: describeWebflowError(status, error), cause: { status, code: error.code, message: error.message } };
  },
  remoteRemaining(headers) {
    const raw = headers.get('x-ratelimit-remaining');
    const remaining = raw === null || raw.trim() === '' ? Number.NaN : Number(raw);
    return Number.isInteger(remaining) && remaining >= 0 ? remaining : undefined;
  },
  logFields(headers) {
    const remaining = headers.get('x-ratelimit-remaining');
    return remaining ? { rateLimitRemaining: Number(remaining) } : {};
  },
};
