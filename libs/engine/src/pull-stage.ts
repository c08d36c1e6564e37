import type { PulledSide } from './pull-side.js';
import type { PulledRecords } from './pulled-records.js';
import { pullSide } from './pull-side.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';

/**
 * Pulls both sides at once (they are usually different accounts, each with its own budget).
 * Returns null when a side failed; its failure is in the counters.
 */
export async function pullStage(ctx: RunContext, records: PulledRecords): Promise<Record<Side, PulledSide> | null> {
  const { job, linkIndex, counters } = ctx;
  let pulledCount = 0;
  const outcomes = await Promise.allSettled(SIDES.map(async (side) => {
    const adapter = (side === 'source' ? job.source : job.dest).adapter;
    const cursor = await linkIndex.loadCursor(job.id, adapter.ref);
    const pulled = await pullSide(side, adapter, cursor, ctx.retry[side], records, (n) => ctx.progress('pull', (pulledCount += n), 0));
    counters.counts[side].pulled = pulled.items.length;
    ctx.logger.info({ side: ctx.sideName(side), records: pulled.items.length, pages: pulled.checkpoints.length, spilledSoFar: records.spilled }, 'pulled');
    return pulled;
  }));
  const pulled = {} as Record<Side, PulledSide>;
  // Fatal errors (lost lease, abort) first: they end the run whichever side saw them.
  for (const o of outcomes) if (o.status === 'rejected') ctx.rethrowFatal(o.reason);
  SIDES.forEach((side, i) => {
    const o = outcomes[i]!;
    if (o.status === 'fulfilled') pulled[side] = o.value;
    else {
      counters.recordFailure(side, o.reason);
      ctx.logger.error({ side: ctx.sideName(side), err: errorText(o.reason) }, 'pull failed');
    }
  });
  return counters.failures.length > 0 ? null : pulled;
}
