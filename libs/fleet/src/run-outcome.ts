import type { CycleResult, RunSummary } from '@syncframe/engine';
import { isLeaseLostError } from '@syncframe/engine';
import { isLeaseUnrenewedError } from './errors/lease-unrenewed-error.js';

/** What a finished queue job returns (shown in Bull Board): counts and status, no record data, no credential. */
export type RunResult =
  | { readonly outcome: 'ran'; readonly runId: string; readonly status: RunSummary['status']; readonly counts: RunSummary['counts'] }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'superseded'; readonly reason: string };

/** The run's abort reason when the worker shuts down (or BullMQ cancels the job): the run goes back to the queue. */
export class ShutdownAbort extends Error {
  override name = 'ShutdownAbort';
  constructor() {
    super('worker shutting down');
  }
}

/** How the run's own abort signal stood when the run ended (read after the run, whatever it did). */
export interface RunAbortState {
  /** The run's abort reason when it was aborted (a `LeaseLostError` from the heartbeat, a {@link ShutdownAbort}), else undefined. */
  readonly reason: unknown;
  /** Whether BullMQ's own signal was aborted (`'shutdown'`, `'lock lost'`: any reason). */
  readonly outerAborted: boolean;
}

/** What happened to one queue job of the runs queue: the input of {@link runOutcome}. */
export type RunHappening =
  /** The job is not in this worker's config. */
  | { readonly kind: 'not-in-config'; readonly jobId: string }
  /** The job is in the config with `enabled: false`. */
  | { readonly kind: 'disabled-in-config' }
  /** Another run holds the job's lease. */
  | { readonly kind: 'lease-busy' }
  /**
   * The engine returned a result. `jobDisabled`: the job state was read after a failed run with a
   * retryable failure and the job is disabled (this failure reached `disable_job_after`); false
   * when it was not read.
   */
  | { readonly kind: 'finished'; readonly runId: string; readonly result: CycleResult; readonly jobDisabled: boolean; readonly abort: RunAbortState }
  /** The engine (or the job state read after it) threw. */
  | { readonly kind: 'threw'; readonly error: unknown; readonly abort: RunAbortState };

/** What the processor does about it (applied with BullMQ calls in `run-processor.ts`). */
export type RunOutcome =
  /** Return the result: the queue job completes. */
  | { readonly kind: 'completed'; readonly result: Extract<RunResult, { outcome: 'ran' | 'skipped' }> }
  /** Another run took the lease over: the queue job completes as superseded (logged, not retried). */
  | { readonly kind: 'superseded'; readonly result: Extract<RunResult, { outcome: 'superseded' }> }
  /** Throw `error`: BullMQ retries with the fleet's back-off (`RUN_RETRY`) while attempts remain. */
  | { readonly kind: 'retry'; readonly error: unknown }
  /** Throw `UnrecoverableError(message)`: the queue job fails without retry (shown failed in Bull Board). */
  | { readonly kind: 'unrecoverable'; readonly message: string }
  /** Interrupted (shutdown, lock lost): `moveToWait` + `WaitingError`, back to the queue without using an attempt. */
  | { readonly kind: 'hand-back' }
  /** Lease busy: `moveToDelayed` by the busy retry delay + `DelayedError`. */
  | { readonly kind: 'delayed' };

export const SKIPPED_DISABLED_IN_CONFIG = 'the job is disabled in the config';
export const SKIPPED_DISABLED_JOB = 'the job is disabled (fail count reached disable_job_after, or an operator disabled it)';
export const SUPERSEDED_REASON = 'another run of this job took its lease over';
/** Appended to a transient failure: the queue does not retry it, the job's next trigger does. */
export const NEXT_TRIGGER_RETRIES = 'recorded as failed; the next trigger runs the job again';

/** The message of a failed run: one `side: message` per failure. */
export function failureMessage(summary: Pick<RunSummary, 'failures'>): string {
  return summary.failures.map((f) => `${f.side ?? 'run'}: ${f.message}`).join('; ');
}

/**
 * Whether the job state must be read to map `result` (a failed run with a retryable failure: it
 * fails for good when this failure disabled the job). Sets {@link RunHappening} `jobDisabled`.
 */
export function needsDisabledCheck(result: CycleResult): boolean {
  return result.status !== 'skipped' && result.summary?.status === 'failed' && result.summary.failures.some((f) => f.retryable);
}

/**
 * The one mapping from what happened to a run to what BullMQ is told. Pure: no BullMQ job, no I/O.
 *
 * - not in the config → unrecoverable; disabled in the config → completed `skipped`; lease busy → delayed.
 * - A result: skipped (job disabled) → completed `skipped`; success/partial → completed `ran` with
 *   counts; failed → unrecoverable: the run is recorded and counted (fail count), the remotes had
 *   their `retries.max_attempts` per request, and the next trigger is the next try. The message says
 *   whether the job was disabled, and when it is transient, that the next trigger tries again.
 * - The engine threw (it records nothing then: a store of SyncFrame's own stayed unreachable, or an
 *   unexpected error) → retry, with the queue's own back-off; nothing counts against a remote.
 * - Whatever failed or threw, the run's abort state comes first: a lease taken over (thrown, or the
 *   abort reason) → superseded; a lease that could not be renewed ({@link LeaseUnrenewedError}) →
 *   retry; an interrupted run (shutdown abort, or BullMQ's signal aborted) → hand-back.
 *   A completed run is completed even when aborted after it ended.
 */
export function runOutcome(happened: RunHappening): RunOutcome {
  switch (happened.kind) {
    case 'not-in-config':
      return { kind: 'unrecoverable', message: `job "${happened.jobId}" is not in this worker's config` };
    case 'disabled-in-config':
      return { kind: 'completed', result: { outcome: 'skipped', reason: SKIPPED_DISABLED_IN_CONFIG } };
    case 'lease-busy':
      return { kind: 'delayed' };
    case 'finished': {
      const failed = finishedOutcome(happened);
      return failed.kind === 'completed' ? failed : interrupted(failed, failed.kind === 'retry' ? failed.error : undefined, happened.abort);
    }
    case 'threw':
      return interrupted({ kind: 'retry', error: happened.error }, happened.error, happened.abort);
  }
}

function finishedOutcome(happened: Extract<RunHappening, { kind: 'finished' }>): RunOutcome {
  const { result, runId } = happened;
  if (result.status === 'skipped') return { kind: 'completed', result: { outcome: 'skipped', reason: SKIPPED_DISABLED_JOB } };
  const summary = result.summary;
  if (!summary) return { kind: 'retry', error: new Error(`run ${runId} ended without a summary`) };
  if (summary.status === 'failed') {
    const message = failureMessage(summary);
    if (!summary.failures.some((f) => f.retryable)) return { kind: 'unrecoverable', message };
    if (happened.jobDisabled) return { kind: 'unrecoverable', message: `${message} (job disabled)` };
    return { kind: 'unrecoverable', message: `${message} (${NEXT_TRIGGER_RETRIES})` };
  }
  return { kind: 'completed', result: { outcome: 'ran', runId, status: summary.status, counts: summary.counts } };
}

/** A run that did not complete: a lost lease or an interruption outranks what it failed with. */
function interrupted(fallback: RunOutcome, error: unknown, abort: RunAbortState): RunOutcome {
  const unrenewed = [error, abort.reason].find(isLeaseUnrenewedError);
  if (unrenewed) return { kind: 'retry', error: unrenewed };
  if (isLeaseLostError(error) || isLeaseLostError(abort.reason)) {
    return { kind: 'superseded', result: { outcome: 'superseded', reason: SUPERSEDED_REASON } };
  }
  if (abort.reason instanceof ShutdownAbort || abort.outerAborted) return { kind: 'hand-back' };
  return fallback;
}
