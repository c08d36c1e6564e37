import type { CycleProgress, PlanEntry } from '@syncframe/engine';
import { runSyncCycle } from '@syncframe/engine';
import { buildSyncJob } from '@syncframe/fleet';
import type { CliContext } from '../cli-context.js';
import { EXIT, requireJob } from '../cli-context.js';
import { formatRunSummary } from '../run-summary-text.js';

/**
 * `syncframe sync --job ID [--dry-run] [--json]`: one cycle in this process, no Redis. Prints the
 * run summary (or, dry, the plan per record): words and a table of each account's budget, or JSON. Exit 0 success, 3 partial, 1 failed.
 */
export async function syncCommand(ctx: CliContext): Promise<number> {
  const job = await requireJob(ctx);
  const store = await ctx.store();
  const dryRun = ctx.args.values['dry-run'] === true;
  const result = await runSyncCycle(buildSyncJob(job, { logger: ctx.logger }), {
    linkIndex: store,
    logger: ctx.logger,
    onProgress: progressPrinter(ctx),
  }, { trigger: 'cli', dryRun });
  if (result.status === 'skipped') {
    ctx.err(`job "${job.id}" is disabled; run \`syncframe jobs enable ${job.id}\` to enable it`);
    return EXIT.failed;
  }
  if (dryRun) {
    if (ctx.args.values.json) ctx.out(JSON.stringify(result.plan, null, 2));
    else printPlan(ctx, result.plan);
  } else if (ctx.args.values.json) {
    ctx.out(JSON.stringify(result.summary, null, 2));
  } else {
    for (const line of formatRunSummary(result.summary!, { source: job.source.name, dest: job.dest.name })) ctx.out(line);
  }
  return result.status === 'success' ? EXIT.ok : result.status === 'partial' ? EXIT.partial : EXIT.failed;
}

function printPlan(ctx: CliContext, plan: PlanEntry[]): void {
  if (plan.length === 0) ctx.out('nothing to do');
  for (const e of plan) {
    const target = e.target ? ` → ${e.target.side} ${e.target.id ?? '(new)'}` : '';
    const fields = e.changedFields ? ` [${e.changedFields.join(', ')}]` : e.fields ? ` {${Object.keys(e.fields).join(', ')}}` : '';
    ctx.out(`${e.action.padEnd(8)} ${e.side} ${e.recordId}${target}${fields}${e.reason ? ` (${e.reason})` : ''}`);
  }
  const counts = new Map<string, number>();
  for (const e of plan) counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
  ctx.out(`plan: ${[...counts].map(([a, n]) => `${n} ${a}`).join(', ') || 'empty'}; nothing was written`);
}

/** Progress on stderr (pulled records, writes done of total), at most a few lines a second. */
function progressPrinter(ctx: CliContext): (p: CycleProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase !== 'done' && now - last < 250) return;
    last = now;
    if (p.phase === 'pull') ctx.err(`pulling… ${p.done} records`);
    else if (p.phase === 'push') ctx.err(`pushing… ${p.done}/${p.total} writes`);
  };
}
