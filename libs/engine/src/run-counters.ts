import { GIVEN_UP_NOTE } from './failed-record-hold.js';
import type { JobSide } from './job.js';
import type { Logger } from './logger.js';
import type { Side } from './record.js';
import { isSyncFrameError } from './errors/syncframe-error.js';
import type { AccountUsage, AppliedDelete, ReconcileOutcome, RecordError, RunFailure, RunStatus, SideCounts } from './run-summary.js';
import { emptySideCounts, MAX_RECORDED_ERRORS } from './run-summary.js';

/** One account's requests in one run, as its metered throttle sees them. */
export class AccountTally {
  readonly sides = new Set<string>();
  requests = 0;
  rateLimited = 0;
  throttleWaitMs = 0;
  private firstSentAt: number | null = null;
  private lastSentAt: number | null = null;

  constructor(readonly account: string, readonly limit: { readonly max_reqs: number; readonly interval_sec: number }) {}

  sentAt(now: number): void {
    this.requests++;
    this.firstSentAt ??= now;
    this.lastSentAt = now;
  }

  usage(): AccountUsage {
    const activeMs = this.firstSentAt === null ? 0 : this.lastSentAt! - this.firstSentAt;
    const windowMs = this.limit.interval_sec * 1000;
    const shareOfCeiling = activeMs < windowMs
      ? this.requests / this.limit.max_reqs
      : ((this.requests - 1) / activeMs) * (windowMs / this.limit.max_reqs);
    return {
      account: this.account, sides: [...this.sides], limit: this.limit,
      requests: this.requests, rateLimited: this.rateLimited, throttleWaitMs: Math.round(this.throttleWaitMs),
      activeMs: Math.round(activeMs), shareOfCeiling: Math.round(shareOfCeiling * 1000) / 1000,
    };
  }
}

/** A record that failed in a run, as the job's list of failing records keeps it. */
export interface FailedRecord extends RecordError {
  /** The reason, without the note that the record is no longer retried. */
  readonly reason: string;
  /** It still holds its side's cursor (modified within the last 24 h): every run retries it. */
  readonly retrying: boolean;
}

/**
 * Everything a run counts, in one object handed from stage to stage (pull, plan, push, record):
 * per-side counts, per-record errors, run failures, retries and per-account request tallies.
 */
export class RunCounters {
  readonly counts: Record<Side, SideCounts> = { source: emptySideCounts(), dest: emptySideCounts() };
  /** The first {@link MAX_RECORDED_ERRORS} record errors. */
  readonly errors: RecordError[] = [];
  errorCount = 0;
  /** Every record that failed in the run, by `side ␀ id` (its last failure): the job's failing records. */
  readonly failedRecords = new Map<string, FailedRecord>();
  readonly failures: RunFailure[] = [];
  retries = 0;
  /** The first {@link MAX_RECORDED_ERRORS} deletes applied, with what each deleted record held. */
  readonly deletes: AppliedDelete[] = [];
  deleteCount = 0;
  /** Deletes the brake held back (pending deletes recorded). */
  deletesHeld = 0;
  reconcile: ReconcileOutcome | null = null;
  private readonly accounts = new Map<string, AccountTally>();

  constructor(private readonly logger: Logger, private readonly sideName: (side: Side) => string) {}

  /** A record failed on its own; past its hold (`retrying` false) the summary's reason says it is not retried any more. */
  recordError(e: FailedRecord): void {
    this.errorCount++;
    const { retrying, ...error } = e;
    const shown: RecordError = retrying ? error : { ...error, reason: error.reason + GIVEN_UP_NOTE };
    if (this.errors.length < MAX_RECORDED_ERRORS) this.errors.push(shown);
    this.failedRecords.set(recordKeyOf(e.side, e.recordId), { side: e.side, recordId: e.recordId, stage: e.stage, reason: e.reason, retrying });
    this.logger.warn({ side: this.sideName(e.side), recordId: e.recordId, stage: e.stage, reason: shown.reason }, 'record failed');
  }

  recordDelete(d: AppliedDelete): void {
    this.deleteCount++;
    if (this.deletes.length < MAX_RECORDED_ERRORS) this.deletes.push(d);
  }

  /** A side (or, with `null`, the whole run) failed. */
  recordFailure(side: Side | null, err: unknown): void {
    this.failures.push({ side, message: errorText(err), retryable: isSyncFrameError(err) ? err.retryable : false });
  }

  /** The tally of the account a side's requests count against (sides on one account share it). */
  accountOf(key: string, side: JobSide): AccountTally {
    let tally = this.accounts.get(key);
    if (!tally) this.accounts.set(key, (tally = new AccountTally(key, { max_reqs: side.throttle.max_reqs, interval_sec: side.throttle.interval_sec })));
    tally.sides.add(side.name);
    return tally;
  }

  get rateLimited(): number {
    let n = 0;
    for (const tally of this.accounts.values()) n += tally.rateLimited;
    return n;
  }

  get throttleWaitMs(): number {
    let ms = 0;
    for (const tally of this.accounts.values()) ms += tally.throttleWaitMs;
    return Math.round(ms);
  }

  accountUsage(): AccountUsage[] {
    return [...this.accounts.values()].map((t) => t.usage());
  }

  status(): RunStatus {
    return this.failures.length > 0 ? 'failed' : this.errorCount > 0 ? 'partial' : 'success';
  }
}

/** A record's key among a run's records: side and id. */
export function recordKeyOf(side: Side, recordId: string): string {
  return `${side}\u0000${recordId}`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
