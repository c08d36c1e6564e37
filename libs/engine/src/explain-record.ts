import type { Conflict } from './conflict.js';
import { conflictState } from './conflict.js';
import { fieldHashes } from './content-hash.js';
import { changedFields } from './field-diff.js';
import type { SyncJob } from './job.js';
import { jobSide } from './job.js';
import type { Link } from './link-index.js';
import { LinkedIdLoader } from './linked-id-loader.js';
import { mapperContext, mapperFor, mapRecord } from './map-items.js';
import type { PendingDelete } from './pending-delete.js';
import { pendingDeleteState } from './pending-delete.js';
import type { CycleItem, PlanEntry } from './plan.js';
import type { FindByField } from './plan-cycle.js';
import { planCycle } from './plan-cycle.js';
import { readByIds } from './reconcile-stage.js';
import type { Side, SyncRecord } from './record.js';
import { otherSide, SIDES } from './record.js';
import type { RecordFailure } from './record-failure.js';
import { withRetries } from './retry.js';
import type { SyncCycleDeps } from './run-context.js';
import { openRunContext } from './run-context.js';
import type { RunContext } from './run-context.js';

/** One record of a job as it is now, and whether it exists (null: the adapter cannot read by id). */
export interface RecordNow {
  readonly side: Side;
  readonly id: string;
  readonly exists: boolean | null;
  readonly record: SyncRecord | null;
}

/**
 * "Why didn't record X sync?": everything SyncFrame knows about one record, gathered for a person
 * (`syncframe explain`, `GET /api/jobs/:id/records/:recordId`, the board's record page).
 */
export interface RecordExplanation {
  readonly jobId: string;
  readonly recordId: string;
  /** The side the id was found on; null when neither side knows it. */
  readonly side: Side | null;
  readonly record: RecordNow | null;
  /** The link of the record, tombstone included; null when it never synced. */
  readonly link: Link | null;
  readonly partner: RecordNow | null;
  /** When the pair last synced, and the run that did it (found by its time; null when not recorded any more). */
  readonly lastSynced: { readonly at: string; readonly runId: string | null } | null;
  /**
   * Whether its content, as its mapper makes it now, differs from what was last synced; the fields
   * that changed when the link keeps them per field (`field_merge`), else null.
   */
  readonly changedSinceSync: { readonly changed: boolean; readonly fields: readonly string[] | null } | null;
  /** The mapped fields whose value differs from what the partner holds now (null: nothing to compare). */
  readonly differsFromPartner: readonly string[] | null;
  /** The mapper's outcome for the record now: an error, or a skip (null). */
  readonly mapping: { readonly ok: true; readonly skipped: boolean } | { readonly ok: false; readonly reason: string } | null;
  /** Conflicts of the pair not applied yet (open, or resolved and waiting for the next run). */
  readonly conflicts: readonly Conflict[];
  /** Pending deletes of the pair not carried out yet. */
  readonly pendingDeletes: readonly PendingDelete[];
  /** The record's (or its partner's) latest failure, from the failing-records list. */
  readonly failures: readonly RecordFailure[];
  /** Edit settling: when the record was first held (it is waiting for its edits to settle). */
  readonly heldSince: string | null;
  /** What the next run that pulls the record (and its partner) would do: the planner, dry. */
  readonly next: readonly PlanEntry[];
  /** The same in sentences, for a person, most telling first. */
  readonly verdict: readonly string[];
}

/**
 * Explains one record of a job, by either side's id: reads the LinkIndex (link, conflicts, pending
 * deletes, failures, holds), reads the record and its partner by id from the remotes, maps them,
 * and plans them as the next run would, writing nothing anywhere.
 */
export async function explainRecord(job: SyncJob, deps: SyncCycleDeps, recordId: string): Promise<RecordExplanation> {
  const ctx = openRunContext(job, deps, { dryRun: true, trigger: 'api', keepPlan: true });
  const { linkIndex, pair } = ctx;
  const [bySource, byDest] = await Promise.all([linkIndex.findLinks(pair, 'source', [recordId]), linkIndex.findLinks(pair, 'dest', [recordId])]);
  const linked = pickLink(bySource, byDest);
  let side: Side | null = linked?.side ?? null;
  let record: RecordNow | null = null;
  if (side) record = await readNow(ctx, side, recordId);
  else {
    // Never linked: look for it on both sides.
    for (const s of SIDES) {
      const now = await readNow(ctx, s, recordId);
      if (now.exists) {
        side = s;
        record = now;
        break;
      }
    }
  }
  const link = linked?.link ?? null;
  const partnerSide = side ? otherSide(side) : null;
  const partnerId = link && partnerSide ? (partnerSide === 'source' ? link.sourceId : link.destId) : null;
  const partner = partnerSide && partnerId ? await readNow(ctx, partnerSide, partnerId) : null;

  const [open, resolved, waiting, failures] = await Promise.all([
    linkIndex.listConflicts(job.id, 'open'), linkIndex.listConflicts(job.id, 'resolved'),
    linkIndex.listPendingDeletes(job.id, ['open', 'approved', 'rejected']),
    // Unknown on both sides: a failure recorded under either side still explains it (and offers a retry).
    linkIndex.listRecordFailures(job.id, side
      ? [{ side, recordId }, ...(partnerSide && partnerId ? [{ side: partnerSide, recordId: partnerId }] : [])]
      : SIDES.map((s) => ({ side: s, recordId }))),
  ]);
  const ofPair = <T extends { sourceId: string; destId: string }>(rows: readonly T[]) =>
    rows.filter((r) => (side === 'source' ? r.sourceId === recordId : side === 'dest' ? r.destId === recordId : false) || (link !== null && r.sourceId === link.sourceId && r.destId === link.destId));
  const conflicts = ofPair([...open, ...resolved]);
  const pendingDeletes = ofPair(waiting).filter((p) => pendingDeleteState(p) !== 'done');
  const held = side ? await linkIndex.findHeld(job.id, jobSide(job, side).adapter.ref, [recordId]) : new Map<string, string>();
  const heldSince = held.get(recordId) ?? null;

  const loader = new LinkedIdLoader(linkIndex);
  const mapped = side && record?.record ? await mapRecord(mapperFor(job, side), record.record, mapperContext(job, side, loader)) : null;
  const mapping = mapped === null ? null : mapped.ok ? { ok: true as const, skipped: mapped.mapped === null } : { ok: false as const, reason: mapped.reason };
  const changedSinceSync = side && link && mapped?.ok && mapped.mapped
    ? changedSince(link, side, mapped.hash, mapped.mapped.fields)
    : null;
  const differsFromPartner = mapped?.ok && mapped.mapped && partner?.record ? changedFields(mapped.mapped.fields, partner.record.fields) : null;
  const lastSynced = link ? { at: link.syncedAt, runId: await runAt(ctx, link.syncedAt) } : null;
  const next = side && record?.record ? await planNext(ctx, loader, side, record.record, partner) : [];

  const explanation = {
    jobId: job.id, recordId, side, record, link, partner, lastSynced, changedSinceSync, differsFromPartner, mapping,
    conflicts, pendingDeletes, failures, heldSince, next,
  };
  return { ...explanation, verdict: verdictOf(job, explanation) };
}

function pickLink(bySource: readonly Link[], byDest: readonly Link[]): { side: Side; link: Link } | null {
  // A live link before a tombstone: a record re-linked after a delete shows its current pair.
  const live = (links: readonly Link[]) => links.find((l) => !l.deletedAt) ?? links[0];
  const s = live(bySource);
  if (s) return { side: 'source', link: s };
  const d = live(byDest);
  return d ? { side: 'dest', link: d } : null;
}

async function readNow(ctx: RunContext, side: Side, id: string): Promise<RecordNow> {
  const read = await readByIds(ctx, side, [id]);
  if (read === null) return { side, id, exists: null, record: null };
  const record = read.find((r) => r.id === id) ?? null;
  return { side, id, exists: record !== null, record };
}

function changedSince(link: Link, side: Side, hash: string, fields: Readonly<Record<string, unknown>>): { changed: boolean; fields: string[] | null } {
  const synced = side === 'source' ? link.sourceHash : link.destHash;
  const perField = side === 'source' ? link.sourceFields : link.destFields;
  const changed = synced !== hash;
  if (!perField) return { changed, fields: null };
  const now = fieldHashes(fields);
  const keys = new Set([...Object.keys(now), ...Object.keys(perField)]);
  return { changed, fields: [...keys].filter((k) => now[k] !== perField[k]).sort() };
}

/** The run that was going on at `at` (the latest started at or before it that ended at or after it). */
async function runAt(ctx: RunContext, at: string): Promise<string | null> {
  const before = new Date(Date.parse(at) + 1).toISOString();
  const [run] = await ctx.linkIndex.listRuns({ jobId: ctx.job.id, before, limit: 1 });
  return run && run.endedAt >= at ? run.runId : null;
}

/** The planner on the record (and its partner, when it exists), as if the next run pulled them. */
async function planNext(ctx: RunContext, loader: LinkedIdLoader, side: Side, record: SyncRecord, partner: RecordNow | null): Promise<PlanEntry[]> {
  const items: Record<Side, CycleItem[]> = { source: [], dest: [] };
  items[side].push({ side, record, page: 0 });
  if (partner?.record) items[partner.side].push({ side: partner.side, record: partner.record, page: 0 });
  const findByField: FindByField = (s, field, values) =>
    withRetries(ctx.retry[s], () => jobSide(ctx.job, s).adapter.findByField(field, values, { throttle: ctx.retry[s].throttle }));
  const plan = await planCycle({
    job: ctx.job, pair: ctx.pair, linkIndex: ctx.linkIndex, loader, findByField, items,
    now: () => new Date(ctx.clock.now()).toISOString(),
  });
  return plan.entries;
}

type Explained = Omit<RecordExplanation, 'verdict'>;

/** Sentences for a person, the most telling first. */
export function verdictOf(job: SyncJob, e: Explained): string[] {
  const name = (s: Side) => jobSide(job, s).name;
  const out: string[] = [];
  if (e.side === null) {
    out.push(`No record ${e.recordId} on either side of job ${job.id}, and no link names it: check the id (Airtable rec…, Webflow item id), or the job.`);
    for (const f of e.failures) out.push(failureText(job, f));
    return out;
  }
  const here = `${name(e.side)} ${e.recordId}`;
  if (e.record?.exists === false) out.push(`${here} does not exist any more (deleted for good); a reconciliation (\`reconcile\`) carries that to its partner.`);
  if (e.record?.record?.deleted) out.push(`${here} is flagged deleted.`);
  if (e.link?.deletedAt) out.push(`The pair was deleted at ${e.link.deletedAt}: a deleted pair is never re-created.`);
  for (const p of e.pendingDeletes) {
    out.push(`A delete of this pair waits for a person (${p.decision ?? 'open'}; pending delete ${p.deleteId}): \`syncframe deletes list --job ${job.id}\`.`);
  }
  for (const c of e.conflicts) {
    out.push(conflictState(c) === 'open'
      ? `The pair has an open conflict (${c.conflictId}${c.fields ? `, fields ${c.fields.join(', ')}` : ''}): both records wait until a person resolves it.`
      : `A conflict of the pair was resolved (kept ${c.keep}); the next run applies it.`);
  }
  for (const f of e.failures) out.push(failureText(job, f));
  if (e.mapping && !e.mapping.ok) out.push(`Its mapper fails on it now: ${e.mapping.reason}.`);
  if (e.mapping?.ok && e.mapping.skipped) out.push(`Its mapper returns null for it: the job skips it.`);
  if (e.heldSince) out.push(`It is waiting for its edits to settle (settle_sec), held since ${e.heldSince}.`);
  if (!e.link) out.push(`It never synced: no link. ${e.next.length > 0 ? '' : 'Nothing to plan: it could not be read.'}`.trim());
  else if (e.lastSynced) out.push(`Last synced at ${e.lastSynced.at}${e.lastSynced.runId ? ` by run ${e.lastSynced.runId}` : ''}.`);
  if (e.changedSinceSync) {
    out.push(e.changedSinceSync.changed
      ? `It changed since it last synced${e.changedSinceSync.fields?.length ? ` (${e.changedSinceSync.fields.join(', ')})` : ''}.`
      : 'It has not changed since it last synced.');
  }
  if (e.differsFromPartner && e.partner) {
    out.push(e.differsFromPartner.length === 0
      ? `Its partner ${name(e.partner.side)} ${e.partner.id} holds the same content.`
      : `Its partner ${name(e.partner.side)} ${e.partner.id} differs in ${e.differsFromPartner.join(', ')}.`);
  } else if (e.partner?.exists === false) out.push(`Its partner ${name(e.partner.side)} ${e.partner.id} does not exist any more.`);
  const mine = e.next.find((n) => n.side === e.side && n.recordId === e.recordId);
  if (mine) out.push(`Next run that pulls it: ${describeEntry(job, mine)}.`);
  return out;
}

function failureText(job: SyncJob, f: RecordFailure): string {
  const retry = f.retryRequestedAt ? 'a retry was asked for; the next run reads it again' : f.retrying ? 'every run retries it' : 'not retried any more (last modified over 24 h ago): edit it, or retry it now';
  return `${jobSide(job, f.side).name} ${f.recordId} failed ${f.failures} time${f.failures === 1 ? '' : 's'} (${f.stage}, last at ${f.lastFailedAt}): ${f.reason}; ${retry}.`;
}

function describeEntry(job: SyncJob, e: PlanEntry): string {
  const target = e.target ? ` ${jobSide(job, e.target.side).name} ${e.target.id ?? '(a new record)'}` : '';
  const fields = e.changedFields?.length ? ` (${e.changedFields.join(', ')})` : '';
  const words: Record<PlanEntry['action'], string> = {
    create: `create it on${target}`, update: `update${target}${fields}`, delete: `delete${target}`, link: `link it to${target}, nothing to write`,
    echo: 'nothing: it is in sync', skip: 'skip it', conflict: 'a conflict', error: 'fail', wait: 'wait',
  };
  return `${words[e.action] ?? e.action}${e.reason ? ` — ${e.reason}` : ''}`;
}
