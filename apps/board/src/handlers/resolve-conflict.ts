import type { RequestHandler } from 'express';
import { z } from 'zod';
import { resolveConflictAndRun } from '../job-commands.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/** Body of a resolve: which side's record wins. */
export const resolveBody = z.strictObject({ keep: z.enum(['source', 'dest']) });

/**
 * `POST /api/conflicts/:id/resolve` `{"keep": "source"|"dest"}`: records the decision and enqueues
 * a run of the job to apply it. 200 `{conflict, run}`; 400 bad body; 404 unknown; 409 already resolved.
 */
export function resolveConflictHandler({ deps }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const { keep } = resolveBody.parse(req.body ?? {});
    res.json(await resolveConflictAndRun(deps, id, keep));
  };
}
