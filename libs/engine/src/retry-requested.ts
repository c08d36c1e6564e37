import { isSyncFrameError } from './errors/syncframe-error.js';
import type { FailingRecords } from './failing-records.js';
import type { PulledSide } from './pull-side.js';
import type { PulledRecords } from './pulled-records.js';
import type { RecordKey } from './record-failure.js';
import type { Side, SyncRecord } from './record.js';
import { SIDES } from './record.js';
import { NOT_PULLED_PAGE, readByIds } from './reconcile-stage.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';

/**
 * "Retry now": the failing records a person asked to retry, and this run did not pull, are read
 * by id and join the run's pulled records (of no page: they hold no cursor), so they are planned
 * and pushed again whatever their age. A record gone meanwhile leaves the list. The request is
 * served when the run records the record's failure again (`recordFailures` clears it), or the
 * record leaves the list because it synced. A side whose read fails (or that cannot read by id)
 * keeps its requests for a later run.
 */
export async function retryRequestedStage(
  ctx: RunContext, pulled: Record<Side, PulledSide>, records: PulledRecords, failing: FailingRecords,
): Promise<void> {
  const requested = failing.retryRequested;
  if (requested.length === 0) return;
  await Promise.all(SIDES.map(async (side) => {
    const pulledIds = new Set(pulled[side].items.map((i) => i.id));
    const ids = requested.filter((f) => f.side === side && !pulledIds.has(f.recordId)).map((f) => f.recordId);
    if (ids.length === 0) return;
    let found: SyncRecord[] | null;
    try {
      found = await readByIds(ctx, side, ids);
    } catch (err) {
      ctx.rethrowFatal(err);
      if (!isSyncFrameError(err)) throw err;
      ctx.logger.warn({ side: ctx.sideName(side), records: ids.length, err: errorText(err) }, 'records asked to be retried could not be read; a later run tries again');
      return;
    }
    if (found === null) {
      ctx.logger.warn({ side: ctx.sideName(side), records: ids.length }, 'records asked to be retried cannot be read by id on this side');
      return;
    }
    const asked = new Set(ids);
    const present = found.filter((r) => asked.has(r.id));
    pulled[side].items.push(...await records.add(side, NOT_PULLED_PAGE, present));
    const there = new Set(present.map((r) => r.id));
    const gone: RecordKey[] = ids.filter((id) => !there.has(id)).map((recordId) => ({ side, recordId }));
    failing.noteGone(gone);
    ctx.logger.info({ side: ctx.sideName(side), retried: present.length, gone: gone.length }, 'records asked to be retried are planned again');
  }));
}
