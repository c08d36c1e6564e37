import express from 'express';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Conflict } from '@syncframe/engine';
import { authOf } from './auth.js';
import type { BoardDeps } from './board-deps.js';
import type { CsrfTokens } from './csrf.js';
import { httpProblemOf } from './http-errors.js';
import { enqueueJobRun, resolveConflictAndRun, setJobEnabled } from './job-commands.js';
import { listJobViews } from './job-overview.js';
import type { FlashCookies } from './page/flash.js';
import { renderHome } from './page/render-home.js';
import { cspNonce } from './security-headers.js';
import type { SecretScrubber } from './secret-scrubber.js';

/** Recent runs on the page. */
const PAGE_RUNS = 25;

const keepForm = z.object({ keep: z.enum(['source', 'dest']) });

export interface PageRouterDeps {
  readonly deps: BoardDeps;
  readonly csrf: CsrfTokens;
  readonly flash: FlashCookies;
  readonly scrubber: SecretScrubber;
}

/**
 * The server-rendered page at `/` and its form actions. Every action answers with a redirect to
 * `/` and a flash message (post → redirect → get), so a reload never repeats it.
 */
export function createPageRouter(ctx: PageRouterDeps): Router {
  const { deps, csrf, flash } = ctx;
  const router = express.Router();

  router.get('/', async (req, res) => {
    const jobs = await listJobViews(deps);
    const [runs, conflicts] = await Promise.all([
      deps.store.listRuns({ limit: PAGE_RUNS }),
      Promise.all(jobs.map((j) => deps.store.listConflicts(j.id, 'open'))).then((all): Conflict[] => all.flat()),
    ]);
    const auth = authOf(req);
    res.type('html').send(renderHome({
      jobs, runs, conflicts,
      flash: flash.take(req, res),
      csrfToken: auth?.kind === 'session' ? csrf.tokenFor(auth.session.id) : '',
      nonce: cspNonce(res),
    }));
  });

  const actions = express.Router();
  actions.use(express.urlencoded({ extended: false, limit: '4kb' }), csrf.requireToken());

  /** Runs `action`, flashes its outcome (errors as the API would word them), and goes back to `/`. */
  const act = (action: (req: Request) => Promise<string>) => async (req: Request, res: Response) => {
    try {
      flash.set(req, res, { kind: 'ok', text: await action(req) });
    } catch (err) {
      const problem = httpProblemOf(err);
      if (problem.unexpected) deps.logger.error({ path: req.path, err: { name: (err as Error)?.name, message: ctx.scrubber.scrub(String((err as Error)?.message)) } }, 'page action failed');
      flash.set(req, res, { kind: 'error', text: problem.message });
    }
    res.redirect(303, '/');
  };

  actions.post('/jobs/:id/run', act(async (req) => {
    const id = String(req.params['id']);
    const run = await enqueueJobRun(deps, id);
    return run.deduplicated
      ? `A run of ${id} was already waiting; this request joined it (queue job ${run.queueJobId}).`
      : `Run of ${id} enqueued (queue job ${run.queueJobId}).`;
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
    const applied = result.run ? `a run of ${result.conflict.jobId} was enqueued to apply it` : `it applies on the next run (${result.runSkipped ?? 'no run enqueued'})`;
    return `Conflict resolved: keeping the ${keep} record; ${applied}.`;
  }));
  router.use('/actions', actions);
  return router;
}
