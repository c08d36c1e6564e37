import type { MapperFn } from './mapper.js';
import type { Side } from './record.js';
import type { SourceAdapter } from './source-adapter.js';
import type { ThrottleSettings } from './throttle.js';

export type ConflictPolicy = 'last_writer_wins' | 'manual' | 'field_merge';

/** Under `field_merge`, what a field changed on both sides to different values gets. */
export type FieldConflict = 'last_writer_wins' | 'manual';

/**
 * How a job meets a failing remote (README, "Retries and failures"): requests are retried inside a
 * run; a run that still fails is recorded and counted, and its next trigger is the next try.
 */
export interface RetrySettings {
  /** Requests one remote call may cost inside a run (a 429 counts) before that side fails the run. @defaultValue 5 */
  readonly max_attempts: number;
  /** Wait before a request's second attempt, in seconds; doubles on each further attempt. @defaultValue 30 */
  readonly backoff_sec: number;
  /** Failed runs in a row of one side, whatever triggered them, before the job is disabled. @defaultValue 20 */
  readonly disable_job_after: number;
}

export const DEFAULT_RETRIES: RetrySettings = { max_attempts: 5, backoff_sec: 30, disable_job_after: 20 };

/** Used where neither the config nor the adapter says otherwise: 50 requests a minute, batches of 10 (safe for most REST APIs). */
export const DEFAULT_THROTTLE: ThrottleSettings = { max_reqs: 50, interval_sec: 60, batch_size: 10 };

export interface JobSide {
  /** The side's key in the config's `sides`, e.g. `airtable`; used in logs and messages. */
  readonly name: string;
  readonly adapter: SourceAdapter;
  readonly throttle: ThrottleSettings;
  /**
   * Edit settling (`settle_sec`): a record of this side modified less than `sec` seconds before a
   * run waits for a later run, at most `maxSec` seconds after it was first held. @defaultValue none: no record waits
   */
  readonly settle?: SettleSettings;
}

/** Per side: how long a record must go without an edit before it syncs, and the cap on that wait. */
export interface SettleSettings {
  /** Seconds without an edit before a record syncs (`settle_sec`); 0: off. */
  readonly sec: number;
  /** Seconds a record may be held, from the run that first held it (`settle_max_sec`). @defaultValue 10 × `sec` */
  readonly maxSec: number;
}

/** One sync job, fully resolved (credentials already inside its adapters). */
export interface SyncJob {
  readonly id: string;
  readonly source: JobSide;
  readonly dest: JobSide;
  /** `toDest` maps a source record to destination fields; `toSource` the other way. */
  readonly mappers: { readonly toDest: MapperFn; readonly toSource: MapperFn };
  readonly retries: RetrySettings;
  /** @defaultValue 'last_writer_wins' */
  readonly conflictPolicy: ConflictPolicy;
  /**
   * With `conflictPolicy: 'field_merge'`: a field changed on both sides to different values is won
   * by the newer side (`last_writer_wins`) or recorded as a conflict naming the fields (`manual`).
   * @defaultValue 'last_writer_wins'
   */
  readonly fieldConflict?: FieldConflict;
  /**
   * Key fields that identify the same item on both sides, e.g. `{ source: 'Slug', dest: 'slug' }`.
   * Before creating, the engine links to an existing record with the same key: no duplicate after a
   * lost response or a crash, and two tables that already hold the same items are linked on the first sync.
   */
  readonly match?: { readonly source: string; readonly dest: string };
  /**
   * Absent or null: every delete is applied, however many. A config job always has one unless it
   * says `"delete_brake": false` (the config's default is {@link DEFAULT_DELETE_BRAKE}).
   */
  readonly deleteBrake?: DeleteBrake | null;
}

/**
 * How many deletes one run may apply before it applies none of them and holds them for a person
 * (pending deletes): more than `maxCount`, or more than `maxShare` of the pair's linked records.
 */
export interface DeleteBrake {
  readonly maxCount: number;
  /** A share, 0 to 1. */
  readonly maxShare: number;
}

export const DEFAULT_DELETE_BRAKE: DeleteBrake = { maxCount: 50, maxShare: 0.1 };

export function jobSide(job: SyncJob, side: Side): JobSide {
  return side === 'source' ? job.source : job.dest;
}
