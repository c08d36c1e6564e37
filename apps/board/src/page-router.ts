import express from 'express';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Conflict } from '@syncframe/engine';
import { NotFoundError } from '@syncframe/engine';
import { authOf, safeNextPath } from './auth.js';
import type { BoardDeps } from './board-deps.js';
import { diffConflict, sideNamesOf } from './conflict-diff.js';
import type { CsrfTokens } from './csrf.js';
import { idParams } from './handlers/params.js';
import { httpProblemOf } from './http-errors.js';
import type { EnqueuedRunView } from './job-commands.js';
import { decideDeletesAndRun, enqueueJobRun, resolveConflictAndRun, setJobEnabled } from './job-commands.js';
import { listJobViews } from './job-overview.js';
import type { Flash, FlashCookies } from './page/flash.js';
import type { ConflictView } from './page/render-conflict.js';
import { renderHome } from './page/render-home.js';
import { recordPagePath } from './page/render-failing-records.js';
import { renderRecord } from './page/render-record.js';
import { renderRun } from './page/render-run.js';
import { explainJobRecord, retryFailingRecords } from './record-explainer.js';
import { conflictsOfRun, findQueuedRun, otherAttemptsOf, scrubRun } from './run-lookup.js';
import { cspNonce } from './security-headers.js';
import type { SecretScrubber } from './secret-scrubber.js';

/** Recent runs on the page. */
const PAGE_RUNS = 25;
/** Conflicts shown (each compared field by field through the job's mappers) on one page. */
export const PAGE_CONFLICTS = 50;
/** Pending deletes shown on one page. */
export const PAGE_PENDING_DELETES = 100;
/** Failing records shown on one page. */
export const PAGE_FAILING_RECORDS = 100;

const keepForm = z.object({ keep: z.enum(['source', 'dest']) });
/** One failing record (`side` + `recordId`) or every one of the job (`all`). */
const retryForm = z.union([z.object({ all: z.literal('1') }), z.object({ side: z.enum(['source', 'dest']), recordId: z.string().min(1).max(200) })]);
const explainQuery = z.object({ job: z.string().min(1).max(200), record: z.string().trim().min(1).max(200) });
/** One pending delete (`ids`) or every open one of the job (`all`). */
const decideForm = z.union([z.object({ all: z.literal('1') }), z.object({ ids: z.string().min(1).max(200) })]);

export interface PageRouterDeps {
  readonly deps: BoardDeps;
  readonly csrf: CsrfTokens;
  readonly flash: FlashCookies;
  readonly scrubber: SecretScrubber;
}

/** The outcome of a page action: the flash text and, optionally, a run to follow. */
type ActionResult = string | Flash;

/** The flash's link to a run an action enqueued. */
function runLink(run: EnqueuedRunView | null): Pick<Flash, 'link'> {
  return run?.links.run ? { link: { href: run.links.run, label: `Follow run ${run.runId!.slice(0, 8)}` } } : {};
}

/**
 * The server-rendered pages (`/`, `/runs/:id`) and their form actions. Every action answers with
 * a redirect (to `/`, or the page named in the form's `back` field) and a flash message
 * (post → redirect → get), so a reload never repeats it.
 */
export function createPageRouter(ctx: PageRouterDeps): Router {
  const { deps, csrf, flash, scrubber } = ctx;
  const router = express.Router();
  const scrub = (text: string) => scrubber.scrub(text);
  const csrfTokenOf = (req: Request) => {
    const auth = authOf(req);
    return auth?.kind === 'session' ? csrf.tokenFor(auth.session.id) : '';
  };
  const withDiffs = (conflicts: readonly Conflict[]): Promise<ConflictView[]> => {
    const jobs = deps.config().jobs;
    return Promise.all(conflicts.map(async (conflict) => ({ conflict, diff: await diffConflict(conflict, jobs, deps.store, scrub) })));
  };

  router.get('/', async (req, res) => {
    const jobs = await listJobViews(deps, scrub);
    const [runs, conflicts, pending] = await Promise.all([
      deps.store.listRuns({ limit: PAGE_RUNS }),
      Promise.all(jobs.map((j) => deps.store.listConflicts(j.id, 'open'))).then((all): Conflict[] => all.flat()),
      Promise.all(jobs.map((j) => deps.store.listPendingDeletes(j.id, ['open', 'approved', 'rejected']))).then((all) => all.flat()),
    ]);
    const failing = (await Promise.all(jobs.map((j) => deps.store.listRecordFailures(j.id)))).flat()
      .sort((a, b) => b.lastFailedAt.localeCompare(a.lastFailedAt));
    res.type('html').send(renderHome({
      jobs, runs: runs.map((r) => scrubRun(r, scrub)),
      conflicts: await withDiffs(conflicts.slice(0, PAGE_CONFLICTS)),
      moreConflicts: Math.max(0, conflicts.length - PAGE_CONFLICTS),
      pendingDeletes: pending.slice(0, PAGE_PENDING_DELETES).map((p) => ({ pending: p, sides: sideNamesOf(deps.config().jobs, p.jobId) })),
      morePendingDeletes: Math.max(0, pending.length - PAGE_PENDING_DELETES),
      failingRecords: failing.slice(0, PAGE_FAILING_RECORDS).map((f) => ({ failure: { ...f, reason: scrub(f.reason) }, sides: sideNamesOf(deps.config().jobs, f.jobId) })),
      moreFailingRecords: Math.max(0, failing.length - PAGE_FAILING_RECORDS),
      flash: flash.take(req, res),
      csrfToken: csrfTokenOf(req),
      nonce: cspNonce(res),
    }));
  });

  router.get('/runs/:id', async (req, res) => {
    const { id } = idParams.parse(req.params);
    const run = await deps.store.getRun(id);
    const queued = run ? null : await findQueuedRun(deps, id, scrub);
    if (!run && !queued) {
      throw new NotFoundError(`No run ${id}: it is not recorded, and the queue does not know it (finished queue jobs are kept for 7 days, failed ones for 30).`);
    }
    const jobId = run?.jobId ?? queued!.jobId;
    const shown = run && scrubRun(run, scrub);
    const [conflicts, attempts] = run
      ? await Promise.all([conflictsOfRun(deps.store, run), otherAttemptsOf(deps, run)])
      : [[], []];
    res.type('html').send(renderRun({
      runId: id, run: shown, queued,
      sides: sideNamesOf(deps.config().jobs, jobId),
      jobConfigured: deps.config().jobs.some((j) => j.id === jobId),
      conflicts: await withDiffs(conflicts.slice(0, PAGE_CONFLICTS)),
      moreConflicts: Math.max(0, conflicts.length - PAGE_CONFLICTS),
      attempts,
      flash: flash.take(req, res),
      csrfToken: csrfTokenOf(req),
      nonce: cspNonce(res),
    }));
  });

  router.get('/explain', (req, res) => {
    const { job, record } = explainQuery.parse(req.query);
    res.redirect(303, recordPagePath(job, record));
  });

  router.get('/jobs/:id/records/:recordId', async (req, res) => {
    const id = String(req.params['id']);
    const recordId = String(req.params['recordId']);
    const explanation = await explainJobRecord(deps, id, recordId, scrubber);
    res.type('html').send(renderRecord({
      explanation, sides: sideNamesOf(deps.config().jobs, id), flash: flash.take(req, res), csrfToken: csrfTokenOf(req), nonce: cspNonce(res),
    }));
  });

  const actions = express.Router();
  actions.use(express.urlencoded({ extended: false, limit: '4kb' }), csrf.requireToken());

  /**
   * Runs `action`, flashes its outcome (errors as the API would word them), and goes back to the
   * form's `back` page (a local path) or `/`.
   */
  const act = (action: (req: Request) => Promise<ActionResult>) => async (req: Request, res: Response) => {
    try {
      const result = await action(req);
      flash.set(req, res, typeof result === 'string' ? { kind: 'ok', text: result } : result);
    } catch (err) {
      const problem = httpProblemOf(err);
      if (problem.unexpected) deps.logger.error({ path: req.path, err: { name: (err as Error)?.name, message: scrub(String((err as Error)?.message)) } }, 'page action failed');
      flash.set(req, res, { kind: 'error', text: problem.message });
    }
    const back: unknown = (req.body as Record<string, unknown> | undefined)?.['back'];
    res.redirect(303, safeNextPath(back));
  };

  actions.post('/jobs/:id/run', act(async (req) => {
    const id = String(req.params['id']);
    const run = await enqueueJobRun(deps, id);
    return { kind: 'ok', text: `${id}: ${run.message}${run.runId ? ` (run ${run.runId})` : ` (queue job ${run.queueJobId})`}.`, ...runLink(run) };
  }));
  actions.post('/jobs/:id/reconcile', act(async (req) => {
    const id = String(req.params['id']);
    const run = await enqueueJobRun(deps, id, { reconcile: true });
    return { kind: 'ok', text: `${id}: reconciliation ${run.message}${run.runId ? ` (run ${run.runId})` : ` (queue job ${run.queueJobId})`}.`, ...runLink(run) };
  }));
  for (const [verb, decision] of [['approve', 'approved'], ['reject', 'rejected']] as const) {
    actions.post(`/jobs/:id/pending-deletes/${verb}`, act(async (req) => {
      const form = decideForm.parse(req.body ?? {});
      const id = String(req.params['id']);
      const result = await decideDeletesAndRun(deps, id, 'all' in form ? 'all' : [form.ids], decision);
      const n = result.decided.length;
      if (n === 0) return { kind: 'error', text: 'Nothing was decided: that delete was no longer waiting (someone decided it, or its record reappeared).' };
      const carried = result.run ? `a run of ${id} carries it out (${result.run.message})` : `the next run carries it out (${result.runSkipped ?? 'no run enqueued'})`;
      const what = decision === 'approved' ? 'approved: the records will be deleted' : 'rejected: both records stay';
      return { kind: 'ok', text: `${n} pending delete${n === 1 ? '' : 's'} ${what}; ${carried}.`, ...runLink(result.run) };
    }));
  }
  actions.post('/jobs/:id/failing-records/retry', act(async (req) => {
    const form = retryForm.parse(req.body ?? {});
    const id = String(req.params['id']);
    const result = await retryFailingRecords(deps, id, 'all' in form ? 'all' : [{ side: form.side, recordId: form.recordId }]);
    if (result.requested === 0) return { kind: 'error', text: 'Nothing to retry: that record is not failing any more.' };
    const carried = result.run ? `a run of ${id} tries again (${result.run.message})` : `the next run tries again (${result.runSkipped ?? 'no run enqueued'})`;
    return { kind: 'ok', text: `Retry asked for ${result.requested} failing record${result.requested === 1 ? '' : 's'}; ${carried}.`, ...runLink(result.run) };
  }));
  actions.post('/jobs/:id/enable', act(async (req) => {
    const job = await setJobEnabled(deps, String(req.params['id']), true);
    return `Job ${job.id} enabled; its fail counts were reset.`;
  }));
  actions.post('/jobs/:id/disable', act(async (req) => {
    const job = await setJobEnabled(deps, String(req.params['id']), false);
    return `Job ${job.id} disabled; its runs are skipped until it is enabled.`;
  }));
  actions.post('/conflicts/:id/resolve', act(async (req) => {
    const { keep } = keepForm.parse(req.body ?? {});
    const result = await resolveConflictAndRun(deps, String(req.params['id']), keep);
    const keptName = sideNamesOf(deps.config().jobs, result.conflict.jobId)[keep];
    const applied = result.run
      ? `a run of ${result.conflict.jobId} applies it (${result.run.message})`
      : `it applies on the next run (${result.runSkipped ?? 'no run enqueued'})`;
    return { kind: 'ok', text: `Conflict resolved: keeping the ${keep} record (${keptName}); ${applied}.`, ...runLink(result.run) };
  }));
  router.use('/actions', actions);
  return router;
}
