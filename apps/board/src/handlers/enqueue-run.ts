import type { RequestHandler } from 'express';
import { enqueueJobRun } from '../job-commands.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/**
 * `POST /api/jobs/:id/runs`: 202 `{queueJobId, runId, deduplicated, outcome, message, links: {run, api}}`;
 * 404 unknown job; 409 disabled job.
 */
export function enqueueRunHandler({ deps }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    res.status(202).json(await enqueueJobRun(deps, id));
  };
}
