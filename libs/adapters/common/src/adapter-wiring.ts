import type { Logger } from '@syncframe/engine';

/** Per-request timeout when a side sets no `timeoutMs`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The wiring options every adapter side accepts besides its remote-specific keys. The worker
 * sets them, never the config file (the config layer validates only the remote-specific keys).
 */
export interface AdapterWiringOptions {
  /** Job id, for error messages and logs. */
  readonly jobId?: string;
  /** The side's key in the job's `sides`, for error messages and logs. */
  readonly sideName?: string;
  /** Per-request timeout in ms. @defaultValue 30000 */
  readonly timeoutMs?: number;
  /** HTTP client. @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Logs method, path, status and duration of requests at `debug`; never headers, tokens or queries. */
  readonly logger?: Logger;
}

/**
 * Who is calling, for error messages: `airtable side "crm" of job "j1" (table "Posts")`.
 * Holds no secret.
 *
 * @param remote - The adapter's name (`airtable`, `webflow`); also the side name when none is set.
 * @param target - What the side points at, e.g. `table "Posts"`.
 */
export function describeSide(remote: string, wiring: Pick<AdapterWiringOptions, 'jobId' | 'sideName'>, target: string): string {
  return `${remote} side "${wiring.sideName ?? remote}" of job "${wiring.jobId ?? '?'}" (${target})`;
}
