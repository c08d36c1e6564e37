import type { PlannedRun } from './plan-stage.js';
import type { RecordFailure, RecordKey } from './record-failure.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';
import type { RunContext } from './run-context.js';
import { recordKeyOf } from './run-counters.js';
import type { RunSummary } from './run-summary.js';

/**
 * The job's failing records as one run sees them (the board's list, `record_failures`): read once
 * after the pull, it tells which records a person asked to retry, and which records of the run
 * may leave the list. At the run's end ({@link storeRecordFailures}) the run's failed records are
 * counted up, and the listed records it planned and did not fail are cleared.
 *
 * Only records already in the list are tracked, so the run keeps nothing per pulled record, and a
 * run of a job with no failing record costs that one read and nothing more.
 */
export class FailingRecords {
  private readonly listed: ReadonlySet<string>;
  /** Listed records this run planned (not failed in planning, not waiting), with the sides their writes go to. */
  private readonly planned = new Map<string, { key: RecordKey; targets: Set<Side> }>();
  /** Listed records found gone when read for a retry. */
  private readonly gone: RecordKey[] = [];

  constructor(readonly failures: readonly RecordFailure[]) {
    this.listed = new Set(failures.map((f) => recordKeyOf(f.side, f.recordId)));
  }

  /** One read of the job's list (most often empty). */
  static async load(ctx: RunContext): Promise<FailingRecords> {
    return new FailingRecords(await ctx.linkIndex.listRecordFailures(ctx.job.id));
  }

  /** The failures a person asked to retry ("retry now"). */
  get retryRequested(): RecordFailure[] {
    return this.failures.filter((f) => f.retryRequestedAt !== null);
  }

  /** These listed records no longer exist: they leave the list. */
  noteGone(keys: readonly RecordKey[]): void {
    this.gone.push(...keys);
  }

  /** A chunk was planned: its listed records may leave the list, unless they fail or their writes do not land. */
  notePlanned(run: PlannedRun): void {
    if (this.listed.size === 0) return;
    for (const side of SIDES) {
      for (const item of run.items[side]) {
        const key = recordKeyOf(side, item.record.id);
        if (this.listed.has(key)) this.planned.set(key, { key: { side, recordId: item.record.id }, targets: new Set() });
      }
    }
    if (this.planned.size === 0) return;
    for (const op of run.plan.ops) {
      if (op.kind === 'link') continue;
      for (const item of op.settles) this.planned.get(recordKeyOf(item.side, item.record.id))?.targets.add(op.target);
    }
  }

  /**
   * The listed records that synced in this run: planned, not failed, and not written to a side
   * that failed in the run (its writes may not have landed; kept listed until a run shows they did).
   */
  cleared(ctx: RunContext): RecordKey[] {
    const failedSides = new Set(ctx.counters.failures.map((f) => f.side));
    const out = [...this.gone];
    for (const [key, { key: recordKey, targets }] of this.planned) {
      if (ctx.counters.failedRecords.has(key)) continue;
      if ([...targets].some((side) => failedSides.has(side))) continue;
      out.push(recordKey);
    }
    return out;
  }
}

/**
 * Stores the run's failing records: every record that failed counts one more failure (a retry
 * request it answered is cleared), and listed records that synced leave the list. At most two
 * writes, each only when it has something to write. `failing` is null when the run ended before
 * reading the list (the pull failed): then nothing is cleared.
 */
export async function storeRecordFailures(ctx: RunContext, summary: RunSummary, failing: FailingRecords | null): Promise<void> {
  const failed = [...ctx.counters.failedRecords.values()];
  if (failed.length > 0) {
    const at = summary.endedAt;
    await ctx.linkIndex.recordFailures(ctx.job.id, failed.map((f) => ({ ...f, runId: summary.runId, at })));
  }
  const cleared = failing?.cleared(ctx) ?? [];
  if (cleared.length > 0) await ctx.linkIndex.clearRecordFailures(ctx.job.id, cleared);
  if (failed.length > 0 || cleared.length > 0) ctx.logger.info({ failing: failed.length, cleared: cleared.length }, 'failing records stored');
}
