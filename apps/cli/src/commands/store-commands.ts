import type { Side } from '@syncframe/engine';
import { sideRef } from '@syncframe/fleet';
import type { CliContext } from '../cli-context.js';
import { EXIT, UsageError } from '../cli-context.js';

/** `syncframe migrate`: apply the LinkIndex migrations (also done at every process start). */
export async function migrateCommand(ctx: CliContext): Promise<number> {
  const config = await ctx.config();
  await ctx.store();
  ctx.out(`linkindex (${config.linkindex.driver}) is migrated`);
  return EXIT.ok;
}

/** `syncframe prune [--older-than 30d]`: delete run records older than the age. */
export async function pruneCommand(ctx: CliContext): Promise<number> {
  const ms = parseAge(String(ctx.args.values['older-than'] ?? '30d'));
  const store = await ctx.store();
  const n = await store.pruneRuns(new Date(Date.now() - ms));
  ctx.out(`pruned ${n} run${n === 1 ? '' : 's'}`);
  return EXIT.ok;
}

/** `30d`, `12h`, `90m`. */
export function parseAge(text: string): number {
  const m = /^(\d+)\s*([dhm])$/.exec(text.trim());
  if (!m) throw new UsageError(`--older-than takes a number with d, h or m (e.g. 30d), not "${text}"`);
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}

/** `syncframe jobs list|enable ID|disable ID`. */
export async function jobsCommand(ctx: CliContext): Promise<number> {
  const [, sub, id] = ctx.args.positionals;
  const config = await ctx.config();
  const store = await ctx.store();
  if (sub === 'list' || sub === undefined) {
    const rows = [];
    for (const job of config.jobs) {
      const state = await store.getJobState(job.id);
      const [last] = await store.listRuns({ jobId: job.id, limit: 1 });
      rows.push({
        id: job.id,
        enabled: job.enabled,
        disabledAt: state.disabledAt,
        failCounts: {
          [job.source.name]: await store.getFailCount(job.id, sideRef(job.source)),
          [job.dest.name]: await store.getFailCount(job.id, sideRef(job.dest)),
        },
        schedule: job.schedule,
        lastRun: last ? { runId: last.runId, status: last.status, startedAt: last.startedAt } : null,
      });
    }
    if (ctx.args.values.json) ctx.out(JSON.stringify(rows, null, 2));
    else for (const r of rows) {
      const state = !r.enabled ? 'disabled in config' : r.disabledAt ? `DISABLED since ${r.disabledAt}` : 'enabled';
      const fails = Object.entries(r.failCounts).map(([s, n]) => `${s}:${n}`).join(' ');
      ctx.out(`${r.id}  ${state}  fails ${fails}  last ${r.lastRun ? `${r.lastRun.status} ${r.lastRun.startedAt}` : 'never'}`);
    }
    return EXIT.ok;
  }
  if (sub !== 'enable' && sub !== 'disable') throw new UsageError(`jobs takes list, enable ID or disable ID, not "${sub}"`);
  if (!id) throw new UsageError(`jobs ${sub} needs a job id`);
  if (!config.jobs.some((j) => j.id === id)) throw new UsageError(`no job "${id}" in ${config.file}`);
  if (sub === 'enable') await store.enableJob(id);
  else await store.disableJob(id, new Date());
  ctx.out(`job ${id} ${sub}d${sub === 'enable' ? ' (fail counts reset)' : ''}`);
  return EXIT.ok;
}

/** `syncframe conflicts list [--job ID]|resolve ID --keep source|dest`. */
export async function conflictsCommand(ctx: CliContext): Promise<number> {
  const [, sub, id] = ctx.args.positionals;
  const config = await ctx.config();
  const store = await ctx.store();
  if (sub === 'list' || sub === undefined) {
    const jobId = ctx.args.values.job as string | undefined;
    const jobs = jobId ? config.jobs.filter((j) => j.id === jobId) : config.jobs;
    if (jobId && jobs.length === 0) throw new UsageError(`no job "${jobId}" in ${config.file}`);
    const open = (await Promise.all(jobs.map((j) => store.listConflicts(j.id, 'open')))).flat();
    if (ctx.args.values.json) ctx.out(JSON.stringify(open, null, 2));
    else if (open.length === 0) ctx.out('no open conflicts');
    else for (const c of open) ctx.out(`${c.conflictId}  ${c.jobId}  source ${c.sourceId} ⇄ dest ${c.destId}  detected ${c.detectedAt}${c.fields ? `  fields ${c.fields.join(', ')}` : ''}`);
    return EXIT.ok;
  }
  if (sub !== 'resolve') throw new UsageError(`conflicts takes list or resolve, not "${sub}"`);
  const keep = ctx.args.values.keep as string | undefined;
  if (!id || (keep !== 'source' && keep !== 'dest')) throw new UsageError('usage: conflicts resolve ID --keep source|dest');
  const known = await store.getConflict(id);
  if (!known) throw new UsageError(`no conflict "${id}"`);
  // Only if still open, decided in one write: a board user resolving it meanwhile wins or loses cleanly.
  const resolved = await store.resolveConflict(id, keep as Side);
  if (!resolved) {
    const now = await store.getConflict(id);
    throw new UsageError(`conflict ${id} was already resolved (kept ${now?.keep ?? known.keep})`);
  }
  ctx.out(`conflict ${id} resolved: keeping ${keep}; the next run of ${resolved.jobId} applies it`);
  return EXIT.ok;
}
