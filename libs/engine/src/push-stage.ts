import { CursorTracker } from './cursor-tracker.js';
import type { CycleItem } from './plan.js';
import type { PlannedRun } from './plan-stage.js';
import { OpPusher } from './push-ops.js';
import type { PulledSide } from './pull-side.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';

/**
 * Carries the plan out: link-only ops, conflicts, then the writes of both sides at once, saving
 * links as each batch lands and every cursor as soon as all changes up to it are applied.
 */
export async function pushStage(ctx: RunContext, pulled: Record<Side, PulledSide>, planned: PlannedRun): Promise<void> {
  const { plan, loader, givenUp } = planned;
  const { linkIndex, clock, counters } = ctx;
  const cursors = {
    source: new CursorTracker(pulled.source.checkpoints, pulled.source.items),
    dest: new CursorTracker(pulled.dest.checkpoints, pulled.dest.items),
  };
  // A record that failed stays unsettled: its side's cursor stops before it, so the next run
  // pulls it again (what follows it comes back as echoes and costs no writes).
  const unsettled = new Set<CycleItem>([...plan.ops.flatMap((op) => op.settles), ...plan.failures.map((f) => f.item).filter((i) => !givenUp.has(i))]);
  for (const side of SIDES) for (const item of pulled[side].items) if (!unsettled.has(item)) cursors[side].settle(item);
  const writes = plan.ops.filter((op) => op.kind !== 'link').length;
  let applied = 0;
  ctx.progress('push', 0, writes);
  const pusher = new OpPusher(ctx, loader, cursors, (n) => ctx.progress('push', (applied += n), writes));
  const failedSides = await pusher.pushAll(plan.ops, async () => {
    for (const c of plan.conflicts) await linkIndex.recordConflict(c);
    // Open or already resolved by a person: a delete wins either way, so close it whatever its state.
    for (const { conflictId, keep } of plan.superseded) await linkIndex.supersedeConflict(conflictId, keep, new Date(clock.now()));
  });
  for (const [side, err] of failedSides) {
    ctx.rethrowFatal(err);
    counters.recordFailure(side, err);
    ctx.logger.error({ side: ctx.sideName(side), err: errorText(err) }, 'push failed');
  }
  await pusher.saveCursors();
}
