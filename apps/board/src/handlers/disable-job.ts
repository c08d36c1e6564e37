import type { RequestHandler } from 'express';
import { setJobEnabled } from '../job-commands.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/** `POST /api/jobs/:id/disable`: runs are skipped until enabled again; 200 `{job}`; 404 unknown job. */
export function disableJobHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    res.json({ job: await setJobEnabled(deps, id, false, (t) => scrubber.scrub(t)) });
  };
}
