import { DEFAULT_REQUEST_TIMEOUT_MS } from '@syncframe/adapter-kit';
import type { AdapterWiringOptions } from '@syncframe/adapter-kit';
import type { ThrottleSettings } from '@syncframe/engine';
import { WEBFLOW_MAX_BATCH } from './webflow-limits.js';


/**
 * Options of one Webflow side of a job. The config layer validates these exact keys; the wiring
 * options (`AdapterWiringOptions`: `jobId` … `logger`) are set by the worker.
 */
export interface WebflowSideOptions extends AdapterWiringOptions {
  /**
   * The collection: its 24-hex id, or its slug or display name together with `creds.site_id`
   * (resolved lazily, once, through `GET /v2/sites/{site_id}/collections`).
   */
  readonly collection: string;
  readonly creds: {
    /** Site token or OAuth token with cms:read and cms:write. Never logged, never in an error. */
    readonly token: string;
    /** Needed only when `collection` is a slug or name. */
    readonly site_id?: string;
  };
  /** Replaces `https://api.webflow.com`. @defaultValue 'https://api.webflow.com' */
  readonly api_url?: string;
  /**
   * `staged`: write the staged items (they reach the site at its next publish; created items are
   * queued with `isDraft: false`). `live`: use the `/items/live` endpoints, so writes are published at once.
   * @defaultValue 'staged'
   */
  readonly publish?: 'live' | 'staged';
  /** `false`: a delete archives the item (`isArchived: true`); `true`: it is DELETEd. @defaultValue false */
  readonly hard_delete?: boolean;
}

/** Webflow's lowest plan limit (60 requests per minute per token) and its 100-item bulk writes. */
export const WEBFLOW_DEFAULT_THROTTLE: ThrottleSettings = Object.freeze({ max_reqs: 60, interval_sec: 60, batch_size: WEBFLOW_MAX_BATCH });

/** Webflow's usual Retry-After on 429, used when the header is missing. */
export const WEBFLOW_RATE_LIMIT_PENALTY_MS = 60_000;

export { WEBFLOW_MAX_BATCH };

export const WEBFLOW_DEFAULT_API_URL = 'https://api.webflow.com';
export const WEBFLOW_DEFAULT_TIMEOUT_MS = DEFAULT_REQUEST_TIMEOUT_MS;
