import type { CursorTracker } from './cursor-tracker.js';
import { isBatchRejectedError } from './errors/batch-rejected-error.js';
import { abortErrorOf, isFatalRunError } from './fatal-error.js';
import { holdsCursor } from './failed-record-hold.js';
import { PermanentError } from './errors/permanent-error.js';
import { jobSide } from './job.js';
import type { Link } from './link-index.js';
import { LinkSaver } from './link-saver.js';
import type { SideSnapshot } from './link-snapshot.js';
import { linkFieldsOf, snapshotOf, storedSnapshot } from './link-snapshot.js';
import { MergeLinks } from './merge-links.js';
import type { LinkedIdLoader } from './linked-id-loader.js';
import { DELETED_HASH, mapperContext, mapperFor, mapRecord } from './map-items.js';
import type { CycleItem, PlannedOp } from './plan.js';
import type { Side, SyncRecord } from './record.js';
import { withRetries } from './retry.js';
import type { RunContext } from './run-context.js';
import type { WriteOp, WriteResult } from './source-adapter.js';
import { Slots } from './slots.js';
import { defaultConcurrency } from './throttle.js';

const LINK_CHUNK = 1000;
/** Links one group commit saves at most ({@link LinkSaver}). */
const LINKS_PER_SAVE = 2000;
/** Landed records a side lets wait for their links' save while it writes more (see `pushSide`). */
const LANDED_UNLINKED = 1000;
const KINDS = ['create', 'update', 'delete'] as const;
const TARGETS = ['dest', 'source'] as const;

/**
 * Carries a plan's ops out: link-only ops first, then both target sides at once, each with its
 * creates, updates and deletes in batches of the side's `batch_size`, up to the side's
 * `concurrency` batches in flight (the throttle paces them), each with retries. The links of a
 * batch are saved as soon as it lands, then every cursor that became safe is saved, in order,
 * whichever batch lands first. Links of batches that land while a save runs are saved together
 * by the next ({@link LinkSaver}), and a cursor save asked for while one waits joins it: many small
 * batches in flight cost a few statements. A batch the remote refuses whole because of one record is
 * split until the record stands alone. The error that stopped a side's push is in `failedTargets`.
 */
export class OpPusher {
  private cursorSaves: Promise<void> = Promise.resolve();
  /** The cursor save queued and not started yet: later callers join it (it saves the newest safe cursors). */
  private queuedCursorSave: Promise<void> | null = null;
  private readonly linkSaver: LinkSaver;
  private readonly merges = new MergeLinks();
  /** Set by a lost lease or an abort: no side starts another batch. */
  private halted = false;
  private readonly failed = new Map<Side, unknown>();
  /** Each side's requests in flight, shared by the chunks being pushed at once. */
  private readonly slots: Record<Side, Slots>;
  /** Told of each delete that landed (the run summary lists them). */
  onDeleteLanded: ((op: PlannedOp) => void) | null = null;

  constructor(
    private readonly ctx: RunContext,
    private readonly loader: LinkedIdLoader,
    private readonly cursors: Record<Side, CursorTracker>,
    private readonly onApplied?: (n: number) => void,
  ) {
    const slotsOf = (side: Side) => {
      const settings = jobSide(ctx.job, side).throttle;
      return new Slots(settings.concurrency ?? defaultConcurrency(settings));
    };
    this.slots = { source: slotsOf('source'), dest: slotsOf('dest') };
    this.linkSaver = new LinkSaver((links) => ctx.linkIndex.upsertLinks(ctx.pair, links), LINKS_PER_SAVE);
  }

  /**
   * `afterLinks` runs once the link-only ops are saved and before any remote write: conflicts are
   * recorded there, after the links they point to exist. Called once per planned chunk; a side
   * whose push failed is in {@link failedTargets} and gets no more writes.
   */
  async pushAll(ops: readonly PlannedOp[], afterLinks: () => Promise<void>): Promise<void> {
    await this.pushLinkOnly(ops.filter((op) => op.kind === 'link'));
    await afterLinks();
    // Only now: a cursor saved before the conflicts are recorded could skip them for good.
    await this.saveCursors();
    // A side that failed earlier in the run gets no more writes: its records stay unsettled.
    const targets = TARGETS.filter((target) => !this.failed.has(target));
    const outcomes = await Promise.allSettled(targets.map((target) => this.pushSide(target, ops)));
    for (const o of outcomes) if (o.status === 'rejected' && isFatalRunError(o.reason)) throw o.reason;
    targets.forEach((target, i) => {
      const o = outcomes[i]!;
      if (o.status === 'fulfilled') return;
      const signal = this.ctx.retry[target].signal;
      if (signal?.aborted) throw abortErrorOf(signal);
      this.failed.set(target, o.reason);
    });
  }

  /** The error that stopped each side's push in this run. */
  get failedTargets(): ReadonlyMap<Side, unknown> {
    return this.failed;
  }

  /**
   * Saves every cursor that became safe. Calls queue behind each other, so cursors are saved in
   * the order they became safe even when batches land out of order.
   */
  saveCursors(): Promise<void> {
    if (this.queuedCursorSave) return this.queuedCursorSave;
    const save = this.cursorSaves.then(async () => {
      this.queuedCursorSave = null;
      for (const side of ['source', 'dest'] as const) {
        const cursor = this.cursors[side].advance();
        if (cursor) await this.ctx.linkIndex.saveCursor(this.ctx.job.id, jobSide(this.ctx.job, side).adapter.ref, cursor);
      }
    });
    this.queuedCursorSave = save;
    this.cursorSaves = save.catch(() => undefined);
    return save;
  }

  /**
   * One side's writes, `concurrency` batches at a time. After a batch fails for good no new batch
   * starts; those in flight finish and are recorded. Throws the first failure.
   */
  private async pushSide(target: Side, ops: readonly PlannedOp[]): Promise<void> {
    const settings = jobSide(this.ctx.job, target).throttle;
    const batches: { kind: WriteOp['kind']; ops: PlannedOp[] }[] = [];
    for (const kind of KINDS) {
      const ofKind = ops.filter((op) => op.target === target && op.kind === kind);
      for (let i = 0; i < ofKind.length; i += settings.batch_size) batches.push({ kind, ops: ofKind.slice(i, i + settings.batch_size) });
    }
    let next = 0;
    let stopped = false;
    const lane = async (): Promise<void> => {
      while (!stopped && !this.halted && next < batches.length) {
        const batch = batches[next++]!;
        try {
          await this.pushBatch(target, batch.kind, batch.ops);
        } catch (err) {
          stopped = true;
          if (isFatalRunError(err)) this.halted = true;
          throw err;
        }
      }
    };
    // More lanes than requests in flight: a lane whose batch landed waits for its links' save while
    // other lanes' writes hold the slots, so the remote is not left idle waiting for the LinkIndex,
    // and links saved together make few statements. Landed records awaiting their links (what a
    // crash would leave unlinked) stay under LANDED_UNLINKED, or one batch per slot if more.
    const { size } = this.slots[target];
    const lanes = Math.min(size + Math.max(size, Math.floor(LANDED_UNLINKED / settings.batch_size)), batches.length);
    const outcomes = await Promise.allSettled(Array.from({ length: lanes }, lane));
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (failures.length > 0) throw failures.find(isFatalRunError) ?? failures[0];
  }

  private async pushLinkOnly(ops: PlannedOp[]): Promise<void> {
    if (ops.length === 0) return;
    // Hash concurrently: mappers' linkedId lookups of one batch coalesce into one query.
    const hashes = await Promise.all(ops.map((op) => op.targetRecord
      ? this.hashOf(op.target, op.targetRecord)
      : storedSnapshot(op.link, op.target)));
    const links = ops.map((op, i) => this.linkFor(op, op.targetId!, hashes[i]!));
    for (let i = 0; i < links.length; i += LINK_CHUNK) await this.ctx.linkIndex.upsertLinks(this.ctx.pair, links.slice(i, i + LINK_CHUNK));
    for (const op of ops) this.settle(op.settles);
  }

  private async pushBatch(target: Side, kind: WriteOp['kind'], ops: PlannedOp[]): Promise<void> {
    let results: WriteResult[];
    try {
      results = await this.slots[target].run(async () => {
        // The side failed (in another chunk pushed meanwhile): no more requests to it in this run.
        if (this.failed.has(target)) throw this.failed.get(target);
        try {
          return await this.writeWithRetries(target, kind, ops);
        } catch (err) {
          // Marked before the slot is freed, so a batch waiting for it does not try again.
          if (!isBatchRejectedError(err) && !isFatalRunError(err) && !this.failed.has(target)) this.failed.set(target, err);
          throw err;
        }
      });
    } catch (err) {
      if (!isBatchRejectedError(err)) throw err;
      if (ops.length === 1) {
        await this.landed(target, kind, ops, [{ ok: false, reason: err.message }]);
        return;
      }
      this.ctx.logger.warn({ side: jobSide(this.ctx.job, target).name, size: ops.length }, 'batch rejected whole; splitting it to isolate the record');
      const half = Math.ceil(ops.length / 2);
      await this.pushBatch(target, kind, ops.slice(0, half));
      await this.pushBatch(target, kind, ops.slice(half));
      return;
    }
    await this.landed(target, kind, ops, results);
  }

  /**
   * One write request with retries. With `match`, a retried create first looks for the records
   * the failed attempt may have created (the write landed, its response was lost) and creates
   * only the rest: a lost response never makes a duplicate.
   */
  private async writeWithRetries(target: Side, kind: WriteOp['kind'], ops: PlannedOp[]): Promise<WriteResult[]> {
    const { job } = this.ctx;
    const retry = this.ctx.retry[target];
    const adapter = jobSide(job, target).adapter;
    const opts = { throttle: retry.throttle, ...(retry.signal ? { signal: retry.signal } : {}) };
    const matchField = job.match ? (target === 'source' ? job.match.source : job.match.dest) : null;
    const results = new Map<PlannedOp, WriteResult>();
    let pending = ops;
    await withRetries(retry, async (attempt) => {
      if (attempt > 1 && kind === 'create' && matchField) {
        const keyed = pending.filter((op) => op.matchKey !== undefined);
        if (keyed.length > 0) {
          const found = await adapter.findByField(matchField, keyed.map((op) => op.matchKey!), opts);
          const byKey = new Map(found.map((r) => [String(r.fields[matchField]), r]));
          for (const op of keyed) {
            const record = byKey.get(op.matchKey!);
            if (record) results.set(op, { ok: true, record });
          }
          pending = pending.filter((op) => !results.has(op));
        }
      }
      if (pending.length === 0) return;
      const out = await adapter.write(pending.map(toWriteOp), opts);
      if (out.length !== pending.length) {
        throw new PermanentError(`adapter ${adapter.ref.adapter} returned ${out.length} results for ${pending.length} writes`);
      }
      pending.forEach((op, i) => results.set(op, out[i]!));
      pending = [];
    });
    return ops.map((op) => results.get(op)!);
  }

  private async landed(target: Side, kind: WriteOp['kind'], ops: PlannedOp[], results: WriteResult[]): Promise<void> {
    const links: Link[] = [];
    const applied: string[] = [];
    const failedAlone = new Set<PlannedOp>();
    const hashes = await Promise.all(results.map((result) =>
      result.ok && kind !== 'delete' ? this.hashOf(target, result.record) : { hash: DELETED_HASH, fields: null }));
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const result = results[i]!;
      if (!result.ok) {
        this.ctx.counters.counts[op.originSide].errors++;
        const now = this.ctx.clock.now();
        const holding = op.settles.some((item) => holdsCursor(item, now));
        this.ctx.counters.recordError({ side: op.originSide, recordId: op.originId, stage: 'write', reason: result.reason, retrying: holding });
        if (holding) failedAlone.add(op);
        continue;
      }
      links.push(this.linkFor(op, result.record.id, hashes[i]!));
      this.ctx.counters.counts[target][kind === 'create' ? 'created' : kind === 'update' ? 'updated' : 'deleted']++;
      if (op.conflictId) applied.push(op.conflictId);
      if (kind === 'delete') this.onDeleteLanded?.(op);
    }
    await this.linkSaver.save(links);
    for (const id of applied) await this.ctx.linkIndex.markConflictApplied(id, new Date(this.ctx.clock.now()));
    // A record rejected alone is not settled: the cursor stays before it and the next run retries it.
    for (const op of ops) if (!failedAlone.has(op)) this.settle(op.settles);
    this.onApplied?.(ops.length);
    await this.saveCursors();
  }

  /** What the target's record now maps to, as the next pull of it will: its echo is then recognised. */
  private async hashOf(side: Side, record: SyncRecord): Promise<SideSnapshot> {
    const outcome = await mapRecord(mapperFor(this.ctx.job, side), record, mapperContext(this.ctx.job, side, this.loader));
    return snapshotOf(this.ctx.job, outcome);
  }

  private linkFor(op: PlannedOp, targetId: string, target: SideSnapshot): Link {
    const originIsSource = op.originSide === 'source';
    const origin: SideSnapshot = { hash: op.originHash, fields: op.originFields ?? null };
    const sourceHash = originIsSource ? op.originHash : target.hash;
    const destHash = originIsSource ? target.hash : op.originHash;
    const bothDeleted = sourceHash === DELETED_HASH && destHash === DELETED_HASH;
    const now = new Date(this.ctx.clock.now()).toISOString();
    const link: Link = {
      sourceId: originIsSource ? op.originId : targetId,
      destId: originIsSource ? targetId : op.originId,
      sourceHash,
      destHash,
      deletedAt: op.kind === 'delete' || bothDeleted ? now : op.link?.deletedAt ?? null,
      syncedAt: now,
      ...(originIsSource ? linkFieldsOf(origin.fields, target.fields) : linkFieldsOf(target.fields, origin.fields)),
    };
    // field_merge: one of a link's two partial writes (merge-links.ts).
    return op.merge ? this.merges.landed({ ...op, merge: op.merge }, link) : link;
  }

  /** Counts these pulled items as applied: their sides' cursors may pass them. */
  settle(items: readonly CycleItem[]): void {
    for (const item of items) this.cursors[item.side].settle({ id: item.record.id, page: item.page });
  }
}

function toWriteOp(op: PlannedOp): WriteOp {
  switch (op.kind) {
    case 'create':
      return { kind: 'create', fields: op.fields };
    case 'update':
      return { kind: 'update', id: op.targetId!, fields: op.fields };
    case 'delete':
      return { kind: 'delete', id: op.targetId! };
    case 'link':
      throw new Error('a link-only op is never written to a remote');
  }
}

