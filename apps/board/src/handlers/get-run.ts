import type { RequestHandler } from 'express';
import type { Conflict } from '@syncframe/engine';
import { NotFoundError } from '@syncframe/engine';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/**
 * `GET /api/runs/:id`: the run with its per-record errors, and the conflicts of its job detected
 * while it ran (whatever their state now), so "why didn't record X sync?" has an answer. 404 unknown.
 */
export function getRunHandler({ deps }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const run = await deps.store.getRun(id);
    if (!run) throw new NotFoundError(`run ${id} not found`);
    // Only the run's own window is read (in SQL): resolved and applied conflicts are never pruned.
    const range = { from: run.startedAt, to: run.endedAt };
    const all = (await Promise.all((['open', 'resolved', 'applied'] as const).map((s) => deps.store.listConflicts(run.jobId, s, range)))).flat();
    const conflicts: Conflict[] = all.sort((a, b) => a.detectedAt.localeCompare(b.detectedAt));
    res.json({ run, conflicts });
  };
}
