/**
 * The mapping from what happened to a run to what BullMQ is told (`runOutcome`): every branch,
 * with no BullMQ job and no store.
 */
import { describe, expect, it } from 'vitest';
import type { CycleResult, RunFailure, RunStatus, RunSummary } from '@syncframe/engine';
import { emptySideCounts, LeaseLostError, StoreUnavailableError } from '@syncframe/engine';
import type { RunAbortState, RunHappening } from '@syncframe/fleet';
import {
  failureMessage, LeaseUnrenewedError, needsDisabledCheck, NEXT_TRIGGER_RETRIES, runOutcome, ShutdownAbort, SKIPPED_DISABLED_IN_CONFIG,
  SKIPPED_DISABLED_JOB, SUPERSEDED_REASON,
} from '@syncframe/fleet';

const RUN_ID = 'run-1';
const NOT_ABORTED: RunAbortState = { reason: undefined, outerAborted: false };
const LEASE_LOST: RunAbortState = { reason: new LeaseLostError('lease of job j was taken over'), outerAborted: false };
const SHUTDOWN: RunAbortState = { reason: new ShutdownAbort(), outerAborted: true };

const counts = { source: { ...emptySideCounts(), pulled: 3, created: 2 }, dest: { ...emptySideCounts(), pulled: 1, updated: 1 } };

function summaryOf(status: RunStatus, failures: readonly RunFailure[] = []): RunSummary {
  const now = new Date(0).toISOString();
  return {
    runId: RUN_ID, jobId: 'j', trigger: 'schedule', startedAt: now, endedAt: now, durationMs: 0, status, counts,
    retries: 0, rateLimited: 0, throttleWaitMs: 0, errors: [], errorsTruncated: false, failures,
  };
}

function resultOf(status: RunStatus, failures: readonly RunFailure[] = []): CycleResult {
  return { status, summary: summaryOf(status, failures), plan: [], failures };
}

const SKIPPED: CycleResult = { status: 'skipped', summary: null, plan: [], failures: [] };

function finished(result: CycleResult, options: { jobDisabled?: boolean; abort?: RunAbortState } = {}): RunHappening {
  return { kind: 'finished', runId: RUN_ID, result, jobDisabled: options.jobDisabled ?? false, abort: options.abort ?? NOT_ABORTED };
}

const authFailure: RunFailure = { side: 'source', message: 'token rejected (401)', retryable: false };
const transientFailure: RunFailure = { side: 'dest', message: 'connection reset', retryable: true };
const runFailure: RunFailure = { side: null, message: 'linkindex unreachable', retryable: true };

describe('runOutcome before the run', () => {
  it('fails a job missing from the config for good, naming it', () => {
    expect(runOutcome({ kind: 'not-in-config', jobId: 'ghost' })).toEqual({ kind: 'unrecoverable', message: 'job "ghost" is not in this worker\'s config' });
  });

  it('completes a job disabled in the config as skipped', () => {
    expect(runOutcome({ kind: 'disabled-in-config' })).toEqual({ kind: 'completed', result: { outcome: 'skipped', reason: SKIPPED_DISABLED_IN_CONFIG } });
    expect(SKIPPED_DISABLED_IN_CONFIG).toBe('the job is disabled in the config');
  });

  it('delays a run whose lease another run holds', () => {
    expect(runOutcome({ kind: 'lease-busy' })).toEqual({ kind: 'delayed' });
  });
});

describe('runOutcome of a finished run', () => {
  it('completes a successful or partial run with its run id, status and counts', () => {
    expect(runOutcome(finished(resultOf('success')))).toEqual({ kind: 'completed', result: { outcome: 'ran', runId: RUN_ID, status: 'success', counts } });
    expect(runOutcome(finished(resultOf('partial')))).toEqual({ kind: 'completed', result: { outcome: 'ran', runId: RUN_ID, status: 'partial', counts } });
  });

  it('completes a run that ended before an abort as ran, whatever the abort', () => {
    expect(runOutcome(finished(resultOf('success'), { abort: LEASE_LOST }))).toMatchObject({ kind: 'completed', result: { outcome: 'ran' } });
    expect(runOutcome(finished(resultOf('partial'), { abort: SHUTDOWN }))).toMatchObject({ kind: 'completed', result: { outcome: 'ran' } });
  });

  it('completes a run the engine skipped (job disabled in the store) as skipped', () => {
    expect(runOutcome(finished(SKIPPED))).toEqual({ kind: 'completed', result: { outcome: 'skipped', reason: SKIPPED_DISABLED_JOB } });
    expect(SKIPPED_DISABLED_JOB).toMatch(/disable_job_after/);
  });

  it('fails a run with no retryable failure (auth, config) for good, with every failure in the message', () => {
    const outcome = runOutcome(finished(resultOf('failed', [authFailure, { side: null, message: 'bad mapping', retryable: false }])));
    expect(outcome).toEqual({ kind: 'unrecoverable', message: 'source: token rejected (401); run: bad mapping' });
  });

  it('fails a run with a retryable failure without a queue retry: it is recorded and the next trigger runs the job again', () => {
    // The remote had its retries.max_attempts per request inside the run; retrying the whole run on the
    // queue would multiply them, and every attempt would add to the fail count (README, Retries and failures).
    expect(runOutcome(finished(resultOf('failed', [authFailure, transientFailure])))).toEqual({
      kind: 'unrecoverable',
      message: `source: token rejected (401); dest: connection reset (${NEXT_TRIGGER_RETRIES})`,
    });
    expect(NEXT_TRIGGER_RETRIES).toBe('recorded as failed; the next trigger runs the job again');
  });

  it('fails for good a retryable failure that disabled the job', () => {
    expect(runOutcome(finished(resultOf('failed', [runFailure]), { jobDisabled: true })))
      .toEqual({ kind: 'unrecoverable', message: 'run: linkindex unreachable (job disabled)' });
  });

  it('ignores jobDisabled for runs that did not fail retryably', () => {
    expect(runOutcome(finished(resultOf('failed', [authFailure]), { jobDisabled: true }))).toEqual({ kind: 'unrecoverable', message: 'source: token rejected (401)' });
    expect(runOutcome(finished(resultOf('success'), { jobDisabled: true }))).toMatchObject({ kind: 'completed', result: { outcome: 'ran' } });
  });

  it('supersedes a failed run whose lease was lost, before retrying or failing it', () => {
    const superseded = { kind: 'superseded', result: { outcome: 'superseded', reason: SUPERSEDED_REASON } };
    expect(runOutcome(finished(resultOf('failed', [transientFailure]), { abort: LEASE_LOST }))).toEqual(superseded);
    expect(runOutcome(finished(resultOf('failed', [authFailure]), { abort: LEASE_LOST }))).toEqual(superseded);
    expect(runOutcome(finished(resultOf('failed', [runFailure]), { jobDisabled: true, abort: LEASE_LOST }))).toEqual(superseded);
  });

  it('hands an interrupted failed run back, before retrying or failing it', () => {
    expect(runOutcome(finished(resultOf('failed', [transientFailure]), { abort: SHUTDOWN }))).toEqual({ kind: 'hand-back' });
    expect(runOutcome(finished(resultOf('failed', [authFailure]), { abort: { reason: new ShutdownAbort(), outerAborted: false } }))).toEqual({ kind: 'hand-back' });
    expect(runOutcome(finished(resultOf('failed', [runFailure]), { abort: { reason: undefined, outerAborted: true } }))).toEqual({ kind: 'hand-back' });
  });

  it('retries a run that ended without a summary (never a completed run)', () => {
    const outcome = runOutcome(finished({ status: 'success', summary: null, plan: [], failures: [] }));
    expect(outcome.kind).toBe('retry');
    expect((outcome as { error: unknown }).error).toBeInstanceOf(Error);
  });
});

describe('runOutcome of a run that threw', () => {
  const boom = new Error('pull failed: ECONNRESET');

  it('rethrows the very error when nothing aborted the run (BullMQ retries)', () => {
    const outcome = runOutcome({ kind: 'threw', error: boom, abort: NOT_ABORTED });
    expect(outcome.kind).toBe('retry');
    expect((outcome as { error: unknown }).error).toBe(boom);
    const odd = { not: 'an error' };
    expect((runOutcome({ kind: 'threw', error: odd, abort: NOT_ABORTED }) as { error: unknown }).error).toBe(odd);
  });

  it('supersedes a run that threw LeaseLostError (a fenced write), or whose abort reason is one', () => {
    const superseded = { kind: 'superseded', result: { outcome: 'superseded', reason: SUPERSEDED_REASON } };
    expect(runOutcome({ kind: 'threw', error: new LeaseLostError('fenced'), abort: NOT_ABORTED })).toEqual(superseded);
    expect(runOutcome({ kind: 'threw', error: boom, abort: LEASE_LOST })).toEqual(superseded);
    // A lost lease outranks a shutdown that came after it.
    expect(runOutcome({ kind: 'threw', error: boom, abort: { reason: LEASE_LOST.reason, outerAborted: true } })).toEqual(superseded);
    expect(runOutcome({ kind: 'threw', error: new LeaseLostError('fenced'), abort: SHUTDOWN })).toEqual(superseded);
  });

  it('hands back a run interrupted by a shutdown abort or by any abort of BullMQ\'s signal', () => {
    expect(runOutcome({ kind: 'threw', error: boom, abort: SHUTDOWN })).toEqual({ kind: 'hand-back' });
    expect(runOutcome({ kind: 'threw', error: new ShutdownAbort(), abort: { reason: new ShutdownAbort(), outerAborted: false } })).toEqual({ kind: 'hand-back' });
    // BullMQ's 'lock lost' / 'shutdown' strings only show as the outer signal being aborted.
    expect(runOutcome({ kind: 'threw', error: boom, abort: { reason: undefined, outerAborted: true } })).toEqual({ kind: 'hand-back' });
  });

  it('retries, not supersedes, a run whose lease could not be renewed (nobody took it over; the database was away)', () => {
    const unrenewed = new LeaseUnrenewedError('lease of job j could not be renewed');
    expect(runOutcome({ kind: 'threw', error: boom, abort: { reason: unrenewed, outerAborted: false } })).toEqual({ kind: 'retry', error: unrenewed });
    expect(runOutcome({ kind: 'threw', error: unrenewed, abort: NOT_ABORTED })).toEqual({ kind: 'retry', error: unrenewed });
    expect(runOutcome(finished(resultOf('failed', [transientFailure]), { abort: { reason: unrenewed, outerAborted: true } })))
      .toEqual({ kind: 'retry', error: unrenewed });
  });

  it('retries a run that threw because a store of its own stayed unreachable (nothing was recorded or counted)', () => {
    const down = new StoreUnavailableError('link index saveCursor failed: lost the connection');
    expect(runOutcome({ kind: 'threw', error: down, abort: NOT_ABORTED })).toEqual({ kind: 'retry', error: down });
  });

  it('does not hand back a run aborted for another reason while BullMQ\'s signal stands', () => {
    const outcome = runOutcome({ kind: 'threw', error: boom, abort: { reason: new Error('other'), outerAborted: false } });
    expect(outcome).toEqual({ kind: 'retry', error: boom });
  });
});

describe('helpers', () => {
  it('reads the job state only after a failed run with a retryable failure', () => {
    expect(needsDisabledCheck(resultOf('failed', [authFailure, transientFailure]))).toBe(true);
    expect(needsDisabledCheck(resultOf('failed', [authFailure]))).toBe(false);
    expect(needsDisabledCheck(resultOf('success'))).toBe(false);
    expect(needsDisabledCheck(resultOf('partial', [transientFailure]))).toBe(false);
    expect(needsDisabledCheck(SKIPPED)).toBe(false);
  });

  it('names each failure by side, "run" for run-level ones', () => {
    expect(failureMessage({ failures: [transientFailure, runFailure] })).toBe('dest: connection reset; run: linkindex unreachable');
    expect(failureMessage({ failures: [] })).toBe('');
  });
});
