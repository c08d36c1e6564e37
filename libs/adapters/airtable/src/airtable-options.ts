import { DEFAULT_REQUEST_TIMEOUT_MS } from '@syncframe/adapter-kit';
import type { AdapterWiringOptions } from '@syncframe/adapter-kit';
import type { ThrottleSettings } from '@syncframe/engine';
import { AIRTABLE_MAX_BATCH } from './airtable-limits.js';


/**
 * Options of one Airtable side of a job. The config layer validates these exact keys; the
 * wiring options (`AdapterWiringOptions`: `jobId` … `logger`) are set by the worker, never by
 * the config file.
 */
export interface AirtableSideOptions extends AdapterWiringOptions {
  /** Table name or id (`tbl…`). Ids survive renames, so prefer them. */
  readonly table: string;
  readonly creds: {
    /** Personal access token or OAuth token. Never logged, never in an error. */
    readonly apiKey: string;
    /** `app…`; not a secret (it is the rate-limit key). */
    readonly baseId: string;
  };
  /** Replaces `https://api.airtable.com` (fakes, proxies). @defaultValue 'https://api.airtable.com' */
  readonly api_url?: string;
  /** Let Airtable convert strings and create missing select options. @defaultValue false */
  readonly typecast?: boolean;
  /**
   * A `lastModifiedTime` field to filter and sort on. With it, pulls are ordered and every page
   * advances the cursor, and `updatedAt` is exact. Without it the adapter filters on
   * `LAST_MODIFIED_TIME()`, which Airtable can neither sort on nor return, so the cursor moves
   * only at the end of a pull and `updatedAt` falls back to `createdTime`.
   * @defaultValue undefined (use `LAST_MODIFIED_TIME()`)
   */
  readonly last_modified_field?: string;
  /** A checkbox field: checked = deleted. Deletes check it; checked records are pulled as deleted. */
  readonly soft_delete_field?: string;
  /** Delete ops DELETE the record (when `soft_delete_field` is not set). @defaultValue false */
  readonly hard_delete?: boolean;
}

/** Airtable's documented limits: 5 requests per second per base, 10 records per write. */
export const AIRTABLE_DEFAULT_THROTTLE: ThrottleSettings = Object.freeze({ max_reqs: 5, interval_sec: 1, batch_size: AIRTABLE_MAX_BATCH });

/**
 * Airtable's second limit: 50 requests per second for all traffic of one token, whatever base it
 * reaches. Every base's side shares it (keyed by a hash of the token, never the token).
 */
export const AIRTABLE_TOKEN_LIMIT = Object.freeze({ max_reqs: 50, interval_sec: 1 });

/** What Airtable says a client must wait after a 429 when no Retry-After comes with it. */
export const AIRTABLE_RATE_LIMIT_PENALTY_MS = 30_000;

export { AIRTABLE_MAX_BATCH };

export const AIRTABLE_DEFAULT_API_URL = 'https://api.airtable.com';
export const AIRTABLE_DEFAULT_TIMEOUT_MS = DEFAULT_REQUEST_TIMEOUT_MS;
