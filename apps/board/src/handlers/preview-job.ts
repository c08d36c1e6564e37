import type { RequestHandler } from 'express';
import { previewJob } from '../job-preview.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/** `POST /api/jobs/:id/preview`: a dry run, 200 `{plan}`; nothing is written. 502 when a remote cannot be read. */
export function previewJobHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    // Stop pulling when the caller gives up.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const plan = await previewJob(deps, id, scrubber, gone.signal);
    res.json({ plan });
  };
}
