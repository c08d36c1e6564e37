import type { RequestHandler } from 'express';
import { setJobEnabled } from '../job-commands.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/** `POST /api/jobs/:id/enable`: clears `disabledAt` and every fail count; 200 `{job}`; 404 unknown job. */
export function enableJobHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    res.json({ job: await setJobEnabled(deps, id, true, (t) => scrubber.scrub(t)) });
  };
}
