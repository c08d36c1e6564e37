import type { RemoteHttpRules } from '@syncframe/adapter-kit';
import { describeAirtableError, parseAirtableError } from './airtable-error-body.js';
import { AIRTABLE_RATE_LIMIT_PENALTY_MS } from './airtable-options.js';

/**
 * How the shared `HttpClient` of `@syncframe/adapter-kit` speaks to Airtable: its error bodies
 * (`{ error: { type, message } }` and the 429's `{ errors: [...] }`), its 30 s penalty after a
 * 429 (Airtable sends no Retry-After), and logs tagged `remote: 'airtable'`.
 */
export const AIRTABLE_HTTP: RemoteHttpRules = {
  remote: 'airtable',
  rateLimitPenaltyMs: AIRTABLE_RATE_LIMIT_PENALTY_MS,
  authHint: "check the token's scopes and its access to base",
  describeError(status, body) {
    const error = parseAirtableError(body);
    return { detail: describeAirtableError(status, error), cause: { status, type: error.type, message: error.message } };
  },
};
