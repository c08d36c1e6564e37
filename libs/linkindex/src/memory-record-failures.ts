import type { NewRecordFailure, RecordFailure, RecordKey } from '@syncframe/engine';

const SEP = '\u0000';

/**
 * Failing records in memory, per job: the `record_failures` table of the memory driver (see
 * `record-failures.store.ts`, whose semantics it follows). Each call reads or writes without
 * awaiting, so concurrent calls never interleave.
 */
export class MemoryRecordFailures {
  /** jobId → `side ␀ recordId` → failure. */
  private readonly byJob = new Map<string, Map<string, RecordFailure>>();

  record(jobId: string, failures: readonly NewRecordFailure[]): void {
    const job = this.jobRows(jobId);
    // Times checked first: a bad one writes nothing, as the single statement of PostgreSQL.
    const latest = new Map(failures.map((f) => [keyOf(f), { ...f, at: iso(f.at) }]));
    for (const [key, f] of latest) {
      const known = job.get(key);
      job.set(key, {
        jobId, side: f.side, recordId: f.recordId, stage: f.stage, reason: f.reason,
        firstFailedAt: known?.firstFailedAt ?? f.at, lastFailedAt: f.at, failures: (known?.failures ?? 0) + 1,
        lastRunId: f.runId, retrying: f.retrying, retryRequestedAt: null,
      });
    }
  }

  clear(jobId: string, keys: readonly RecordKey[]): void {
    const job = this.byJob.get(jobId);
    if (!job) return;
    for (const k of keys) job.delete(keyOf(k));
    if (job.size === 0) this.byJob.delete(jobId);
  }

  list(jobId: string, keys?: readonly RecordKey[]): RecordFailure[] {
    const job = this.byJob.get(jobId);
    if (!job) return [];
    const wanted = keys === undefined ? null : new Set(keys.map(keyOf));
    return [...job.entries()]
      .filter(([key]) => wanted === null || wanted.has(key))
      .map(([, f]) => ({ ...f }))
      .sort((a, b) => (a.lastFailedAt < b.lastFailedAt ? 1 : a.lastFailedAt > b.lastFailedAt ? -1 : 0) ||
        compare(a.side, b.side) || compare(a.recordId, b.recordId));
  }

  requestRetry(jobId: string, keys: readonly RecordKey[] | 'all', at: Date): number {
    const job = this.byJob.get(jobId);
    if (!job) return 0;
    const targets = keys === 'all' ? [...job.keys()] : [...new Set(keys.map(keyOf))];
    let n = 0;
    for (const key of targets) {
      const f = job.get(key);
      if (!f) continue;
      job.set(key, { ...f, retryRequestedAt: at.toISOString() });
      n++;
    }
    return n;
  }

  private jobRows(jobId: string): Map<string, RecordFailure> {
    let job = this.byJob.get(jobId);
    if (!job) this.byJob.set(jobId, (job = new Map()));
    return job;
  }
}

function keyOf(k: RecordKey): string {
  return `${k.side}${SEP}${k.recordId}`;
}

/** As PostgreSQL gives it back (millisecond precision, UTC); a bad time is the caller's bug. */
function iso(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new RangeError(`record failure at is not an ISO time: ${JSON.stringify(at)}`);
  return d.toISOString();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
