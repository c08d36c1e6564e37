import type { PendingDelete, PendingDeleteDecision } from '@syncframe/engine';
import { deleteTarget } from '@syncframe/engine';
import type { CliContext } from '../cli-context.js';
import { EXIT, UsageError } from '../cli-context.js';

/**
 * `syncframe deletes list [--job ID] [--json]` and `deletes approve|reject --job ID (DELETE_ID… | --all)`:
 * the deletes a job's delete brake held back. A decision is carried out by the job's next run.
 */
export async function deletesCommand(ctx: CliContext): Promise<number> {
  const [, sub, ...ids] = ctx.args.positionals;
  const config = await ctx.config();
  const store = await ctx.store();
  const jobId = ctx.args.values.job as string | undefined;
  if (jobId && !config.jobs.some((j) => j.id === jobId)) throw new UsageError(`no job "${jobId}" in ${config.file}`);
  if (sub === 'list' || sub === undefined) {
    const jobs = jobId ? [jobId] : config.jobs.map((j) => j.id);
    const waiting = (await Promise.all(jobs.map((id) => store.listPendingDeletes(id, ['open', 'approved', 'rejected'])))).flat();
    if (ctx.args.values.json) ctx.out(JSON.stringify(waiting, null, 2));
    else if (waiting.length === 0) ctx.out('no pending deletes');
    else {
      for (const p of waiting) ctx.out(describePending(p, config.jobs.find((j) => j.id === p.jobId)));
      const open = waiting.filter((p) => p.decision === null).length;
      ctx.out(`${waiting.length} pending delete${waiting.length === 1 ? '' : 's'}, ${open} waiting for a decision: \`syncframe deletes approve|reject --job ID --all\` (or their ids)`);
    }
    return EXIT.ok;
  }
  if (sub !== 'approve' && sub !== 'reject') throw new UsageError(`deletes takes list, approve or reject, not "${sub}"`);
  if (!jobId) throw new UsageError(`deletes ${sub} needs --job ID`);
  const all = ctx.args.values.all === true;
  if (all === ids.length > 0) throw new UsageError(`deletes ${sub} takes --all or the ids of pending deletes (from \`deletes list\`), not both`);
  const decision: PendingDeleteDecision = sub === 'approve' ? 'approved' : 'rejected';
  const decided = await store.decidePendingDeletes(jobId, all ? 'all' : ids, decision);
  const missed = all ? [] : ids.filter((id) => !decided.some((p) => p.deleteId === id));
  ctx.out(`${decided.length} pending delete${decided.length === 1 ? '' : 's'} ${decision}; the next run of ${jobId} ${decision === 'approved' ? 'deletes them' : 'lets them go, keeping both records'}`);
  if (missed.length > 0) {
    ctx.err(`not waiting for a decision (unknown, another job's, or already decided): ${missed.join(', ')}`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

function describePending(p: PendingDelete, job: { source: { name: string }; dest: { name: string } } | undefined): string {
  const names = { source: job?.source.name ?? 'source', dest: job?.dest.name ?? 'dest' };
  const target = deleteTarget(p);
  const why = p.cause === 'gone' ? `${names[p.side]} ${p.side === 'source' ? p.sourceId : p.destId} is gone` : `${names[p.side]} ${p.side === 'source' ? p.sourceId : p.destId} was deleted`;
  const state = p.decision === null ? 'waiting' : `${p.decision}, applied at the next run`;
  return `${p.deleteId}  ${p.jobId}  delete ${names[target.side]} ${target.id} (${why})  detected ${p.detectedAt}  ${state}`;
}
