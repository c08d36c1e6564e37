import type { ThrottleSettings } from '@syncframe/engine';

/** A pino-compatible logger (only the levels the adapter uses). Optional everywhere. */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Options of one Webflow side of a job. The config layer validates these exact keys; the wiring
 * options (`jobId` … `logger`) are set by the worker.
 */
export interface WebflowSideOptions {
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

  /** Job id, for error messages and logs. */
  readonly jobId?: string;
  /** The side's key in the job's `sides`, for error messages and logs. */
  readonly sideName?: string;
  /** Per-request timeout in ms. @defaultValue 30000 */
  readonly timeoutMs?: number;
  /** HTTP client. @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
  readonly logger?: AdapterLogger;
}

/** Webflow's lowest plan limit (60 requests per minute per token) and its 100-item bulk writes. */
export const WEBFLOW_DEFAULT_THROTTLE: ThrottleSettings = Object.freeze({ max_reqs: 60, interval_sec: 60, batch_size: 100 });

/** Items per bulk request that Webflow accepts. */
export const WEBFLOW_MAX_BATCH = 100;

/** Webflow's usual Retry-After on 429, used when the header is missing. */
export const WEBFLOW_RATE_LIMIT_PENALTY_MS = 60_000;

export const WEBFLOW_DEFAULT_API_URL = 'https://api.webflow.com';
export const WEBFLOW_DEFAULT_TIMEOUT_MS = 30_000;
