import { isUnreachableHostError } from '@syncframe/adapter-kit';
import type { CycleProgress, CycleResult, CycleWait, PlanEntry } from '@syncframe/engine';
import { runSyncCycle } from '@syncframe/engine';
import { buildSyncJob, FileRecordSpool, fleetSettingsFromEnv } from '@syncframe/fleet';
import type { CliContext } from '../cli-context.js';
import { EXIT, requireJob } from '../cli-context.js';
import { formatRunSummary } from '../run-summary-text.js';

/**
 * `syncframe sync --job ID [--dry-run] [--json]`: one cycle in this process, no Redis. Prints the
 * run summary (or, dry, the plan per record): words and a table of each account's budget, or JSON.
 * A side that failed is said first. A host that does not resolve or refuses connections ends the
 * run at once (a person is waiting); other transient errors are retried, and the wait is shown.
 * Exit 0 success, 3 partial, 1 failed.
 */
export async function syncCommand(ctx: CliContext): Promise<number> {
  const job = await requireJob(ctx);
  const store = await ctx.store();
  const dryRun = ctx.args.values['dry-run'] === true;
  const sideNames = { source: job.source.name, dest: job.dest.name };
  const result = await runSyncCycle(buildSyncJob(job, { logger: ctx.logger }), {
    linkIndex: store,
    logger: ctx.logger,
    onProgress: progressPrinter(ctx),
    onWait: waitPrinter(ctx),
    giveUp: isUnreachableHostError,
    openSpool: () => FileRecordSpool.open(),
  }, { trigger: 'cli', dryRun, keepPlan: dryRun, reconcile: ctx.args.values.reconcile === true, spillAfter: fleetSettingsFromEnv(ctx.env).spillAfterRecords });
  if (result.status === 'skipped') {
    ctx.err(`job "${job.id}" is disabled; run \`syncframe jobs enable ${job.id}\` to enable it`);
    return EXIT.failed;
  }
  if (ctx.args.values.json) {
    ctx.out(JSON.stringify(dryRun ? result.plan : result.summary, null, 2));
  } else if (dryRun) {
    printFailures(ctx, result, sideNames);
    printPlan(ctx, result);
  } else {
    for (const line of formatRunSummary(result.summary!, sideNames)) ctx.out(line);
  }
  return result.status === 'success' ? EXIT.ok : result.status === 'partial' ? EXIT.partial : EXIT.failed;
}

/** A side that failed, first and in words: a plan without it is not "nothing to do". */
function printFailures(ctx: CliContext, result: CycleResult, sideNames: { source: string; dest: string }): void {
  for (const f of result.failures) {
    ctx.out(`failed${f.side ? `: the ${sideNames[f.side]} side` : ''}: ${f.message}${f.retryable ? ' (transient: a later run may succeed)' : ''}`);
  }
}

function printPlan(ctx: CliContext, result: CycleResult): void {
  const plan: readonly PlanEntry[] = result.plan;
  if (result.failures.length > 0) {
    ctx.out('no plan: a side could not be read, so nothing can be decided; nothing was written');
    return;
  }
  if (plan.length === 0) ctx.out('nothing to do: no changes on either side since the last run');
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
    if (p.phase === 'pull') ctx.err(`pulling… ${p.done} record${p.done === 1 ? '' : 's'}`);
    else if (p.phase === 'push') ctx.err(`pushing… ${p.done}/${p.total} writes`);
  };
}

/** Waits on stderr: for a retry, a 429's penalty, or a turn in the rate limit, with how long and why. */
function waitPrinter(ctx: CliContext): (w: CycleWait) => void {
  return (w) => {
    const secs = w.ms === null ? '' : ` ${(w.ms / 1000).toFixed(w.ms < 10_000 ? 1 : 0)} s`;
    if (w.reason === 'throttle') ctx.err(`${w.side}: waiting for its turn in the account's rate limit…`);
    else if (w.reason === 'rate-limited') ctx.err(`${w.side}: the remote answered 429 (rate limited): waiting${secs}, then retrying`);
    else ctx.err(`${w.side}: ${w.cause ?? 'a request failed'}: retrying in${secs}`);
  };
}
