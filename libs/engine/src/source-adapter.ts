import type { ChangePage, Cursor, Fields, SyncRecord, TableRef } from './record.js';
import type { RateLimitScope, Throttle, ThrottleSettings } from './throttle.js';

/** What every adapter call receives from the engine. */
export interface AdapterCallOptions {
  /**
   * Every remote request first awaits `throttle.acquire(signal)`, then settles the permit: `sent()`
   * once its bytes are on the socket (or its response arrived), `cancel()` if it never left.
   */
  readonly throttle: Throttle;
  readonly signal?: AbortSignal;
}

export type WriteOp =
  | { readonly kind: 'create'; readonly fields: Fields }
  | { readonly kind: 'update'; readonly id: string; readonly fields: Fields }
  | { readonly kind: 'delete'; readonly id: string };

/**
 * The outcome of one op of a batch, in the batch's order. A record the remote rejected on its own
 * (422 for that record, a duplicate slug) is `ok: false`; the rest of the batch still counts.
 */
export type WriteResult =
  | {
      readonly ok: true;
      /**
       * The record as the remote now holds it (after a create or an update: the remote's own
       * copy, e.g. a copied attachment URL), or as it was last seen (delete). For a delete the
       * adapter sets `deleted: true`.
       */
      readonly record: SyncRecord;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * A remote table, as the engine sees it. Implementations throw the errors of `errors/`:
 * `RetryableError` (5xx, timeouts, network), `RateLimitedError` (429, with retry-after),
 * `BatchRejectedError` (the whole batch refused because of some record in it), and
 * `PermanentError` / `AuthError` for what retrying cannot fix.
 */
export interface SourceAdapter {
  /** The table this adapter reads and writes. */
  readonly ref: TableRef;
  /**
   * The API's own limits, used where the job's config gives no `throttle`
   * (Airtable: 5 per second per base, batches of 10; Webflow: 60 per minute per token, batches of 100).
   */
  readonly defaultThrottle?: ThrottleSettings;
  /**
   * The remote account whose rate limit this table shares (an Airtable base, a Webflow token's
   * hash). Never a credential. Sides with equal keys share one throttle.
   */
  readonly rateLimitKey?: string;
  /**
   * Wider limits this account's requests also count against, shared with other accounts
   * (Airtable: 50 requests per second for every base one token reaches).
   */
  readonly sharedRateLimits?: readonly RateLimitScope[];
  /**
   * Changes since `cursor`, page by page, oldest first. May repeat records already seen (an
   * overlap that never skips a change); the engine tells repeats apart by content.
   */
  pull(cursor: Cursor, options: AdapterCallOptions): AsyncIterable<ChangePage>;
  /**
   * Apply one batch of ops of one kind (at most the side's `batch_size`). A delete soft-flags or
   * hard-deletes, as the adapter is configured.
   */
  write(ops: readonly WriteOp[], options: AdapterCallOptions): Promise<WriteResult[]>;
  /**
   * The value `field` holds once the remote has stored `value`: Webflow turns the slug
   * "Bad Slug!!" into "bad-slug". `match` compares keys as the remote stores them, so a record
   * whose key the remote normalised is found again (after a lost response, or by a new store).
   * @defaultValue the value itself
   */
  storedKey?(field: string, value: string): string;
  /**
   * Records whose `field` equals one of `values` (used by the job's `match`): how the engine
   * finds a record it created when the response or the link was lost, and links two tables
   * that already hold the same items. Deleted records are not returned.
   */
  findByField(field: string, values: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]>;
  /**
   * Every record id the table holds (flagged-deleted ones included), page by page, by the cheapest
   * listing the API allows: how reconciliation finds records deleted for good. Throws when the
   * listing cannot be completed; a listing cut short must never look complete.
   */
  listIds?(options: AdapterCallOptions): AsyncIterable<readonly string[]>;
  /**
   * The records with these ids that still exist (flagged-deleted ones included); an id that is gone
   * is simply absent. Confirms a record is gone before its partner is deleted, and reads what a
   * delete removes, for the run summary.
   */
  readRecords?(ids: readonly string[], options: AdapterCallOptions): Promise<SyncRecord[]>;
}
