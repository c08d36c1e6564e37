import type { RequestHandler } from 'express';
import { NotFoundError } from '@syncframe/engine';
import { conflictsOfRun, findQueuedRun, scrubRun } from '../run-lookup.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/**
 * `GET /api/runs/:id`: the run with its per-record errors, and the conflicts of its job detected
 * while it ran (whatever their state now), so "why didn't record X sync?" has an answer.
 * A run id handed out by an enqueue that is not recorded yet (queued, running, or finished
 * without a record) answers 202 `{run: null, conflicts: [], queue}`: poll until it is 200.
 * 404 for an id neither recorded nor known to the queue.
 */
export function getRunHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const run = await deps.store.getRun(id);
    if (run) {
      res.json({ run: scrubRun(run, (t) => scrubber.scrub(t)), conflicts: await conflictsOfRun(deps.store, run) });
      return;
    }
    const queue = await findQueuedRun(deps, id, (t) => scrubber.scrub(t));
    if (!queue) throw new NotFoundError(`run ${id} not found`);
    res.status(202).json({ run: null, conflicts: [], queue });
  };
}
