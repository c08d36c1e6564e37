import type { Side, SyncRecord } from './record.js';

export type RunStatus = 'success' | 'partial' | 'failed';

/** What triggered a run. */
export type RunTrigger = 'schedule' | 'api' | 'retry' | 'cli' | 'test';

/** Counts of one side of a job in one run. */
export interface SideCounts {
  /** Records pulled from this side (repeats included). */
  pulled: number;
  /** Records created on this side. */
  created: number;
  /** Records updated on this side. */
  updated: number;
  /** Records deleted (or soft-flagged) on this side. */
  deleted: number;
  /** Records pulled from this side whose mapped content was already synced (echoes of our own writes, repeats). */
  echoesSkipped: number;
  /** Records pulled from this side that met a change of their linked record in the same cycle. */
  conflicts: number;
  /** Records of this side that failed on their own (mapper error, rejected by the remote). */
  errors: number;
  /**
   * Records pulled from this side that wait for a later run (`settle_sec`): edited too recently,
   * or planned together with such a record (its link partner). Absent from runs recorded before it existed.
   */
  held?: number;
}

/** A record that failed on its own; the rest of the run went on. */
export interface RecordError {
  /** The side the record was pulled from. */
  readonly side: Side;
  readonly recordId: string;
  /** Where it failed. */
  readonly stage: 'map' | 'match' | 'write';
  readonly reason: string;
}

/** Why a run failed as a whole (a side could not be pulled, or a push still failed after its attempts). */
export interface RunFailure {
  readonly side: Side | null;
  readonly message: string;
  /** Whether running again later may succeed (transient), or needs a person (auth, config). */
  readonly retryable: boolean;
}

/**
 * How a run used one rate-limited account (one entry per account, shared by the job's sides on it).
 * Other runs on the same account draw on the same budget: this is the run's own share.
 */
export interface AccountUsage {
  /** The account's rate-limit key (an Airtable base id, a Webflow token's hash): never a credential. */
  readonly account: string;
  /** The job's sides (config names) that sent requests to it. */
  readonly sides: readonly string[];
  readonly limit: { readonly max_reqs: number; readonly interval_sec: number };
  /** Requests sent, every attempt counted (retries included). */
  readonly requests: number;
  /** 429 answers. */
  readonly rateLimited: number;
  /** Time this run's requests waited for their turn, in ms (summed over requests in flight together). */
  readonly throttleWaitMs: number;
  /** From this run's first request on the wire to its last, in ms. */
  readonly activeMs: number;
  /**
   * The rate achieved while active, as a share of the limit's rate: `(requests − 1) / activeMs`
   * against `max_reqs / interval_sec`; for a burst within one window, `requests / max_reqs`.
   */
  readonly shareOfCeiling: number;
}

/** What reconciliation found (runs that reconciled). */
export interface ReconcileOutcome {
  /** Ids listed per side; null when that side's listing failed (then nothing of it counts as gone). */
  readonly listed: { readonly source: number | null; readonly dest: number | null };
  /** Linked records found gone (deleted for good), per side. */
  readonly gone: { readonly source: number; readonly dest: number };
}

/** A record a run deleted (or soft-flagged), with what it held, so a person can restore it. */
export interface AppliedDelete {
  /** The side the record was deleted on. */
  readonly side: Side;
  readonly recordId: string;
  /** Its partner, whose delete (or disappearance) this carried over. */
  readonly partnerId: string;
  /** `gone`: the partner was deleted for good; `deleted`: it came flagged deleted; `conflict`: a person chose the deleted side. */
  readonly cause: 'gone' | 'deleted' | 'conflict';
  /** Set when a person approved it (a pending delete of the brake). */
  readonly approvedDeleteId?: string;
  /** The record as last seen before the delete; null when it could not be read. */
  readonly record: SyncRecord | null;
}

/** The row the engine writes for every run (never for a skipped one). No credential ever appears here. */
export interface RunSummary {
  readonly runId: string;
  readonly jobId: string;
  readonly trigger: RunTrigger;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly status: RunStatus;
  readonly counts: { readonly source: SideCounts; readonly dest: SideCounts };
  /** Remote requests that were retried (transient errors, 429s). */
  readonly retries: number;
  /** 429 answers received from either remote. */
  readonly rateLimited: number;
  /** Time spent waiting for a throttle, in ms (both sides together). */
  readonly throttleWaitMs: number;
  /** Per rate-limited account: requests, 429s, waits and the rate achieved (absent from runs recorded before it existed). */
  readonly accounts?: readonly AccountUsage[];
  /** Per-record errors, at most `MAX_RECORDED_ERRORS` of them (`errorsTruncated` says when cut). */
  readonly errors: readonly RecordError[];
  readonly errorsTruncated: boolean;
  /** Run-level failures (one per failed side). */
  readonly failures: readonly RunFailure[];
  /** Deletes applied, with each deleted record's content (at most `MAX_RECORDED_ERRORS`; `deletesTruncated` says when cut). */
  readonly deletes?: readonly AppliedDelete[];
  readonly deletesTruncated?: boolean;
  /** Deletes the delete brake held back for a person (pending deletes). */
  readonly deletesHeld?: number;
  /** Present when the run reconciled. */
  readonly reconcile?: ReconcileOutcome;
}

export const MAX_RECORDED_ERRORS = 500;

export function emptySideCounts(): SideCounts {
  return { pulled: 0, created: 0, updated: 0, deleted: 0, echoesSkipped: 0, conflicts: 0, errors: 0, held: 0 };
}
