import { randomUUID } from 'node:crypto';
import type { Link } from './link-index.js';
import { DELETED_HASH } from './map-items.js';
import type { NewPendingDelete, PendingDelete } from './pending-delete.js';
import { deleteTarget } from './pending-delete.js';
import type { PlannedOp } from './plan.js';
import type { OpPusher } from './push-ops.js';
import { readByIds } from './reconcile-stage.js';
import type { SyncRecord } from './record.js';
import { SIDES } from './record.js';
import type { RunContext } from './run-context.js';

const linkKey = (sourceId: string, destId: string) => `${sourceId}\u0000${destId}`;

/**
 * A run's deletes, held to its end: a run applies them only once it knows how many there are.
 * At the end it carries out what people decided about earlier held deletes (approved: deleted;
 * rejected: the pair let go), then either applies this run's deletes, or, when they are more than
 * the job's delete brake allows, applies none and records each as a pending delete. Every delete
 * applied reads the record first (when the run does not have it in hand) and lands in the run
 * summary with that content, so a person can restore it.
 */
export class DeleteStage {
  /** This run's deletes (not a conflict a person resolved: those are decided already). */
  private readonly deferred: PlannedOp[] = [];
  private readonly approvedBy = new Map<PlannedOp, PendingDelete>();
  private readonly appliedPending: string[] = [];
  /** Records whose disappearance (or delete flag) waits for a person: `side:id`. */
  private readonly goneWaiting: ReadonlySet<string>;

  /** `waiting`: the job's pending deletes not carried out yet, as read at the run's start (decisions made since wait for the next run). */
  constructor(private readonly ctx: RunContext, private readonly pusher: OpPusher, private readonly waiting: readonly PendingDelete[]) {
    pusher.onDeleteLanded = (op) => this.landed(op);
    this.goneWaiting = new Set(waiting.map((p) => `${p.side}:${p.side === 'source' ? p.sourceId : p.destId}`));
  }

  /**
   * Takes the ops to hold back until the run's end out of `ops`; returns the rest. A write to a
   * record whose delete waits for a person is not made at all (it is gone, or flagged deleted: the
   * pair stands as it is until the decision); its pulled records are settled.
   */
  defer(ops: readonly PlannedOp[]): PlannedOp[] {
    const now: PlannedOp[] = [];
    let held = 0;
    for (const op of ops) {
      if (op.kind === 'update' && op.targetId !== null && this.goneWaiting.has(`${op.target}:${op.targetId}`)) {
        this.pusher.settle(op.settles);
        held++;
      } else (op.kind === 'delete' && !op.conflictId ? this.deferred : now).push(op);
    }
    if (held > 0) this.ctx.logger.info({ held }, 'writes to records whose delete waits for a person were not made');
    return now;
  }

  get deferredCount(): number {
    return this.deferred.length;
  }

  async finish(): Promise<void> {
    const { ctx } = this;
    const { waiting } = this;
    await this.letRejectedGo(waiting.filter((p) => p.decision === 'rejected'));
    const approved = waiting.filter((p) => p.decision === 'approved').map((p) => this.approvedOp(p));
    // A link with a delete already waiting keeps that one: the record stays as it is until a person decides.
    const busy = new Set(waiting.map((p) => linkKey(p.sourceId, p.destId)));
    const fresh = this.deferred.filter((op) => !busy.has(linkKeyOf(op)));
    for (const op of this.deferred) if (busy.has(linkKeyOf(op))) this.pusher.settle(op.settles);
    const toApply = [...approved];
    if (await this.brakeHolds(fresh.length)) await this.hold(fresh);
    else toApply.push(...fresh);
    if (toApply.length === 0) return;
    await this.pusher.pushAll(await this.withContent(toApply), async () => undefined);
    if (this.appliedPending.length > 0) await ctx.linkIndex.markPendingDeletesApplied(this.appliedPending, new Date(ctx.clock.now()));
  }

  private async brakeHolds(n: number): Promise<boolean> {
    const brake = this.ctx.job.deleteBrake ?? null;
    if (brake === null || n === 0) return false;
    if (n > brake.maxCount) return true;
    const linked = await this.ctx.linkIndex.countLinks(this.ctx.pair);
    return n > brake.maxShare * linked;
  }

  private async hold(ops: readonly PlannedOp[]): Promise<void> {
    const { ctx } = this;
    const detectedAt = new Date(ctx.clock.now()).toISOString();
    const rows: NewPendingDelete[] = ops.map((op) => ({
      deleteId: randomUUID(),
      jobId: ctx.job.id,
      pair: ctx.pair,
      sourceId: op.originSide === 'source' ? op.originId : op.targetId!,
      destId: op.originSide === 'dest' ? op.originId : op.targetId!,
      side: op.originSide,
      cause: ctx.gone[op.originSide].has(op.originId) ? 'gone' : 'deleted',
      targetPayload: op.targetRecord,
      runId: ctx.runId,
      detectedAt,
    }));
    await ctx.linkIndex.addPendingDeletes(rows);
    // Recorded where a person sees them: the cursor may pass their records.
    for (const op of ops) this.pusher.settle(op.settles);
    ctx.counters.deletesHeld += ops.length;
    ctx.logger.warn({ held: ops.length }, 'delete brake: this run would delete more than the job allows; none applied, each waits for approval as a pending delete');
  }

  /** Rejected: the partner stays. A gone record's link is let go; a flagged one's delete is recorded as synced, so neither is proposed again. */
  private async letRejectedGo(rejected: readonly PendingDelete[]): Promise<void> {
    if (rejected.length === 0) return;
    const { linkIndex, pair, clock } = this.ctx;
    const gone = rejected.filter((p) => p.cause === 'gone');
    if (gone.length > 0) await linkIndex.deleteLinks(pair, gone.map((p) => ({ sourceId: p.sourceId, destId: p.destId })));
    const flagged = rejected.filter((p) => p.cause === 'deleted');
    const updated: Link[] = [];
    for (const side of SIDES) {
      const ofSide = flagged.filter((p) => p.side === side);
      if (ofSide.length === 0) continue;
      const links = await linkIndex.findLinks(pair, side, ofSide.map((p) => (side === 'source' ? p.sourceId : p.destId)));
      const wanted = new Set(ofSide.map((p) => linkKey(p.sourceId, p.destId)));
      for (const link of links) {
        if (!wanted.has(linkKey(link.sourceId, link.destId)) || link.deletedAt) continue;
        updated.push(side === 'source' ? { ...link, sourceHash: DELETED_HASH } : { ...link, destHash: DELETED_HASH });
      }
    }
    if (updated.length > 0) await linkIndex.upsertLinks(pair, updated);
    await linkIndex.markPendingDeletesApplied(rejected.map((p) => p.deleteId), new Date(clock.now()));
    this.ctx.logger.info({ rejected: rejected.length }, 'rejected deletes carried out: their records stay');
  }

  private approvedOp(p: PendingDelete): PlannedOp {
    const target = deleteTarget(p);
    const op: PlannedOp = {
      target: target.side, kind: 'delete', targetId: target.id, fields: {},
      originSide: p.side, originId: p.side === 'source' ? p.sourceId : p.destId, originHash: DELETED_HASH,
      link: null, targetRecord: p.targetPayload, settles: [],
    };
    this.approvedBy.set(op, p);
    return op;
  }

  /** The ops, each with its target's record: read now for those the run does not hold (one read per 100). */
  private async withContent(ops: PlannedOp[]): Promise<PlannedOp[]> {
    const read = new Map<string, SyncRecord>();
    for (const side of SIDES) {
      const ids = ops.filter((op) => op.target === side && op.targetRecord === null).map((op) => op.targetId!);
      if (ids.length === 0) continue;
      for (const r of (await readByIds(this.ctx, side, ids)) ?? []) read.set(`${side}:${r.id}`, r);
    }
    return ops.map((op) => {
      if (op.targetRecord !== null) return op;
      const record = read.get(`${op.target}:${op.targetId}`);
      if (!record) return op;
      const withRecord = { ...op, targetRecord: record };
      const approved = this.approvedBy.get(op);
      if (approved) this.approvedBy.set(withRecord, approved);
      return withRecord;
    });
  }

  private landed(op: PlannedOp): void {
    const approved = this.approvedBy.get(op);
    if (approved) this.appliedPending.push(approved.deleteId);
    this.ctx.counters.recordDelete({
      side: op.target,
      recordId: op.targetId!,
      partnerId: op.originId,
      cause: op.conflictId ? 'conflict' : approved ? approved.cause : this.ctx.gone[op.originSide].has(op.originId) ? 'gone' : 'deleted',
      ...(approved ? { approvedDeleteId: approved.deleteId } : {}),
      record: op.targetRecord,
    });
  }
}

function linkKeyOf(op: PlannedOp): string {
  const [sourceId, destId] = op.originSide === 'source' ? [op.originId, op.targetId!] : [op.targetId!, op.originId];
  return linkKey(sourceId, destId);
}

