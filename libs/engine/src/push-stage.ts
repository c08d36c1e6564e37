import { CursorTracker } from './cursor-tracker.js';
import { DeleteStage } from './delete-stage.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import type { PendingDelete } from './pending-delete.js';
import type { CycleItem } from './plan.js';
import type { PlannedRun } from './plan-stage.js';
import { OpPusher } from './push-ops.js';
import type { PulledSide } from './pull-side.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';
import type { RunContext } from './run-context.js';
import { errorText } from './run-counters.js';

/**
 * Carries a run's plan out, chunk by chunk: link-only ops, conflicts, then the writes of both sides
 * at once, saving links as each batch lands and every cursor as soon as all changes up to it are
 * applied (cursors follow the pull order; chunks do too). A side whose push failed gets no more
 * writes in this run.
 */
export class PushStage {
  private readonly cursors: Record<Side, CursorTracker>;
  private readonly pusher: OpPusher;
  private readonly deletes: DeleteStage;
  private writes = 0;
  private applied = 0;

  /** `waiting`: the job's pending deletes not carried out yet, as read at the run's start. */
  constructor(private readonly ctx: RunContext, pulled: Record<Side, PulledSide>, loader: LinkedIdLoader, waiting: readonly PendingDelete[]) {
    this.cursors = {
      source: new CursorTracker(pulled.source.checkpoints, pulled.source.items),
      dest: new CursorTracker(pulled.dest.checkpoints, pulled.dest.items),
    };
    this.pusher = new OpPusher(ctx, loader, this.cursors, (n) => ctx.progress('push', (this.applied += n), this.writes));
    this.deletes = new DeleteStage(ctx, this.pusher, waiting);
  }

  /** Pushes one planned chunk. */
  async push(planned: PlannedRun): Promise<void> {
    const { plan, items, givenUp } = planned;
    const { linkIndex, clock } = this.ctx;
    // A record that failed stays unsettled: its side's cursor stops before it, so the next run
    // pulls it again (what follows it comes back as echoes and costs no writes).
    const unsettled = new Set<CycleItem>([...plan.ops.flatMap((op) => op.settles), ...plan.failures.map((f) => f.item).filter((i) => !givenUp.has(i))]);
    for (const side of SIDES) for (const item of items[side]) if (!unsettled.has(item)) this.cursors[side].settle({ id: item.record.id, page: item.page });
    // Deletes wait for the run's end, when the delete brake knows how many there are.
    const ops = this.deletes.defer(plan.ops);
    this.writes += ops.filter((op) => op.kind !== 'link').length;
    this.ctx.progress('push', this.applied, this.writes);
    await this.pusher.pushAll(ops, async () => {
      for (const c of plan.conflicts) await linkIndex.recordConflict(c);
      // Open or already resolved by a person: a delete wins either way, so close it whatever its state.
      for (const { conflictId, keep } of plan.superseded) await linkIndex.supersedeConflict(conflictId, keep, new Date(clock.now()));
    });
  }

  /**
   * Applies (or holds back) the run's deletes when every chunk was planned, records the sides whose push failed and saves the
   * cursors that became safe.
   */
  async finish(planComplete: boolean): Promise<void> {
    // A run that could not plan every chunk cannot tell how many deletes it has: they wait, unsettled, for the next.
    if (planComplete) {
      this.writes += this.deletes.deferredCount;
      await this.deletes.finish();
    }
    for (const [side, err] of this.pusher.failedTargets) {
      this.ctx.rethrowFatal(err);
      this.ctx.counters.recordFailure(side, err);
      this.ctx.logger.error({ side: this.ctx.sideName(side), err: errorText(err) }, 'push failed');
    }
    await this.pusher.saveCursors();
  }
}
