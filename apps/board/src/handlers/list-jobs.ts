import type { RequestHandler } from 'express';
import { listJobViews } from '../job-overview.js';
import type { ApiContext } from './api-context.js';

/** `GET /api/jobs`: every configured job with its state, last run, next scheduled run and open conflicts. */
export function listJobsHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (_req, res) => {
    res.json({ jobs: await listJobViews(deps, (t) => scrubber.scrub(t)) });
  };
}
