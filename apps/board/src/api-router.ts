import express from 'express';
import type { Router } from 'express';
import { disableJobHandler } from './handlers/disable-job.js';
import { enableJobHandler } from './handlers/enable-job.js';
import { enqueueRunHandler } from './handlers/enqueue-run.js';
import { getRunHandler } from './handlers/get-run.js';
import { listConflictsHandler } from './handlers/list-conflicts.js';
import { listJobsHandler } from './handlers/list-jobs.js';
import { listRunsHandler } from './handlers/list-runs.js';
import { decidePendingDeletesHandler, listPendingDeletesHandler, reconcileJobHandler } from './handlers/pending-deletes.js';
import { previewJobHandler } from './handlers/preview-job.js';
import { explainRecordHandler, listFailingRecordsHandler, retryFailingRecordsHandler } from './handlers/records.js';
import { resolveConflictHandler } from './handlers/resolve-conflict.js';
import type { ApiContext } from './handlers/api-context.js';
import { apiErrorHandler, NO_SUCH_ROUTE, sendProblem } from './http-errors.js';

/** The JSON API, mounted at `/api` behind authentication and the CSRF guard. One handler per file. */
export function createApiRouter(ctx: ApiContext): Router {
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));
  router.get('/jobs', listJobsHandler(ctx));
  router.post('/jobs/:id/runs', enqueueRunHandler(ctx));
  router.post('/jobs/:id/preview', previewJobHandler(ctx));
  router.post('/jobs/:id/enable', enableJobHandler(ctx));
  router.post('/jobs/:id/disable', disableJobHandler(ctx));
  router.post('/jobs/:id/reconcile', reconcileJobHandler(ctx));
  router.get('/jobs/:id/pending-deletes', listPendingDeletesHandler(ctx));
  router.post('/jobs/:id/pending-deletes/approve', decidePendingDeletesHandler(ctx, 'approved'));
  router.post('/jobs/:id/pending-deletes/reject', decidePendingDeletesHandler(ctx, 'rejected'));
  router.get('/jobs/:id/records/:recordId', explainRecordHandler(ctx));
  router.get('/jobs/:id/failing-records', listFailingRecordsHandler(ctx));
  router.post('/jobs/:id/failing-records/retry', retryFailingRecordsHandler(ctx));
  router.get('/runs', listRunsHandler(ctx));
  router.get('/runs/:id', getRunHandler(ctx));
  router.get('/conflicts', listConflictsHandler(ctx));
  router.post('/conflicts/:id/resolve', resolveConflictHandler(ctx));
  router.use((_req, res) => sendProblem(res, NO_SUCH_ROUTE));
  router.use(apiErrorHandler(ctx.deps.logger, (text) => ctx.scrubber.scrub(text)));
  return router;
}
