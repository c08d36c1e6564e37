import type { Side } from './record.js';
import type { RecordError } from './run-summary.js';

/**
 * A record that failed on its own in its job's latest runs (mapper error, rejected by the remote,
 * reference not linked yet), kept until it syncs: the board's list of failing records, and what
 * `explain` says about a record's errors. One per job, side and record id.
 */
export interface RecordFailure {
  readonly jobId: string;
  /** The side the record is on (the side it was pulled from). */
  readonly side: Side;
  readonly recordId: string;
  readonly stage: RecordError['stage'];
  /** The latest reason. */
  readonly reason: string;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  /** Runs it failed in since it last synced. */
  readonly failures: number;
  readonly lastRunId: string;
  /**
   * True while every run retries it (it holds its side's cursor); false once it was last modified
   * over 24 h ago: then it waits for an edit, or for a person's "retry now".
   */
  readonly retrying: boolean;
  /** A person asked for a retry: the job's next run reads the record by id and plans it again. */
  readonly retryRequestedAt: string | null;
}

/** What a run reports of one failed record. */
export interface NewRecordFailure {
  readonly side: Side;
  readonly recordId: string;
  readonly stage: RecordError['stage'];
  readonly reason: string;
  readonly runId: string;
  readonly at: string;
  readonly retrying: boolean;
}

/** Identifies a record of a job. */
export interface RecordKey {
  readonly side: Side;
  readonly recordId: string;
}
