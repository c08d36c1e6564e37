import { isUnreachableHostError } from '@syncframe/adapter-kit';
import type { RecordExplanation } from '@syncframe/engine';
import { explainRecord } from '@syncframe/engine';
import { buildSyncJob } from '@syncframe/fleet';
import type { CliContext } from '../cli-context.js';
import { EXIT, requireJob, UsageError } from '../cli-context.js';

/**
 * `syncframe explain --job ID --record RECORD_ID [--json]`: why a record did (not) sync, by either
 * side's id: what SyncFrame knows (link, partner, last sync and its run, conflicts, pending deletes,
 * failures, edit settling) and what the next run would do with it. Reads only. Exit 0 when the
 * record was found on a side, 1 when neither side knows it.
 */
export async function explainCommand(ctx: CliContext): Promise<number> {
  const config = await requireJob(ctx);
  const recordId = ctx.args.values.record as string | undefined;
  if (!recordId) throw new UsageError('explain needs --record RECORD_ID (an id of either side)');
  const store = await ctx.store();
  const job = buildSyncJob(config, { logger: ctx.logger });
  // One attempt per request: a person is waiting for the answer.
  const e = await explainRecord({ ...job, retries: { ...job.retries, max_attempts: 1 } }, { linkIndex: store, logger: ctx.logger, giveUp: isUnreachableHostError }, recordId);
  if (ctx.args.values.json) ctx.out(JSON.stringify(e, null, 2));
  else for (const line of explanationText(e, { source: config.source.name, dest: config.dest.name })) ctx.out(line);
  return e.side === null ? EXIT.failed : EXIT.ok;
}

/** The explanation for a terminal: the verdict, then the facts behind it. */
export function explanationText(e: RecordExplanation, names: { source: string; dest: string }): string[] {
  const lines = [`record ${e.recordId} of job ${e.jobId}${e.side ? ` (${names[e.side]} side)` : ''}:`];
  for (const v of e.verdict) lines.push(`  - ${v}`);
  if (e.side === null) return lines;
  lines.push('');
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(14)} ${v}`);
  if (e.link) row('link', `${names.source} ${e.link.sourceId} ⇄ ${names.dest} ${e.link.destId}${e.link.deletedAt ? ` (deleted ${e.link.deletedAt})` : ''}`);
  else row('link', 'none (never synced)');
  if (e.lastSynced) row('last synced', `${e.lastSynced.at}${e.lastSynced.runId ? ` (run ${e.lastSynced.runId})` : ''}`);
  if (e.record?.record) row('fields', JSON.stringify(e.record.record.fields));
  if (e.partner?.record) row('partner', `${names[e.partner.side]} ${e.partner.id}: ${JSON.stringify(e.partner.record.fields)}`);
  for (const n of e.next) row('next run', `${n.action} ${names[n.side]} ${n.recordId}${n.target ? ` → ${names[n.target.side]} ${n.target.id ?? '(new)'}` : ''}${n.reason ? ` (${n.reason})` : ''}`);
  return lines;
}
