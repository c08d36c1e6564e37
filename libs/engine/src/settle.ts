import type { SettleSettings } from './job.js';
import { jobSide } from './job.js';
import type { PlanEntry } from './plan.js';
import type { PlanChunk, PulledItems } from './plan-chunks.js';
import type { PulledItem } from './pulled-records.js';
import type { Side } from './record.js';
import { SIDES } from './record.js';
import type { RunContext } from './run-context.js';

/** What edit settling decided for one chunk: the entries of its waiting records, and the holds it lets go. */
export interface ChunkSettle {
  /** One `wait` entry per record of the chunk's waiting groups. */
  readonly waits: readonly PlanEntry[];
  /** Ids of the chunk's planned records whose hold is over (they settled, or reached `settle_max_sec`). */
  readonly release: Readonly<Record<Side, readonly string[]>>;
}

/** A record of a settling side that waits this run. */
interface Held {
  readonly editedAt: number;
  readonly heldSince: number;
  readonly settle: SettleSettings;
}

/**
 * Edit settling (`settle_sec`) for one run: which pulled records wait for a later run, and which
 * held records are let go. Built once per run by {@link settleRun}, read per chunk.
 */
export class SettleGate {
  constructor(
    private readonly ctx: RunContext,
    private readonly now: number,
    private readonly held: Readonly<Record<Side, ReadonlyMap<string, Held>>>,
    private readonly released: Readonly<Record<Side, ReadonlySet<string>>>,
  ) {}

  /** Whether the record itself is held (a group with one waits whole: see `planChunks`). */
  readonly holds = (item: PulledItem): boolean => this.held[item.side].has(item.id);

  forChunk(chunk: PlanChunk): ChunkSettle {
    const waits: PlanEntry[] = [];
    for (const group of chunk.waiting) {
      const cause = group.find(this.holds)!;
      for (const item of group) waits.push({ side: item.side, recordId: item.id, action: 'wait', target: null, reason: this.reason(item, cause) });
    }
    const release = { source: [] as string[], dest: [] as string[] };
    for (const side of SIDES) for (const item of chunk.items[side]) if (this.released[side].has(item.id)) release[side].push(item.id);
    return { waits, release };
  }

  private reason(item: PulledItem, cause: PulledItem): string {
    const held = this.held[item.side].get(item.id);
    if (!held) return `waits with ${this.ctx.sideName(cause.side)} record ${cause.id}, edited too recently to sync (settle_sec)`;
    const ago = Math.max(0, Math.round((this.now - held.editedAt) / 1000));
    const since = new Date(held.heldSince).toISOString();
    return `edited ${ago} s ago; waits until ${held.settle.sec} s without an edit (settle_sec), at most ${held.settle.maxSec} s from ${since} (settle_max_sec)`;
  }
}

/**
 * Decides, per settling side, which pulled records are held this run: those modified less than
 * `settle.sec` before now, unless they were first held `settle.maxSec` or more ago (a record
 * edited without pause still syncs). New holds are recorded (first time kept); a dry run only
 * reads them. Each side costs one read of its pulled ids' holds and, when a record starts waiting,
 * one write. Returns null when no side settles.
 */
export async function settleRun(ctx: RunContext, items: PulledItems): Promise<SettleGate | null> {
  if (!SIDES.some((side) => (jobSide(ctx.job, side).settle?.sec ?? 0) > 0)) return null;
  const now = ctx.clock.now();
  const held = { source: new Map<string, Held>(), dest: new Map<string, Held>() };
  const released = { source: new Set<string>(), dest: new Set<string>() };
  await Promise.all(SIDES.map(async (side) => {
    const settle = jobSide(ctx.job, side).settle;
    if (!settle || settle.sec <= 0 || items[side].length === 0) return;
    const ref = jobSide(ctx.job, side).adapter.ref;
    const before = await ctx.linkIndex.findHeld(ctx.job.id, ref, items[side].map((i) => i.id));
    // A time later than now (a remote clock ahead of ours) counts as just edited; NaN as settled.
    const recent = items[side].filter((i) => now - i.editedAt < settle.sec * 1000);
    const fresh = recent.filter((i) => !before.has(i.id)).map((i) => i.id);
    const since = fresh.length === 0 ? new Map<string, string>()
      : ctx.dryRun ? new Map(fresh.map((id) => [id, new Date(now).toISOString()]))
      : await ctx.linkIndex.holdRecords(ctx.job.id, ref, fresh, new Date(now));
    for (const item of recent) {
      const heldSince = Date.parse(before.get(item.id) ?? since.get(item.id) ?? new Date(now).toISOString());
      if (now - heldSince < settle.maxSec * 1000) held[side].set(item.id, { editedAt: item.editedAt, heldSince, settle });
    }
    for (const id of [...before.keys(), ...since.keys()]) if (!held[side].has(id)) released[side].add(id);
    if (held[side].size > 0) ctx.logger.info({ side: ctx.sideName(side), held: held[side].size }, 'records edited too recently wait for a later run (settle_sec)');
  }));
  return new SettleGate(ctx, now, held, released);
}
